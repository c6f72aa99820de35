"""Account settings on a phone: reached from the menu in the top bar, a new language shows at
once and holds at the next login, and a new password keeps this browser logged in."""

import pytest
from playwright.sync_api import expect

from accounts.models import CustomerProfile
from tests.browser import TIMEOUT_MS, log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
NEW_PASSWORD = "violet-harbour-lantern-42"


def phone_page(browser, base_url):
    context = browser.new_context(base_url=base_url, viewport=PHONE, is_mobile=True)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def test_a_customer_changes_language_and_password_on_a_phone(browser, live_asgi_server, customer):
    page = phone_page(browser, live_asgi_server)
    log_in(page, customer.email)

    # Nothing else is on the page at this size: the menu opens over it, inside the screen.
    page.locator("details[data-menu] > summary").click()
    link = page.locator(".menu__panel a[href='/me/settings/']")
    expect(link).to_be_visible()
    box = page.locator(".menu__panel").bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    link.click()
    expect(page).to_have_url(f"{live_asgi_server}/me/settings/")

    profile = page.locator("form[data-account-form=profile]")
    profile.locator("select[name=language]").select_option("ko")
    profile.locator("button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("#language-select")).to_have_value("ko")
    assert CustomerProfile.objects.get(user=customer).language == "ko"

    password = page.locator("form[data-account-form=password]")
    password.locator("[name=current_password]").fill("correct horse battery staple")
    password.locator("[name=new_password]").fill(NEW_PASSWORD)
    password.locator("[name=new_password_again]").fill(NEW_PASSWORD)
    password.locator("button[type=submit]").click()

    # Still logged in here, live again on the new password, and still in Korean.
    expect(page).to_have_url(f"{live_asgi_server}/me/settings/")
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator("[data-realtime-status]")).to_have_attribute("data-state", "connected")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    page.reload()
    expect(page.locator("form[data-account-form=password]")).to_be_visible()

    # Another phone, which never chose a language: the new password, and Korean at once.
    other = phone_page(browser, live_asgi_server)
    log_in(other, customer.email, NEW_PASSWORD)
    expect(other.locator("html")).to_have_attribute("lang", "ko")
