"""The API's documentation renders in a browser from our own files, under our policy."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_api_docs_render_without_reaching_any_other_origin(browser, live_asgi_server):
    page = browser.new_context(base_url=live_asgi_server).new_page()
    elsewhere = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(live_asgi_server) else elsewhere.append(request.url)
        ),
    )

    page.goto("/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("csportal API")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/me/").first).to_be_visible()
    assert elsewhere == []
