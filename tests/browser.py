"""Helpers the browser tests share: logging in through the real form, waiting for a live
update and telling it from a reload, and running server-side code off Playwright's thread."""

import threading
import time

from django.db import connections
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD

# How long any wait of a browser test may take before it fails: every expect(), action and
# navigation (set in conftest), and wait_for_realtime. Tests wait on the thing itself (the
# event announced, the text shown), never for a set time, so this costs nothing when all is
# well; it only bounds a wait that will never end. Live sends arrive in milliseconds and the
# heartbeat resync runs every second in tests, but on a 2-core machine shared with five
# other test runs a page load or an htmx refresh behind a live event took over the 5 s
# Playwright allows by default. How fast updates arrive is measured by the benchmarks, not
# asserted here.
TIMEOUT_MS = 30_000


def log_in(page, email, password=PASSWORD, *, next_path=""):
    """Log in through the real form and wait until the page has its live connection."""
    page.goto(f"/login/?next={next_path}" if next_path else "/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("[data-realtime-status]")).to_have_attribute("data-state", "connected")


# Screens the pages are tried on: a laptop, and a phone held upright.
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


def new_page(browser, base_url, **options):
    """A page in a context of its own (one person's cookie jar) that waits up to TIMEOUT_MS;
    `options` go to the context (a screen: DESKTOP, PHONE; a locale)."""
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def open_page_at(browser, base_url, user, path):
    """Log in through the form straight to `path`, so the page's socket is the only one the
    person ever opened (a second page would drop and rejoin their presence)."""
    page = new_page(browser, base_url)
    log_in(page, user.email, next_path=path)
    expect(page).to_have_url(f"{base_url}{path}")
    return page


def mark_as_not_reloaded(page):
    page.evaluate("() => { window.notReloaded = true; }")


def was_not_reloaded(page) -> bool:
    return page.evaluate("() => window.notReloaded === true")


def watch_realtime(page):
    """Note from now on every realtime event the page announces (realtime.js dispatches each
    on document), for wait_for_realtime."""
    page.evaluate(
        """() => {
          window.realtimeSeen = [];
          document.addEventListener("realtime:any", (event) => {
            window.realtimeSeen.push(event.detail.type);
          });
        }"""
    )


def wait_for_realtime(page, event_type: str):
    """Wait until the page has announced an `event_type` event since watch_realtime, sent
    live or fetched by the heartbeat's catch-up. Waiting for the cause apart from the change
    it makes on the page tells a failure's two halves apart: the event never came, or it
    came and the page did not follow."""
    page.wait_for_function(
        "(type) => (window.realtimeSeen || []).includes(type)", arg=event_type, timeout=TIMEOUT_MS
    )


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


def wait_until(condition, *, timeout: float = TIMEOUT_MS / 1000) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
