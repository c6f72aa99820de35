"""Overdue tickets are chased: one reminder per due point, however many sweeps run."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import staff
from notifications.models import Notification
from tickets import services
from tickets.models import Priority, Reminder, ReminderSettings, Ticket, UpdateKind


@pytest.fixture(autouse=True)
def no_delivery():
    with mock.patch("notifications.services.delivery._enqueue"):
        yield


@pytest.fixture
def overdue_ticket(organization, customer, agent):
    ReminderSettings.objects.create(
        organization=organization, interval_minutes=60, escalate_after=2
    )
    ticket = services.ticket_open(
        organization=organization,
        customer=customer,
        subject="No hot water",
        body="Since Monday.",
        priority=Priority.HIGH,
    )
    services.ticket_assign(ticket=ticket, assignee=agent, by=agent)
    return Ticket.objects.get(pk=ticket.pk)


def reminders_to(user):
    return Notification.objects.filter(recipient=user, kind="ticket.reminder", channel="in_app")


def test_nothing_is_sent_before_a_due_time(overdue_ticket, agent):
    assert (
        services.tickets_send_reminders(
            now=overdue_ticket.first_response_due - timedelta(minutes=1)
        )
        == 0
    )
    assert not reminders_to(agent).exists()


def test_a_missed_first_response_reminds_the_assignee_once_per_interval(overdue_ticket, agent):
    due = overdue_ticket.first_response_due

    sent = [
        services.tickets_send_reminders(now=due + timedelta(minutes=1)),
        services.tickets_send_reminders(now=due + timedelta(minutes=30)),  # same interval
        services.tickets_send_reminders(now=due + timedelta(minutes=61)),  # next one
    ]

    assert sent == [1, 0, 1]
    assert reminders_to(agent).count() == 2
    timeline = overdue_ticket.updates.filter(kind=UpdateKind.REMINDER)
    assert [u.is_public for u in timeline] == [False, False]


def test_beat_running_twice_sends_each_reminder_once(overdue_ticket, agent):
    moment = overdue_ticket.first_response_due + timedelta(minutes=5)

    services.tickets_send_reminders(now=moment)
    services.tickets_send_reminders(now=moment)

    assert Reminder.objects.count() == 1
    assert reminders_to(agent).count() == 1


def test_escalation_to_managers_comes_after_n_reminders_and_only_once(
    overdue_ticket, agent, manager
):
    due = overdue_ticket.first_response_due
    for hours in range(5):
        services.tickets_send_reminders(now=due + timedelta(hours=hours, minutes=1))

    overdue_ticket.refresh_from_db()
    assert overdue_ticket.escalated_at is not None
    escalations = Notification.objects.filter(
        recipient=manager, kind="ticket.escalated", channel="in_app"
    )
    assert escalations.count() == 1
    assert overdue_ticket.updates.filter(kind=UpdateKind.ESCALATION).count() == 1
    # Reminders 1 and 2 came before the escalation; the third due point escalated.
    first_escalation_reminder = Reminder.objects.filter(due_point="first_response").order_by(
        "sequence"
    )[2]
    assert first_escalation_reminder.sequence == 3


def test_an_answered_ticket_is_no_longer_chased_for_a_first_response(overdue_ticket, agent):
    services.ticket_add_progress(ticket=overdue_ticket, author=agent, body="Looking into it.")

    sent = services.tickets_send_reminders(
        now=overdue_ticket.first_response_due + timedelta(minutes=5)
    )

    assert sent == 0


def test_an_unassigned_overdue_ticket_reminds_the_managers(organization, customer, manager):
    ticket = services.ticket_open(
        organization=organization, customer=customer, subject="x", body="y"
    )

    services.tickets_send_reminders(now=ticket.first_response_due + timedelta(minutes=1))

    assert reminders_to(manager).count() == 1


def test_a_reopened_ticket_is_chased_afresh(overdue_ticket, customer, agent):
    services.ticket_resolve(ticket=overdue_ticket, result="Done", by=agent)
    services.tickets_send_reminders(now=overdue_ticket.resolution_due + timedelta(minutes=1))
    services.ticket_follow_up(ticket=overdue_ticket, customer=customer, body="Not done")
    reopened = Ticket.objects.get(pk=overdue_ticket.pk)

    sent = services.tickets_send_reminders(now=reopened.resolution_due + timedelta(minutes=1))

    assert sent == 1
    assert Reminder.objects.get(due_point="resolution").cycle == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_send_exactly_one_reminder(organization, customer):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL (CI runs it)")
    agent = staff(organization, Role.AGENT)
    ticket = services.ticket_open(
        organization=organization, customer=customer, subject="x", body="y"
    )
    services.ticket_assign(ticket=ticket, assignee=agent, by=agent)
    moment = Ticket.objects.get(pk=ticket.pk).first_response_due + timedelta(minutes=1)
    barrier = threading.Barrier(4)
    results = []

    def sweep():
        barrier.wait()
        results.append(services.tickets_send_reminders(now=moment))
        connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [0, 0, 0, 1]
    assert reminders_to(agent).count() == 1
    assert Reminder.objects.count() == 1


def test_a_ticket_not_yet_due_is_left_alone_by_the_sweep(organization, customer):
    ticket = services.ticket_open(
        organization=organization, customer=customer, subject="x", body="y"
    )

    assert services.tickets_send_reminders(now=timezone.now()) == 0
    assert not ticket.reminders.exists()
