"""Helpers the browser tests share: logging in through the real form, telling a live update
from a reload, and running server-side code off Playwright's thread."""

import threading

from django.db import connections
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD

# Live sends arrive in milliseconds and the heartbeat resync runs every second in tests, so
# anything slower than this is a real failure.
LIVE_MS = 5000


def log_in(page, email, password=PASSWORD, *, next_path=""):
    """Log in through the real form and wait until the page has its live connection."""
    page.goto(f"/login/?next={next_path}" if next_path else "/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("[data-realtime-status]")).to_have_attribute("data-state", "connected")


def open_page_at(browser, base_url, user, path):
    """Log in through the form straight to `path`, so the page's socket is the only one the
    person ever opened (a second page would drop and rejoin their presence)."""
    page = browser.new_context(base_url=base_url).new_page()
    log_in(page, user.email, next_path=path)
    expect(page).to_have_url(f"{base_url}{path}")
    return page


def mark_as_not_reloaded(page):
    page.evaluate("() => { window.notReloaded = true; }")


def was_not_reloaded(page) -> bool:
    return page.evaluate("() => window.notReloaded === true")


def in_another_thread(function, **kwargs):
    # This thread runs Playwright's event loop; the publish after commit needs a thread
    # without one, as a request or a worker has.
    def run():
        try:
            function(**kwargs)
        finally:
            # Or PostgreSQL can't drop the test database while the thread's session lingers.
            connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
