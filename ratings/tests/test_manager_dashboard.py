"""The managers' scores dashboard: the numbers on known data, who may see it, query counts."""

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import staff
from ratings import selectors, services
from ratings.models import ReviewResponse, TargetKind

from .factories import posted_review


def scores_url(slug="acme") -> str:
    return reverse("ratings:scores", args=[slug])


def review(organization, answered_after: timedelta | None, *, by=None, **targets):
    """A posted review, answered by `by` after `answered_after` (None: left unanswered)."""
    posted = posted_review(organization, stars=4, **targets)
    if answered_after is not None:
        response = services.review_respond(review=posted, author=by, body="Thank you.")
        ReviewResponse.objects.filter(pk=response.pk).update(
            created_at=posted.created_at + answered_after
        )
    return posted


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@pytest.fixture
def known_reviews(organization, other_organization, manager, other_manager, agent, technician):
    """Agent: answered after 1, 3 and 10 hours, one unanswered. Technician: after 2 and 6
    hours, one unanswered. The organization alone: after half an hour. Another provider's
    reviews, answered at once, must change none of it."""
    for wait in (hours(1), hours(10), None, hours(3)):
        review(organization, wait, by=manager, agent=agent)
    for wait in (hours(6), None, hours(2)):
        review(organization, wait, by=manager, technician=technician)
    review(organization, hours(0.5), by=manager)
    other_agent = staff(other_organization, Role.AGENT)
    for _ in range(3):
        review(other_organization, timedelta(0), by=other_manager, agent=other_agent)


def rows_by_target(rows):
    return {(row.kind, row.person.pk if row.person else None): row for row in rows}


def test_median_response_times_and_response_rates_on_known_reviews(
    organization, agent, technician, known_reviews
):
    rows = rows_by_target(selectors.scores_dashboard(organization))

    org = rows[(TargetKind.ORGANIZATION, None)]
    by_agent = rows[(TargetKind.AGENT, agent.pk)]
    by_technician = rows[(TargetKind.TECHNICIAN, technician.pk)]
    # Waits 0.5, 1, 2, 3, 6, 10 hours: the middle two average to 2.5.
    assert (org.count, org.responded, org.median_response) == (8, 6, hours(2.5))
    assert org.response_rate == 0.75
    assert (by_agent.count, by_agent.responded, by_agent.median_response) == (4, 3, hours(3))
    assert by_agent.response_rate == 0.75
    assert (by_technician.count, by_technician.median_response) == (3, hours(4))
    assert by_technician.response_rate == pytest.approx(2 / 3)


def test_the_points_are_the_scores_own(organization, agent, technician, known_reviews):
    rows = rows_by_target(selectors.scores_dashboard(organization))

    for score in organization.scores.all():
        row = rows[(score.kind, score.person_id)]
        assert row.points == pytest.approx(services.score_points(score))


def test_every_agent_and_technician_has_a_row_even_before_a_review(
    organization, manager, agent, technician, receptionist
):
    rows = selectors.scores_dashboard(organization)

    assert [(row.kind, row.person) for row in rows] == [
        (TargetKind.ORGANIZATION, None),
        (TargetKind.AGENT, agent),
        (TargetKind.TECHNICIAN, technician),
    ]
    assert all(
        (row.points, row.count, row.response_rate, row.median_response) == (None, 0, None, None)
        for row in rows
    )


def test_rows_run_organization_then_agents_then_technicians_best_first(
    organization, manager, agent, technician
):
    weaker = staff(organization, Role.AGENT, full_name="Wendy Weaker")
    posted_review(organization, stars=2, agent=weaker)
    posted_review(organization, stars=5, agent=agent)
    posted_review(organization, stars=5, agent=manager)  # a manager who answered a ticket

    rows = selectors.scores_dashboard(organization)

    assert [row.kind for row in rows] == ["organization", "agent", "agent", "agent", "technician"]
    agents = [row for row in rows if row.kind == TargetKind.AGENT]
    assert {agents[0].person, agents[1].person} == {agent, manager}
    assert agents[2].person == weaker


def test_a_manager_sees_the_dashboard_with_a_trend_button_per_row(
    client, organization, manager, agent, technician, known_reviews
):
    client.force_login(manager)

    response = client.get(scores_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert len(response.context["rows"]) == 3
    history = reverse("api:organization-score-history", args=["acme"])
    assert f'data-trend-url="{history}"' in html
    assert f'data-trend-url="{history}?person={agent.pk}&amp;kind=agent"' in html
    assert f'data-trend-url="{history}?person={technician.pk}&amp;kind=technician"' in html
    assert 'aria-controls="scores-trend"' in html
    assert "75%" in html


@pytest.mark.parametrize(
    "who", ["agent", "receptionist", "technician", "customer", "other_manager"]
)
def test_only_the_organizations_managers_see_the_dashboard(client, organization, request, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(scores_url())

    assert response.status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, organization):
    response = client.get(scores_url())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_manager_console_and_the_reviews_dashboard_link_to_it(client, organization, manager):
    client.force_login(manager)

    console = client.get(reverse("accounts:manager-console", args=["acme"]))
    reviews = client.get(reverse("ratings:dashboard", args=["acme"]))

    assert f'href="{scores_url()}"' in console.content.decode()
    assert f'href="{scores_url()}"' in reviews.content.decode()


def test_an_agent_is_not_shown_the_link(client, organization, agent):
    client.force_login(agent)

    reviews = client.get(reverse("ratings:dashboard", args=["acme"]))

    assert f'href="{scores_url()}"' not in reviews.content.decode()


def test_the_query_count_does_not_grow_with_the_people_or_their_reviews(
    client, organization, manager, agent, technician, django_assert_max_num_queries
):
    def add_people(count):
        for _ in range(count):
            new_agent = staff(organization, Role.AGENT)
            new_technician = staff(organization, Role.TECHNICIAN)
            review(organization, hours(2), by=manager, agent=new_agent)
            review(organization, hours(5), by=manager, technician=new_technician)
            review(organization, None, agent=new_agent, technician=new_technician)

    client.force_login(manager)
    add_people(1)
    with django_assert_max_num_queries(30) as captured:
        assert client.get(scores_url()).status_code == 200
    few = len(captured)
    add_people(8)

    with django_assert_max_num_queries(few):
        response = client.get(scores_url())
    assert len(response.context["rows"]) == 1 + 2 * 9 + 2
