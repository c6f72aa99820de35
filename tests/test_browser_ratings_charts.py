"""Trend charts in a real browser: drawn from the snapshots up to the live score, empty before
the first rating, and switched to another person's series on the managers' scores
dashboard."""

from datetime import timedelta
from unittest import mock

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from accounts.tests.factories import staff
from ratings import selectors, services
from ratings.models import ScoreSnapshot, TargetKind
from ratings.tests.factories import posted_review
from tests.browser import new_page

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _no_delivery():
    with mock.patch("notifications.services.delivery._enqueue"):
        yield


def snapshot_days(organization, *days_ago):
    end = selectors.score_history(organization)["end"]
    for n in days_ago:
        services.scores_snapshot(day=end - timedelta(days=n))


def hover_latest_day(page, chart):
    """Put the cursor at the chart's right edge, so the legend shows the newest day's values."""
    chart.locator(".u-over").scroll_into_view_if_needed()
    box = chart.locator(".u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] - 1, box["y"] + box["height"] / 2)


def legend_value(chart, series: int):
    return chart.locator(".u-legend .u-series").nth(series).locator(".u-value")


def canvas_is_drawn(page, selector) -> bool:
    return page.evaluate(
        """(selector) => {
            const canvas = document.querySelector(selector);
            const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
            return pixels.data.some((value, i) => i % 4 === 3 && value > 0);
        }""",
        selector,
    )


# The data is made in fixtures listed before `browser`: posting a review publishes through
# async_to_sync, which can't run once Playwright's event loop runs in this thread.


@pytest.fixture
def rated_with_history(organization, agent):
    posted_review(organization, stars=2, agent=agent)
    snapshot_days(organization, 3)
    posted_review(organization, stars=5)
    snapshot_days(organization, 0, 1)
    return ScoreSnapshot.objects.filter(score__kind=TargetKind.ORGANIZATION).latest("day")


@pytest.fixture
def rated_today(organization):
    posted_review(organization, stars=4)


@pytest.fixture
def team_with_history(organization, agent, technician):
    posted_review(organization, stars=5, agent=agent)
    snapshot_days(organization, 0, 1, 2)
    posted_review(organization, stars=3, technician=technician)
    posted_review(organization, stars=1, technician=technician)
    snapshot_days(organization, 0)  # the technician's first: once a day, the others are kept
    return staff(organization, Role.AGENT, full_name="Nina Newcomer")


def test_the_provider_page_draws_the_score_trend_from_its_snapshots(
    rated_with_history, browser, live_asgi_server
):
    newest = rated_with_history
    page = new_page(browser, live_asgi_server)

    page.goto("/providers/acme/")

    chart = page.locator("#score-trend")
    expect(chart).to_have_attribute("data-state", "chart")
    expect(chart.locator("canvas")).to_be_visible()
    expect(chart.get_by_text("No trend yet")).to_be_hidden()
    assert canvas_is_drawn(page, "#score-trend canvas")
    hover_latest_day(page, chart)
    expect(legend_value(chart, 1)).to_have_text(f"{newest.points:.0f}")
    expect(legend_value(chart, 2)).to_have_text(str(newest.count))


def test_a_provider_rated_for_the_first_time_today_has_a_chart_of_one_day(
    rated_today, browser, live_asgi_server
):
    page = new_page(browser, live_asgi_server)

    page.goto("/providers/acme/")

    chart = page.locator("#score-trend")
    expect(chart).to_have_attribute("data-state", "chart")
    hover_latest_day(page, chart)
    expect(legend_value(chart, 2)).to_have_text("1")


def test_the_provider_page_says_there_is_no_trend_before_the_first_rating(
    organization, browser, live_asgi_server
):
    page = new_page(browser, live_asgi_server)

    page.goto("/providers/acme/")

    chart = page.locator("#score-trend")
    expect(chart).to_have_attribute("data-state", "empty")
    expect(chart.get_by_text("No trend yet")).to_be_visible()
    expect(chart.locator("canvas")).to_have_count(0)


def test_a_manager_switches_the_dashboard_chart_to_a_technicians_trend(
    team_with_history, manager, technician, open_page
):
    newcomer = team_with_history
    page = open_page(manager)

    page.goto("/o/acme/scores/")
    chart = page.locator("#scores-trend")
    expect(chart).to_have_attribute("data-state", "chart")
    hover_latest_day(page, chart)
    # Today's point is the live score: all three ratings, the technician's two included.
    expect(legend_value(chart, 2)).to_have_text("3")

    row = page.locator(f'[data-score-row="technician-{technician.pk}"]')
    row.get_by_role("button", name="Trend").click()

    expect(row.get_by_role("button", name="Trend")).to_have_attribute("aria-pressed", "true")
    expect(chart.locator("[data-trend-title]")).to_have_text(f"Trend of {technician}")
    expect(chart).not_to_have_attribute("aria-busy", "true")
    hover_latest_day(page, chart)
    expect(legend_value(chart, 2)).to_have_text("2")

    page.locator(f'[data-score-row="agent-{newcomer.pk}"]').get_by_role("button").click()
    expect(chart).to_have_attribute("data-state", "empty")
    expect(chart.get_by_text("No trend yet")).to_be_visible()
