"""Container health check: GET /healthz on this container's own server, exit 0 if healthy.

Usage: python docker/healthcheck.py PORT

The request carries a Host from ALLOWED_HOSTS (Django refuses any other) and
X-Forwarded-Proto: https (otherwise SECURE_SSL_REDIRECT answers with a redirect), as it
would arriving through the proxy. /healthz checks the database, cache, channel layer and
broker from inside this process.
"""

import http.client
import os
import sys


def main() -> int:
    port = int(sys.argv[1])
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = hosts[0].lstrip(".") if hosts and hosts[0] != "*" else "localhost"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        body = response.read(2000).decode(errors="replace")
    except OSError as exc:
        print(f"healthz: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if response.status != 200:
        print(f"healthz: {response.status} {body}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
