"""Real protocol peers on loopback for the transports to talk to."""

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict  # names lower-cased: HTTP header names are case-insensitive
    body: bytes


@dataclass
class HttpPeer:
    url: str
    requests: list[Recorded] = field(default_factory=list)


@contextmanager
def http_peer(respond):
    """Serve HTTP on 127.0.0.1; `respond(recorded) -> (status, headers, body bytes)`."""
    peer = HttpPeer(url="")

    class Handler(BaseHTTPRequestHandler):
        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            recorded = Recorded(
                self.command,
                self.path,
                {name.lower(): value for name, value in self.headers.items()},
                self.rfile.read(length),
            )
            peer.requests.append(recorded)
            status, headers, body = respond(recorded)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET = do_DELETE = _handle

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    peer.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()


def json_response(status: int, payload: dict):
    return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()
