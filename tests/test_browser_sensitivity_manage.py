"""The managers' sensitivity pages in a real browser: the codes per month drawn as a chart
beside its table, and a code retired and put back from the table."""

import pytest
from playwright.sync_api import expect

from sensitivity.models import SensitivityCode, Stage
from sensitivity.tests.factories import assessed
from tests.browser import open_page_at

pytestmark = pytest.mark.browser


def canvas_is_drawn(page, selector) -> bool:
    return page.evaluate(
        """(selector) => {
            const canvas = document.querySelector(selector);
            const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
            return pixels.data.some((value, i) => i % 4 === 3 && value > 0);
        }""",
        selector,
    )


# The data is made in fixtures listed before `browser` (see test_browser_ratings_charts.py).


@pytest.fixture
def coded(organization, customer, other_customer):
    assessed(organization, customer, "N7", "E1", minutes_ago=60 * 24 * 40)
    assessed(organization, other_customer, "P2", stage=Stage.VISIT)


def test_the_statistics_draw_the_codes_per_month_beside_their_table(
    coded, manager, browser, live_asgi_server
):
    page = open_page_at(browser, live_asgi_server, manager, "/o/acme/sensitivity/stats/")

    chart = page.locator("[data-distribution]")
    expect(chart.locator("canvas")).to_be_visible()
    assert canvas_is_drawn(page, "[data-distribution] canvas")
    expect(chart.locator(".u-legend .u-series")).to_have_count(4)  # the month, 3 categories
    table = page.locator(".distribution-table tbody tr")
    expect(table).to_have_count(12)
    expect(table.last.locator("td").last).to_have_text("1")


def test_a_manager_retires_a_code_and_puts_it_back(coded, manager, browser, live_asgi_server):
    page = open_page_at(browser, live_asgi_server, manager, "/o/acme/sensitivity/codes/")
    row = page.locator("tr", has=page.locator("code", has_text="N7")).first

    row.get_by_role("button", name="Retire N7").click()

    expect(page.get_by_text("N7 is retired.")).to_be_visible()
    expect(row.get_by_text("Retired")).to_be_visible()
    assert not SensitivityCode.objects.get(organization__slug="acme", code="N7").is_active
    row.get_by_role("button", name="Reinstate N7").click()
    expect(page.get_by_text("N7 is in use again.")).to_be_visible()
    expect(row.get_by_text("In use")).to_be_visible()
