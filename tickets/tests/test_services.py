"""A ticket's life through its services: routing, the timeline, what the customer is told."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError

from accounts.models import AgentSkill, ExclusiveAgent, Membership, Role
from accounts.selectors import realtime_groups_for
from accounts.tests.factories import CustomerProfileFactory, offline, online, staff
from csportal.models import Event
from csportal.realtime import org_audience_group
from notifications.models import Notification, PendingNotification
from tickets import services
from tickets.models import (
    AgentLoad,
    Attachment,
    Category,
    Priority,
    SlaPolicy,
    Status,
    Ticket,
    TicketUpdate,
    UpdateKind,
)
from tickets.tests.factories import PNG


@pytest.fixture(autouse=True)
def no_delivery():
    # Outside channels are delivered by workers; these tests look at the rows only.
    with mock.patch("notifications.services.delivery._enqueue"):
        yield


def open_ticket(organization, customer, **kwargs):
    kwargs.setdefault("subject", "Boiler makes a noise")
    kwargs.setdefault("body", "It bangs every morning.")
    return services.ticket_open(organization=organization, customer=customer, **kwargs)


def test_a_ticket_with_nobody_online_waits_in_the_queue(organization, customer, agent):
    ticket = open_ticket(organization, customer)

    assert ticket.assignee is None
    assert ticket.status == Status.NEW
    assert list(ticket.updates.values_list("kind", flat=True)) == [UpdateKind.CREATED]


def test_a_ticket_goes_to_the_online_agent_with_the_fewest_open_tickets(
    organization, customer, other_customer
):
    busy = online(staff(organization, Role.AGENT))
    free = online(staff(organization, Role.AGENT))
    open_ticket(organization, other_customer)  # routed to `busy` (lower id on a tie)
    assert Ticket.objects.get().assignee == busy

    ticket = open_ticket(organization, customer)

    assert ticket.assignee == free


def test_routing_needs_the_categorys_skill(organization, customer):
    plumber = online(staff(organization, Role.AGENT))
    electrician = online(staff(organization, Role.AGENT))
    AgentSkill.objects.create(
        membership=Membership.objects.get(user=electrician), skill="electrics"
    )
    category = Category.objects.create(organization=organization, name="Wiring", skill="electrics")

    ticket = open_ticket(organization, customer, category=category)

    assert ticket.assignee == electrician
    assert plumber.assigned_tickets.count() == 0


def test_the_customers_dedicated_agent_gets_it_when_online(organization, customer):
    online(staff(organization, Role.AGENT))
    dedicated = online(staff(organization, Role.AGENT))
    ExclusiveAgent.objects.create(customer=customer, organization=organization, agent=dedicated)

    assert open_ticket(organization, customer).assignee == dedicated


def test_an_offline_dedicated_agent_is_passed_over(organization, customer):
    other = online(staff(organization, Role.AGENT))
    dedicated = staff(organization, Role.AGENT)
    ExclusiveAgent.objects.create(customer=customer, organization=organization, agent=dedicated)

    assert open_ticket(organization, customer).assignee == other


def test_an_agent_who_is_away_gets_no_new_tickets(organization, customer):
    away = staff(organization, Role.AGENT)
    online(away, away=True)

    assert open_ticket(organization, customer).assignee is None


def test_opening_sets_due_times_from_the_priority(organization, customer):
    ticket = open_ticket(organization, customer, priority=Priority.URGENT)

    assert (ticket.first_response_due - ticket.created_at).total_seconds() == 15 * 60
    assert (ticket.resolution_due - ticket.created_at).total_seconds() == 4 * 60 * 60


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"subject": "  "}, "subject"), ({"body": ""}, "body"), ({"priority": "asap"}, "priority")],
)
def test_opening_with_bad_input_names_the_field_and_stores_nothing(
    organization, customer, changes, field
):
    with pytest.raises(ValidationError) as caught:
        open_ticket(organization, customer, **changes)

    assert field in caught.value.message_dict
    assert not Ticket.objects.exists()


def test_an_opened_ticket_its_timeline_files_events_and_assignees_message_are_written_together(
    organization, customer, agent
):
    online(agent)
    photo = SimpleUploadedFile("leak.png", PNG, content_type="image/png")

    ticket = open_ticket(organization, customer, files=[photo])

    created, assigned = ticket.updates.order_by("id")
    attachment = created.attachments.get()
    assert (created.kind, assigned.kind, assigned.data) == (
        UpdateKind.CREATED,
        UpdateKind.ASSIGNMENT,
        {"assignee": agent.pk, "name": "Alex Agent"},
    )
    assert attachment.file.read() == PNG
    staff_event, customer_event = Event.objects.filter(type="ticket.updated").order_by("group")
    assert staff_event.group == org_audience_group(organization.pk, "tickets")
    assert customer_event.group == f"user.{customer.pk}"
    for event in (staff_event, customer_event):
        assert event.data["ticket"]["id"] == ticket.pk
        assert event.data["update"]["id"] == assigned.pk
    message = PendingNotification.objects.get()
    assert (message.recipient, message.kind, message.dedupe_key) == (
        agent,
        "ticket.assigned",
        f"ticket-assigned:{assigned.pk}",
    )
    assert message.title == f"Ticket #{ticket.pk} is yours: {ticket.subject}"


def test_an_opened_ticket_reads_back_as_it_was_returned(organization, customer, agent):
    online(agent)

    ticket = open_ticket(organization, customer, priority=Priority.HIGH)

    stored = Ticket.objects.get(pk=ticket.pk)
    for field in Ticket._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(ticket, field.attname), field.name
    assert stored.updated_at == stored.created_at
    assert [u.created_at for u in stored.updates.all()] == [stored.created_at] * 2
    assert AgentLoad.objects.get(organization=organization, agent=agent).open_tickets == 1


def test_a_ticket_whose_events_cannot_be_written_leaves_nothing_behind(
    organization, customer, agent, django_capture_on_commit_callbacks
):
    online(agent)
    photo = SimpleUploadedFile("leak.png", PNG, content_type="image/png")

    with (
        mock.patch(
            "tickets.services.events.publish_each", side_effect=DatabaseError("events gone")
        ),
        django_capture_on_commit_callbacks() as after_commit,
        pytest.raises(DatabaseError),
    ):
        open_ticket(organization, customer, files=[photo])

    assert not Ticket.objects.exists()
    assert not TicketUpdate.objects.exists()
    assert not Attachment.objects.exists()
    assert not PendingNotification.objects.exists()
    assert not AgentLoad.objects.filter(open_tickets__gt=0).exists()
    assert after_commit == []


def test_opening_a_routed_ticket_with_a_file_takes_one_insert_per_table(
    organization, customer, agent, django_assert_num_queries
):
    online(agent)
    CustomerProfileFactory(user=agent)  # as every account the services make has
    photo = SimpleUploadedFile("leak.png", PNG, content_type="image/png")

    # Routing (with the agent's language), the SLA policy, then in one transaction (a
    # savepoint inside the test's): the ticket, its two timeline entries, the file, the two
    # events and the assignee's message.
    with django_assert_num_queries(9):
        open_ticket(organization, customer, files=[photo])


def test_a_category_of_another_organization_is_refused(organization, other_organization, customer):
    foreign = Category.objects.create(organization=other_organization, name="Theirs")

    with pytest.raises(ValidationError) as caught:
        open_ticket(organization, customer, category=foreign)

    assert "category" in caught.value.message_dict


def test_a_progress_note_is_the_first_response_and_reaches_the_customer(
    organization, customer, agent, after_commit
):
    ticket = open_ticket(organization, customer)

    with after_commit():
        update = services.ticket_add_progress(ticket=ticket, author=agent, body="On my way.")

    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.first_responded_at == update.created_at
    customer_events = Event.objects.filter(group=f"user.{customer.pk}", type="ticket.updated")
    assert customer_events.latest("id").data["update"]["body"] == "On my way."
    told = Notification.objects.filter(recipient=customer, kind="ticket.updated")
    assert {n.channel for n in told} == {"in_app", "email", "push"}
    assert all(n.link == f"/tickets/{ticket.pk}/" for n in told)


def test_an_internal_note_never_reaches_the_customer(organization, customer, agent, after_commit):
    ticket = open_ticket(organization, customer)
    before = Event.objects.filter(group=f"user.{customer.pk}").count()

    with after_commit():
        services.ticket_add_internal_note(ticket=ticket, author=agent, body="Customer is rude")

    assert Event.objects.filter(group=f"user.{customer.pk}").count() == before
    assert not Notification.objects.filter(recipient=customer, body__contains="rude").exists()
    staff_group = org_audience_group(organization.pk, services.TICKET_AUDIENCE)
    staff_event = Event.objects.filter(group=staff_group).latest("id")
    assert staff_event.data["update"]["body"] == "Customer is rude"
    assert staff_event.data["update"]["is_public"] is False


def test_a_technicians_socket_never_receives_internal_notes(
    organization, customer, agent, technician
):
    ticket = open_ticket(organization, customer)

    services.ticket_add_internal_note(ticket=ticket, author=agent, body="Check the warranty")

    note_groups = set(
        Event.objects.filter(type="ticket.updated", data__update__kind="internal").values_list(
            "group", flat=True
        )
    )
    assert note_groups
    assert note_groups.isdisjoint(realtime_groups_for(technician))
    assert note_groups & set(realtime_groups_for(agent))


def test_every_role_that_reads_tickets_shares_one_group_for_their_events(
    organization, customer, manager, agent, receptionist, technician
):
    tickets_group = org_audience_group(organization.pk, services.TICKET_AUDIENCE)

    readers = [
        person
        for person in (manager, agent, receptionist, technician, customer)
        if tickets_group in realtime_groups_for(person)
    ]

    assert readers == [manager, agent, receptionist]


def test_only_the_organizations_agents_write_on_its_tickets(
    organization, customer, other_agent, technician
):
    ticket = open_ticket(organization, customer)

    for outsider in (other_agent, technician, customer):
        with pytest.raises(ValidationError):
            services.ticket_add_progress(ticket=ticket, author=outsider, body="hi")

    assert ticket.updates.count() == 1


def test_statuses_follow_the_transition_map(organization, customer, agent):
    ticket = open_ticket(organization, customer)

    with pytest.raises(ValidationError) as resolve_directly:
        services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=agent)
    services.ticket_change_status(ticket=ticket, status=Status.CLOSED, by=agent)
    with pytest.raises(ValidationError) as closed_to_pending:
        services.ticket_change_status(ticket=ticket, status=Status.PENDING, by=agent)

    assert "status" in resolve_directly.value.message_dict
    assert "status" in closed_to_pending.value.message_dict
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.closed_at is not None


def test_the_whole_life_of_a_ticket(organization, customer, after_commit):
    agent = online(staff(organization, Role.AGENT))
    ticket = open_ticket(organization, customer)
    assert ticket.assignee == agent

    services.ticket_add_progress(ticket=ticket, author=agent, body="Parts ordered.")
    services.ticket_resolve(ticket=ticket, result="Replaced the pump.", by=agent)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.result) == (Status.RESOLVED, "Replaced the pump.")

    # The agent goes offline; the follow-up still goes back to them.
    offline(agent)
    online(staff(organization, Role.AGENT))
    with after_commit():
        services.ticket_follow_up(ticket=ticket, customer=customer, body="Still banging.")

    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.assignee == agent
    assert ticket.reopen_count == 1
    assert ticket.resolved_at is None
    assert list(ticket.updates.order_by("id").values_list("kind", flat=True)) == [
        UpdateKind.CREATED,
        UpdateKind.ASSIGNMENT,
        UpdateKind.PROGRESS,
        UpdateKind.RESULT,
        UpdateKind.FOLLOW_UP,
    ]
    assert Notification.objects.filter(
        recipient=agent, kind="ticket.follow_up", channel="in_app", title__contains="reopened"
    ).exists()


def test_only_the_ticket_owner_follows_up(organization, customer, other_customer):
    ticket = open_ticket(organization, customer)

    with pytest.raises(ValidationError):
        services.ticket_follow_up(ticket=ticket, customer=other_customer, body="me too")

    assert ticket.updates.count() == 1


def test_asking_for_news_pushes_the_status_and_latest_note(
    organization, customer, agent, after_commit
):
    ticket = open_ticket(organization, customer)
    services.ticket_add_progress(ticket=ticket, author=agent, body="Technician booked for Friday.")

    with after_commit():
        services.ticket_request_status(ticket=ticket, customer=customer)

    told = Notification.objects.filter(recipient=customer, channel="in_app").latest("id")
    assert told.title == f"#{ticket.pk}: Open"
    assert told.body == "Status: Open.\nTechnician booked for Friday."


def test_assigning_to_someone_outside_the_organization_is_refused(
    organization, customer, agent, other_agent
):
    ticket = open_ticket(organization, customer)

    with pytest.raises(ValidationError) as caught:
        services.ticket_assign(ticket=ticket, assignee=other_agent, by=agent)

    assert "assignee" in caught.value.message_dict
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_assignment_tells_the_new_assignee(organization, customer, manager, agent, after_commit):
    ticket = open_ticket(organization, customer)

    with after_commit():
        services.ticket_assign(ticket=ticket, assignee=agent, by=manager)

    assert (
        Notification.objects.filter(
            recipient=agent, kind="ticket.assigned", channel="in_app"
        ).count()
        == 1
    )
    assert TicketUpdate.objects.filter(ticket=ticket, kind=UpdateKind.ASSIGNMENT).count() == 1


def test_a_priority_change_moves_the_due_times(organization, customer, agent):
    ticket = open_ticket(organization, customer, priority=Priority.LOW)

    services.ticket_change_priority(ticket=ticket, priority=Priority.URGENT, by=agent)

    ticket.refresh_from_db()
    assert (ticket.first_response_due - ticket.created_at).total_seconds() == 15 * 60


def test_a_changed_promise_applies_to_the_next_ticket_though_the_last_one_was_just_opened(
    organization, customer
):
    services.sla_policy_set(
        organization=organization,
        priority=Priority.HIGH,
        first_response_minutes=60,
        resolution_minutes=600,
    )
    before = open_ticket(organization, customer, priority=Priority.HIGH)

    services.sla_policy_set(
        organization=organization,
        priority=Priority.HIGH,
        first_response_minutes=15,
        resolution_minutes=120,
    )
    after = open_ticket(organization, customer, priority=Priority.HIGH)

    assert before.first_response_due - before.created_at == timedelta(minutes=60)
    assert after.first_response_due - after.created_at == timedelta(minutes=15)
    assert after.resolution_due - after.created_at == timedelta(minutes=120)


def sla_table(**overrides) -> list[tuple[str, int, int]]:
    rows = dict.fromkeys(Priority.values, (30, 600)) | overrides
    return [(priority, *times) for priority, times in rows.items()]


def stored_sla(organization) -> dict[str, tuple[int, int]]:
    return {
        policy.priority: (policy.first_response_minutes, policy.resolution_minutes)
        for policy in SlaPolicy.objects.filter(organization=organization)
    }


def test_a_whole_sla_table_is_saved_and_the_next_ticket_is_promised_its_times(
    organization, customer
):
    services.sla_minutes(organization, Priority.URGENT)  # the table is cached from here on

    services.sla_table_set(
        organization=organization, policies=sla_table(**{Priority.URGENT: (5, 60)})
    )
    ticket = open_ticket(organization, customer, priority=Priority.URGENT)

    assert stored_sla(organization) == {
        Priority.LOW: (30, 600),
        Priority.NORMAL: (30, 600),
        Priority.HIGH: (30, 600),
        Priority.URGENT: (5, 60),
    }
    assert ticket.first_response_due - ticket.created_at == timedelta(minutes=5)


def test_an_sla_table_with_bad_rows_saves_no_row_and_names_each_failing_cell(organization):
    services.sla_policy_set(
        organization=organization,
        priority=Priority.HIGH,
        first_response_minutes=60,
        resolution_minutes=600,
    )
    table = sla_table(**{Priority.NORMAL: (0, 600), Priority.URGENT: (700, 600)})

    with pytest.raises(ValidationError) as refused:
        services.sla_table_set(organization=organization, policies=table)

    assert refused.value.message_dict == {
        "normal_first_response": ["Enter a whole number of at least 1."],
        "urgent_resolution": ["The resolution can't be due before the first response."],
    }
    assert stored_sla(organization) == {Priority.HIGH: (60, 600)}
