"""`make run` without Redis: one `manage.py serve` process serves pages and runs the jobs.

This runs the real commands of `make run` in subprocesses, with its environment (DEBUG off,
a key file, plain HTTP) on a fresh SQLite file and static root, with no REDIS_URL, and
proves that the pages, their static files and error pages are served as in production and
that a manager's invitation is emailed by the Celery worker inside that process.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

BASE_DIR = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(BASE_DIR / "manage.py")]
STARTUP_TIMEOUT = 20.0
EMAIL_TIMEOUT = 20.0

pytestmark = pytest.mark.timeout(180)


def embedded_environment(var: Path) -> dict[str, str]:
    """The environment the Makefile's `run` gives its commands on a fresh machine (its
    RUN_ENV), with the database, static files and key under `var` instead of var/."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"REDIS_URL", "DATABASE_URL", "SECRET_KEY", "EMAIL_URL", "DEBUG"}
        and not name.startswith(("DJANGO_", "CELERY_"))
    }
    env.update(
        DEBUG="0",
        SECRET_KEY_FILE=str(var / "secret_key"),
        ALLOWED_HOSTS="127.0.0.1,localhost,[::1],127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}",
        STATIC_ROOT=str(var / "static"),
        DJANGO_SETTINGS_MODULE="csportal.settings",
        PYTHONUNBUFFERED="1",
    )
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Output:
    """Everything the server prints, collected on a thread so its pipe never fills up."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)


@pytest.fixture(scope="module")
def embedded_server(tmp_path_factory):
    """`manage.py serve` on a migrated, seeded SQLite file; yields (base URL, its output)."""
    env = embedded_environment(tmp_path_factory.mktemp("embedded"))
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"], ["seed_demo"]):
        subprocess.run(
            [*MANAGE, *command], env=env, cwd=BASE_DIR, check=True, capture_output=True, timeout=120
        )
    port = free_port()
    process = subprocess.Popen(
        [*MANAGE, "serve", "--port", str(port)],
        env=env,
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(process.stdout)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            assert process.poll() is None, f"serve exited:\n{output.text}"
            assert time.monotonic() < deadline, f"serve did not answer:\n{output.text}"
            try:
                requests.get(f"{base_url}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield base_url, output
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def log_in(session: requests.Session, base_url: str, email: str, password: str):
    session.get(f"{base_url}/login/", timeout=10).raise_for_status()
    return session.post(
        f"{base_url}/login/",
        data={
            "username": email,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=10,
    )


def test_the_embedded_server_emails_an_invitation_through_its_own_worker(embedded_server):
    base_url, output = embedded_server
    session = requests.Session()

    logged_in = log_in(session, base_url, "manager@example.com", "csportal-demo")
    invited = session.post(
        f"{base_url}/o/acme/console/",
        data={
            "email": "newtech@example.com",
            "role": "technician",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=10,
    )
    # The link points at the address this server listens on, not the default port.
    invitation_link = re.compile(re.escape(base_url) + r"/invitation/[\w:.-]+/")
    deadline = time.monotonic() + EMAIL_TIMEOUT
    while not invitation_link.search(output.text) and time.monotonic() < deadline:
        time.sleep(0.2)

    assert logged_in.url == f"{base_url}/o/acme/console/"
    assert (invited.status_code, invited.headers["Location"]) == (302, "/o/acme/console/")
    assert invitation_link.search(output.text), output.text
    assert "To: newtech@example.com" in output.text


def test_the_embedded_server_reports_every_part_healthy(embedded_server):
    base_url, _output = embedded_server

    response = requests.get(f"{base_url}/healthz", timeout=10)

    assert response.status_code == 200, response.text
    assert {name: check["ok"] for name, check in response.json()["checks"].items()} == {
        "database": True,
        "cache": True,
        "channel_layer": True,
        "broker": True,
    }


def test_the_embedded_server_serves_pages_static_files_and_its_own_error_pages(embedded_server):
    base_url, _output = embedded_server

    login = requests.get(f"{base_url}/login/", timeout=10)
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]+\.css)"', login.text)
    css = requests.get(f"{base_url}{stylesheet[1]}", timeout=10) if stylesheet else None
    missing = requests.get(f"{base_url}/no/such/page/", timeout=10)
    favicon = requests.get(f"{base_url}/favicon.ico", timeout=10)

    assert login.status_code == 200
    # Collected and served under their hashed names, as in production.
    assert css is not None, login.text[:2000]
    assert css.status_code == 200
    assert "immutable" in css.headers["Cache-Control"]
    assert missing.status_code == 404
    assert '<p class="notice__code">404</p>' in missing.text
    assert "URLconf" not in missing.text
    assert (favicon.status_code, favicon.content[:4]) == (200, b"\x00\x00\x01\x00")
