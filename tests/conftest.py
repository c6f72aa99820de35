"""Fixtures for end-to-end tests: the real ASGI app on a port, and a real Chromium."""

import os
import socket
import threading
import time

import pytest
import uvicorn
from django.db import connections
from playwright.sync_api import expect, sync_playwright

from accounts.tests.factories import PASSWORD

from .browser import TIMEOUT_MS, log_in, new_page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
STARTUP_TIMEOUT = TIMEOUT_MS / 1000


@pytest.fixture
def live_asgi_server(transactional_db):
    """csportal.asgi.application under uvicorn on a free port; yields its base URL.

    The server runs in this process, so it shares the test database (a file for SQLite) and,
    without REDIS_URL, the in-memory channel layer; with REDIS_URL both sides use Redis.
    """
    from csportal.asgi import application

    # Bind first and hand uvicorn the socket, so no other process can take the port between.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(application, lifespan="off", log_level="warning", ws_max_size=1024 * 1024)
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-asgi", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the ASGI server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(STARTUP_TIMEOUT)
    sock.close()


class PolicyWatchedBrowser:
    """The browser, with every context it opens reporting what the Content-Security-Policy
    refused into `refused`."""

    def __init__(self, chromium, refused: list[str]):
        self._chromium = chromium
        self._refused = refused

    def new_context(self, **kwargs):
        context = self._chromium.new_context(**kwargs)
        context.on("console", self._note)
        return context

    def _note(self, message):
        if "Content Security Policy" in message.text:
            self._refused.append(f"{message.location.get('url')}: {message.text}")

    def __getattr__(self, name):
        return getattr(self._chromium, name)


@pytest.fixture
def browser(live_asgi_server):
    """A headless Chromium; each person in a test gets their own context (cookie jar)."""
    # Playwright's sync API keeps an event loop running in this thread, and Django refuses
    # ORM calls from a thread with a running loop. The test's ORM calls are plain sync code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        expect.set_options(timeout=TIMEOUT_MS)
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            refused = []
            yield PolicyWatchedBrowser(chromium, refused)
            chromium.close()
            # Something the Content-Security-Policy blocked is a page that silently lost a
            # script or a style: fail the test that met it.
            assert refused == []
            # While that loop runs, Django keeps this thread's connections apart from the ones
            # it had before; close them now or PostgreSQL can't drop the test database.
            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_page(browser, live_asgi_server):
    """`open_page(user)`: a new browser context where `user` logged in through the login page."""

    def open_page_as(user, password=PASSWORD):
        page = new_page(browser, live_asgi_server)
        log_in(page, user.email, password)
        return page

    return open_page_as
