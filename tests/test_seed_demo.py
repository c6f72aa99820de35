"""`manage.py seed_demo`: one demo organization with every role and tickets, safe to run again."""

from io import StringIO

from django.core.management import call_command

from accounts.demo import DEMO_PASSWORD
from accounts.models import CustomerProfile, Membership, Organization, User
from chat.models import Conversation, ConversationStatus
from ratings.models import Gift, Review, ReviewResponse, Score, ScoreSnapshot
from technicians.models import ServiceRequest, VisitStatus
from tickets.models import Status, Ticket, TicketUpdate


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "profiles": CustomerProfile.objects.count(),
        "tickets": Ticket.objects.count(),
        "updates": TicketUpdate.objects.count(),
        "visits": ServiceRequest.objects.count(),
        "conversations": Conversation.objects.count(),
        "reviews": Review.objects.count(),
        "gifts": Gift.objects.count(),
    }


def test_seed_demo_fills_one_organization_with_every_role_and_two_customers(db):
    seed()

    organization = Organization.objects.get()
    assert (organization.slug, organization.name) == ("acme", "Acme Home Services")
    roles = sorted(
        Membership.objects.filter(
            organization=organization, is_active=True, accepted_at__isnull=False
        ).values_list("role", flat=True)
    )
    assert roles == [
        "agent",
        "agent",
        "manager",
        "receptionist",
        "technician",
        "technician",
        "technician",
    ]
    customers = User.objects.filter(memberships__isnull=True, customer_profile__isnull=False)
    assert sorted(customers.values_list("email", flat=True)) == [
        "customer1@example.com",
        "customer2@example.com",
    ]


def test_every_demo_person_logs_in_with_the_demo_password(db):
    seed()

    assert User.objects.count() == 9
    assert all(user.check_password(DEMO_PASSWORD) for user in User.objects.all())


def test_running_seed_demo_twice_creates_nothing_the_second_time(db):
    first_output = seed()
    after_first = row_counts()

    second_output = seed()

    assert row_counts() == after_first
    assert "(31 rows created)" in first_output
    assert "(0 rows created)" in second_output


def test_the_demo_has_tickets_in_every_state_and_one_overdue(db):
    seed()

    statuses = sorted(Ticket.objects.values_list("status", flat=True))
    assert statuses == [Status.NEW, Status.NEW, Status.OPEN, Status.RESOLVED]
    assert Ticket.objects.overdue().count() == 1
    assert TicketUpdate.objects.filter(is_public=False, kind="internal").count() == 1


def test_the_demo_has_visits_and_chats_and_reviews_of_each_with_an_answer(db):
    seed()

    assert sorted(ServiceRequest.objects.values_list("status", flat=True)) == [
        VisitStatus.COMPLETED,
        VisitStatus.REQUESTED,
        VisitStatus.SCHEDULED,
    ]
    assert sorted(Conversation.objects.values_list("status", flat=True)) == [
        ConversationStatus.CLOSED,
        ConversationStatus.WAITING,
    ]
    reviews = Review.objects.order_by("pk")
    assert [
        (r.ticket_id is not None, r.visit_id is not None, r.conversation_id is not None)
        for r in reviews
    ] == [(True, False, False), (False, True, False), (False, False, True)]
    assert ReviewResponse.objects.count() == 1
    assert Gift.objects.get().recipient.email == "tech1@example.com"
    organization_score = Score.objects.get(kind="organization")
    assert organization_score.count == 3
    assert ScoreSnapshot.objects.filter(score=organization_score).count() == 1
