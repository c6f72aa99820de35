"""The API's hand-built ticket and timeline rows say exactly what DRF's fields would."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework import serializers

from accounts.models import Role
from accounts.tests.factories import staff
from tickets import selectors, services
from tickets.api import serializers as s
from tickets.models import Ticket
from tickets.tests.factories import CategoryFactory

TICKET_SERIALIZERS = [
    s.TicketListSerializer,
    s.CustomerTicketListSerializer,
    s.StaffTicketListSerializer,
    s.CustomerTicketSerializer,
    s.StaffTicketSerializer,
]


def drf_representation(serializer_class, instance) -> dict:
    """What the declared fields give, through DRF's own field-by-field walk."""
    return serializers.ModelSerializer.to_representation(serializer_class(), instance)


@pytest.fixture
def worked_ticket(organization, customer):
    agent = staff(organization, Role.AGENT)
    ticket = services.ticket_open(
        organization=organization,
        customer=customer,
        subject="The boiler bangs",
        body="Every morning.",
        category=CategoryFactory(organization=organization, name="Heating"),
    )
    services.ticket_assign(ticket=ticket, assignee=agent, by=agent)
    services.ticket_add_progress(
        ticket=ticket,
        author=agent,
        body="Photo of the valve attached.",
        files=[SimpleUploadedFile("valve.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)],
    )
    services.ticket_resolve(ticket=ticket, result="Bled the radiators.", by=agent)
    return Ticket.objects.select_related("organization", "customer", "assignee", "category").get(
        pk=ticket.pk
    )


@pytest.mark.parametrize("serializer_class", TICKET_SERIALIZERS)
def test_a_worked_ticket_reads_as_drf_would_render_it(serializer_class, worked_ticket):
    assert serializer_class(worked_ticket).data == drf_representation(
        serializer_class, worked_ticket
    )


@pytest.mark.parametrize("serializer_class", TICKET_SERIALIZERS)
def test_a_fresh_unassigned_ticket_reads_as_drf_would_render_it(
    serializer_class, organization, customer
):
    ticket = Ticket.objects.select_related("organization", "customer").get(
        pk=services.ticket_open(
            organization=organization, customer=customer, subject="Hello", body="A question."
        ).pk
    )

    assert (ticket.assignee_id, ticket.category_id) == (None, None)
    assert serializer_class(ticket).data == drf_representation(serializer_class, ticket)


def test_datetimes_are_rendered_in_the_active_zone_as_drf_does(worked_ticket):
    with timezone.override("Asia/Shanghai"):
        assert s.StaffTicketSerializer(worked_ticket).data == drf_representation(
            s.StaffTicketSerializer, worked_ticket
        )


def test_timeline_entries_with_attachments_read_as_drf_would_render_them(worked_ticket):
    timeline = list(selectors.ticket_timeline(worked_ticket, public_only=False))

    assert any(update.attachments.all() for update in timeline)
    for update in timeline:
        assert s.TicketUpdateSerializer(update).data == drf_representation(
            s.TicketUpdateSerializer, update
        )
