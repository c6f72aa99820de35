"""The error pages in a real browser with DEBUG off, on a laptop and on a phone: the portal's
own page in the reader's language, fitting the screen, with a way back to the start."""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, log_in, new_page

pytestmark = pytest.mark.browser

SCREENS = pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])


@pytest.fixture(autouse=True)
def _production(settings):
    """DEBUG off, and the project's URLs plus two views that fail on purpose."""
    settings.DEBUG = False
    settings.ROOT_URLCONF = "csportal.tests.error_urls"


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@SCREENS
def test_a_visitor_lost_on_a_missing_page_finds_the_way_back(
    browser, live_asgi_server, screen, organization
):
    page = new_page(browser, live_asgi_server, **screen)

    response = page.goto("/providers/nobody-here/")

    assert response.status == 404
    expect(page.locator(".notice__code")).to_have_text("404")
    expect(page.get_by_role("heading", level=1)).to_have_text("There's nothing here")
    expect(page.get_by_text("Using the URLconf")).to_have_count(0)
    assert fits_the_screen(page)
    page.get_by_role("link", name="Go to your start page").click()
    expect(page).to_have_url(f"{live_asgi_server}/login/?next=/")


@SCREENS
def test_a_signed_in_person_refused_a_page_keeps_their_frame(
    browser, live_asgi_server, screen, customer
):
    page = new_page(browser, live_asgi_server, **screen)
    log_in(page, customer.email)

    response = page.goto("/forbidden/")

    assert response.status == 403
    expect(page.locator(".notice__code")).to_have_text("403")
    expect(page.get_by_role("heading", level=1)).to_have_text("This isn't yours to open")
    expect(page.locator(".menu__name")).to_have_text("Chris Customer")
    assert fits_the_screen(page)
    page.get_by_role("link", name="Go to your start page").click()
    expect(page).not_to_have_url(f"{live_asgi_server}/forbidden/")
    expect(page.locator(".notice__code")).to_have_count(0)


@SCREENS
def test_a_crash_shows_the_500_page_in_the_readers_language(browser, live_asgi_server, screen):
    page = new_page(browser, live_asgi_server, locale="ko-KR", **screen)

    response = page.goto("/crash/")

    assert response.status == 500
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator(".notice__code")).to_have_text("500")
    expect(page.locator(".brand")).to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)
    assert fits_the_screen(page)
    with translation.override("ko"):
        back = gettext("Go to your start page")
    expect(page.get_by_role("link", name=back)).to_have_attribute("href", "/")
