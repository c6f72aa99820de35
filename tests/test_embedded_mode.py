"""`make run` without Redis: one `manage.py serve` process serves pages and runs the jobs.

This starts the real command in a subprocess on a fresh SQLite file, with no REDIS_URL, and
proves that a manager's invitation is emailed by the Celery worker inside that process.
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

pytestmark = pytest.mark.timeout(90)


def embedded_environment(database: Path) -> dict[str, str]:
    """The environment of `make run` on a fresh machine: DEBUG and a database, nothing else."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"REDIS_URL", "DATABASE_URL", "SECRET_KEY", "EMAIL_URL"}
        and not name.startswith(("DJANGO_", "CELERY_"))
    }
    env.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{database}",
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
    env = embedded_environment(tmp_path_factory.mktemp("embedded") / "embedded.sqlite3")
    for command in (["migrate", "--noinput"], ["seed_demo"]):
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
