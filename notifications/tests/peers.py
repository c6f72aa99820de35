"""Real protocol peers on loopback for the transports to talk to."""

import datetime
import ipaddress
import json
import ssl
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


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
    # With tls=True: the certificate to trust (e.g. as REQUESTS_CA_BUNDLE).
    ca_file: str = ""

    @property
    def netloc(self) -> str:
        return self.url.partition("://")[2]


def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own CA, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    certificate_file, key_file = directory / "peer.pem", directory / "peer.key"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate_file, key_file


@contextmanager
def http_peer(respond, *, tls: bool = False):
    """Serve HTTP (HTTPS with tls=True) on 127.0.0.1;
    `respond(recorded) -> (status, headers, body bytes)`."""
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
    with tempfile.TemporaryDirectory() as directory:
        scheme = "http"
        if tls:
            certificate_file, key_file = _self_signed_certificate(Path(directory))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certificate_file, key_file)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            scheme, peer.ca_file = "https", str(certificate_file)
        peer.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield peer
        finally:
            server.shutdown()
            server.server_close()


def json_response(status: int, payload: dict):
    return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()
