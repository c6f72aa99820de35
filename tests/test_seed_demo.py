"""`manage.py seed_demo`: two providers serving the same two customers, three months of
requests and reviews behind them, safe to run again.

Seeding takes seconds, so the module seeds once (rolled back after its last test, as
setUpTestData is) and each test reads one fact of that story."""

from datetime import timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.demo import DEMO_CUSTOMERS, DEMO_ORGANIZATIONS, DEMO_PASSWORD, NEIGHBOURS
from accounts.models import CustomerProfile, Membership, Organization, User
from chat.models import Conversation
from notifications.models import Notification, PendingNotification
from ratings import selectors, services
from ratings.models import Gift, Review, ReviewResponse, ScoreSnapshot
from technicians.models import ServiceRequest
from tickets.models import Status, Ticket, TicketUpdate

pytestmark = pytest.mark.timeout(180)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Organization,
            User,
            Membership,
            CustomerProfile,
            Ticket,
            TicketUpdate,
            ServiceRequest,
            Conversation,
            Review,
            ReviewResponse,
            ScoreSnapshot,
            Gift,
        )
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """What the first run printed; the demo stays in the database for the module's tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


def test_running_seed_demo_twice_creates_nothing_the_second_time(demo, db):
    first_output = demo
    after_first = row_counts()

    second_output = seed()

    assert row_counts() == after_first
    assert "(0 rows created)" not in first_output
    assert "(0 rows created)" in second_output


def test_two_providers_with_their_staff_serve_the_same_two_customers(demo, db):

    for spec in DEMO_ORGANIZATIONS:
        organization = Organization.objects.get(slug=spec["slug"])
        members = Membership.objects.filter(
            organization=organization, is_active=True, accepted_at__isnull=False
        )
        assert organization.name == spec["name"]
        assert sorted(members.values_list("user__email", "role")) == sorted(
            (email, role) for email, _name, role in spec["staff"]
        )
        for email, _name, _phone in DEMO_CUSTOMERS:
            customer = User.objects.get(email=email)
            answered = Ticket.objects.filter(
                organization=organization, customer=customer, first_responded_at__isnull=False
            )
            assert answered.exists(), (organization.slug, email)
            assert services.has_dealt_with(customer, organization)


def test_the_readme_logins_work_and_the_neighbours_have_none(demo, db):

    logins = [email for spec in DEMO_ORGANIZATIONS for email, _name, _role in spec["staff"]]
    logins += [email for email, _name, _phone in DEMO_CUSTOMERS]
    neighbours = User.objects.filter(email__in=[email for email, _name in NEIGHBOURS])

    assert all(User.objects.get(email=email).check_password(DEMO_PASSWORD) for email in logins)
    assert neighbours.count() == len(NEIGHBOURS)
    assert not any(user.has_usable_password() for user in neighbours)


def test_each_provider_has_three_months_of_requests_answered_and_resolved_in_working_hours(
    demo, db
):
    now = timezone.now()

    for organization in Organization.objects.all():
        zone = ZoneInfo(organization.timezone)
        tickets = Ticket.objects.filter(organization=organization)
        past = tickets.filter(created_at__lt=now - timedelta(days=4))
        weeks = {(now - ticket.created_at).days // 7 for ticket in past}
        assert tickets.filter(created_at__lt=now - timedelta(days=80)).exists()
        assert len(weeks) >= 12, organization.slug
        assert past.filter(status__in=[Status.RESOLVED, Status.CLOSED]).count() >= 30
        for ticket in past.exclude(resolved_at=None):
            assert ticket.created_at < ticket.first_responded_at <= ticket.resolved_at < now
            answered = ticket.first_responded_at.astimezone(zone)
            assert 8 <= answered.hour <= 18, ticket
            assert answered.weekday() < 6, ticket
            timeline = list(ticket.updates.order_by("pk").values_list("created_at", flat=True))
            assert timeline == sorted(timeline)
            assert timeline[0] == ticket.created_at
        assert not tickets.filter(updated_at__gt=now).exists()
    # Today's tickets are in every state, and one of them is overdue.
    assert Ticket.objects.filter(status=Status.NEW).exists()
    assert Ticket.objects.filter(status=Status.OPEN).exists()
    assert Ticket.objects.overdue().count() == 1


def test_every_trend_has_a_point_a_day_and_ends_at_the_live_score(demo, db):

    for organization in Organization.objects.all():
        score = selectors.organization_score(organization)
        trend = selectors.score_history(organization)["history"]
        live = selectors.score_summary(score)["points"]
        days = [point["day"] for point in trend]
        assert len(trend) >= 80, organization.slug
        assert days == sorted(days)
        assert days[-1] == selectors.score_history(organization)["end"]
        assert all(b - a == timedelta(days=1) for a, b in zip(days, days[1:], strict=False))
        assert trend[-1]["points"] == pytest.approx(live, abs=0.01)
        assert trend[-1]["count"] == score.count
        # A line that moves: the history is not one flat value.
        assert max(p["points"] for p in trend) - min(p["points"] for p in trend) > 5


def test_the_median_time_to_answer_is_a_real_wait(demo, db):

    for organization in Organization.objects.all():
        rows = selectors.scores_dashboard(organization)
        answered = [row for row in rows if row.responded]
        assert answered, organization.slug
        for row in answered:
            assert row.median_response >= timedelta(minutes=10), (organization.slug, row)
            assert "0 minutes" not in row.median_response_text


def test_the_past_is_not_announced_to_anyone(demo, db):

    # Only today's tickets, visits and reviews tell people: a handful, not three months.
    assert Notification.objects.count() + PendingNotification.objects.count() < 40
    assert Review.objects.count() > 60


def test_the_demo_technicians_who_log_in_each_have_a_visit_ahead(demo, db):
    ahead = ServiceRequest.objects.filter(
        status="scheduled", scheduled_start__gt=timezone.now()
    ).values_list("technician__email", flat=True)

    assert {"tech1@example.com", "tech2@example.com", "tech@northside.example.com"} <= set(ahead)
