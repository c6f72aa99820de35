import base64

import factory

from accounts.models import Role
from accounts.tests.factories import CustomerFactory, OrganizationFactory, staff
from tickets.models import Attachment, Category, Status, Ticket, TicketUpdate, UpdateKind

# A real 1x1 PNG: uploads are typed by their bytes, not their names, as in production.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Category {n}")
    skill = ""


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket as it is stored; it skips services.ticket_open, so no routing, due times,
    timeline entry or notification unless a test adds them."""

    class Meta:
        model = Ticket

    organization = factory.SubFactory(OrganizationFactory)
    customer = factory.SubFactory(CustomerFactory)
    subject = factory.Sequence(lambda n: f"The dishwasher leaks ({n})")
    body = "Water on the floor after every wash."
    status = Status.NEW


class TicketUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketUpdate

    ticket = factory.SubFactory(TicketFactory)
    kind = UpdateKind.PROGRESS
    author = None
    body = "We ordered the part."
    is_public = True


def answered_ticket(organization, *, customer=None, by=None, **fields) -> Ticket:
    """A ticket the provider's staff answered: `by` (else its assignee, else a new agent)
    wrote a progress note on it that the customer sees."""
    ticket = TicketFactory(
        organization=organization, customer=customer or CustomerFactory(), **fields
    )
    author = by or ticket.assignee or staff(organization, Role.AGENT)
    TicketUpdateFactory(ticket=ticket, author=author, kind=UpdateKind.PROGRESS, is_public=True)
    return ticket


class AttachmentFactory(factory.django.DjangoModelFactory):
    """The row only: the API lists attachments without opening their files."""

    class Meta:
        model = Attachment

    update = factory.SubFactory(TicketUpdateFactory)
    ticket = factory.SelfAttribute("update.ticket")
    token = factory.Sequence(lambda n: f"{n:032x}")
    file = factory.Sequence(lambda n: f"tickets/test/{n}")
    filename = "photo.png"
    content_type = "image/png"
    size = 68
    is_public = factory.SelfAttribute("update.is_public")
