"""Score history: the JSON the trend charts draw, who may read whose, and the provider page."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import CustomerFactory
from ratings import selectors, services
from ratings.models import ScoreSnapshot, TargetKind

from .factories import posted_review

TODAY = date(2025, 3, 31)


@pytest.fixture
def today():
    """The day the API counts back from, frozen so windows are exact."""
    with mock.patch.object(timezone, "localdate", return_value=TODAY):
        yield TODAY


def history_url(slug="acme", **params) -> str:
    url = reverse("api:organization-score-history", args=[slug])
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{url}?{query}" if query else url


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def snapshots(*days_ago: int) -> None:
    for n in days_ago:
        services.scores_snapshot(day=TODAY - timedelta(days=n))


def test_the_organization_history_is_public_daily_and_oldest_first(organization, agent, today):
    posted_review(organization, stars=5, agent=agent)
    snapshots(0, 2)
    posted_review(organization, stars=1)
    snapshots(1)  # taken after the second review: its count is 2

    response = client_for().get(history_url())

    body = response.json()
    assert response.status_code == 200
    assert body == {
        "kind": "organization",
        "person": None,
        "days": 90,
        "start": "2025-01-01",
        "end": "2025-03-31",
        "history": [
            {"day": "2025-03-29", "points": body["history"][0]["points"], "count": 1},
            {"day": "2025-03-30", "points": body["history"][1]["points"], "count": 2},
            {"day": "2025-03-31", "points": body["history"][2]["points"], "count": 2},
        ],
    }
    stored = ScoreSnapshot.objects.filter(score__kind=TargetKind.ORGANIZATION).order_by("day")
    assert [row["points"] for row in body["history"][:2]] == [s.points for s in stored][:2]


def test_todays_point_is_the_live_score_not_the_snapshot_taken_earlier_today(
    organization, agent, today
):
    posted_review(organization, stars=5, agent=agent)
    snapshots(0)  # the day's snapshot, taken before the next review
    posted_review(organization, stars=1)
    live = selectors.score_summary(selectors.organization_score(organization))["points"]
    snapshot = ScoreSnapshot.objects.get(score__kind=TargetKind.ORGANIZATION)

    history = client_for().get(history_url()).json()["history"]

    assert snapshot.points != pytest.approx(live)
    assert history == [{"day": "2025-03-31", "points": pytest.approx(live), "count": 2}]


def test_a_score_without_snapshots_still_ends_at_its_live_point(
    organization, manager, agent, today
):
    posted_review(organization, stars=4, agent=agent)
    person_live = services.score_points(selectors.person_score(agent.memberships.get()))

    body = client_for(manager).get(history_url(person=agent.pk)).json()

    assert body["history"] == [
        {"day": "2025-03-31", "points": pytest.approx(person_live), "count": 1}
    ]


def test_a_window_ending_before_today_has_no_live_point(organization, today):
    posted_review(organization, stars=4)
    snapshots(1)

    history = selectors.score_history(organization, today=TODAY - timedelta(days=1))

    assert [(row["day"], row["count"]) for row in history["history"]] == [
        (TODAY - timedelta(days=1), 1)
    ]


def test_the_history_keeps_to_its_window_and_its_organization(
    organization, other_organization, today
):
    posted_review(organization, stars=4)
    posted_review(other_organization, stars=2)
    snapshots(0, 6, 7, 30)

    body = client_for().get(history_url(days=7)).json()

    assert (body["days"], body["start"], body["end"]) == (7, "2025-03-25", "2025-03-31")
    assert [row["day"] for row in body["history"]] == ["2025-03-25", "2025-03-31"]


def test_a_provider_without_snapshots_has_an_empty_history_and_a_missing_one_is_404(
    organization, today
):
    empty = client_for().get(history_url())
    missing = client_for().get(history_url("nope"))

    assert empty.status_code == 200
    assert empty.json()["history"] == []
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"days": "ninety"}, "days"),
        ({"days": "0"}, "days"),
        ({"days": "-5"}, "days"),
        ({"days": "367"}, "days"),
        ({"person": "someone"}, "person"),
        ({"kind": "agent"}, "kind"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(organization, manager, query, field):
    response = client_for(manager).get(history_url(**query))

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert body["detail"].startswith(f"{field}: ")
    assert list(body["fields"]) == [field]


def test_a_manager_reads_an_agents_history_and_not_the_organizations(
    organization, manager, agent, today
):
    posted_review(organization, stars=5, agent=agent)
    posted_review(organization, stars=1)
    snapshots(0)

    response = client_for(manager).get(history_url(person=agent.pk))

    body = response.json()
    assert response.status_code == 200
    assert (body["kind"], body["person"]) == ("agent", agent.pk)
    assert [row["count"] for row in body["history"]] == [1]


def test_a_technicians_history_is_their_technician_score_by_default(
    organization, manager, technician, today
):
    posted_review(organization, stars=3, technician=technician)
    snapshots(0)

    body = client_for(manager).get(history_url(person=technician.pk)).json()
    asked = client_for(manager).get(history_url(person=technician.pk, kind="agent")).json()

    assert (body["kind"], [row["count"] for row in body["history"]]) == ("technician", [1])
    assert (asked["kind"], asked["history"]) == ("agent", [])


@pytest.mark.parametrize(
    "who", ["agent", "receptionist", "technician", "customer", "other_manager"]
)
def test_only_the_organizations_managers_read_a_persons_history(
    request, organization, agent, who, today
):
    posted_review(organization, stars=5, agent=agent)
    snapshots(0)
    user = request.getfixturevalue(who)

    response = client_for(user).get(history_url(person=agent.pk))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_persons_history_asks_an_anonymous_visitor_to_log_in(organization, agent):
    response = client_for().get(history_url(person=agent.pk))

    assert response.status_code == 401


def test_a_manager_cannot_read_someone_outside_their_organization(
    organization, other_organization, manager, other_agent, today
):
    posted_review(other_organization, stars=5, agent=other_agent)
    snapshots(0)
    stranger = CustomerFactory()

    other = client_for(manager).get(history_url(person=other_agent.pk))
    unknown = client_for(manager).get(history_url(person=stranger.pk))

    assert (other.status_code, unknown.status_code) == (404, 404)


def test_the_history_query_count_does_not_grow_with_its_days(
    organization, manager, agent, today, django_assert_max_num_queries
):
    posted_review(organization, stars=5, agent=agent)
    snapshots(0)
    client = client_for(manager)
    with django_assert_max_num_queries(10) as captured:
        client.get(history_url(person=agent.pk))
    few = len(captured)
    snapshots(*range(1, 60))

    with django_assert_max_num_queries(few):
        response = client.get(history_url(person=agent.pk))
    assert len(response.json()["history"]) == 60


# The provider page -------------------------------------------------------------------------


def provider_url(slug="acme") -> str:
    return reverse("ratings:provider", args=[slug])


def test_the_provider_page_embeds_its_history_for_the_chart(client, organization):
    posted_review(organization, stars=4)
    services.scores_snapshot(day=selectors.score_history(organization)["end"])

    response = client.get(provider_url())

    trend = response.context["trend"]
    assert [row["count"] for row in trend["history"]] == [1]
    assert trend == selectors.score_history(organization)
    html = response.content.decode()
    assert 'data-trend-history="{&quot;kind&quot;: &quot;organization&quot;' in html
    assert 'data-state="chart"' in html
    assert "vendor/uplot/uPlot.min.css" in html
    assert "ratings/trend.js" in html


def test_the_provider_page_says_when_there_is_no_trend_yet(client, organization):
    response = client.get(provider_url())

    html = response.content.decode()
    assert response.context["trend"]["history"] == []
    assert 'data-state="empty"' in html
    assert '<div class="empty-state" data-trend-when="empty">' in html
    assert '<div class="trend__chart" data-trend-when="chart" hidden>' in html
    assert "No trend yet" in html


def test_no_page_loads_a_script_or_style_from_another_site(client, organization, manager):
    client.force_login(manager)
    pages = [provider_url(), reverse("ratings:scores", args=["acme"])]

    for url in pages:
        html = client.get(url).content.decode()
        assert "https://" not in html
        assert "//cdn" not in html


def test_a_receptionist_has_no_history_to_read(organization, manager, receptionist, today):
    response = client_for(manager).get(history_url(person=receptionist.pk))

    assert response.status_code == 404
