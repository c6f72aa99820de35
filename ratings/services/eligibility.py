"""Who may rate or thank whom, and for what: the provider served the customer (answered a
ticket, completed a visit, answered a chat), and the customer is not on its staff."""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Membership, Organization, User
from chat.models import Conversation
from technicians.models import ServiceRequest, VisitStatus
from tickets.models import Ticket, TicketUpdate, UpdateKind

# What a review or a gift can be about, by the name of its field.
SUBJECT_FIELDS = ("ticket", "visit", "conversation")
_SUBJECT_MODELS: dict[str, type[Ticket | ServiceRequest | Conversation]] = {
    "ticket": Ticket,
    "visit": ServiceRequest,
    "conversation": Conversation,
}
# A reply on a ticket: a progress note or the result. Status changes and assignments tell
# the customer nothing, and internal notes never reach them.
TICKET_REPLY_KINDS = (UpdateKind.PROGRESS, UpdateKind.RESULT)


def is_staff_of(user: User, organization: Organization) -> bool:
    """Whether the user is or was on the organization's staff, in any role, active or not:
    their stars and thanks would be their own organization's praise of itself. Past staff
    count too, or switching someone off for a minute would let them in."""
    return Membership.objects.filter(user=user, organization=organization).exists()


def served_filter(field: str) -> Q | Exists:
    """What makes a ticket, visit or chat (`field` says which) one in which the provider
    served the customer, as a filter on its model: a ticket its staff replied to where the
    customer sees it, a completed visit, an answered chat. Opening a ticket and writing on
    it oneself is not being served."""
    if field == "ticket":
        return Exists(
            TicketUpdate.objects.filter(
                ticket=OuterRef("pk"),
                kind__in=TICKET_REPLY_KINDS,
                is_public=True,
                author__memberships__organization=OuterRef("organization"),
            )
        )
    if field == "visit":
        return Q(status=VisitStatus.COMPLETED)
    return Q(agent__isnull=False)


def subject_served(field: str, subject) -> bool:
    """served_filter, for one ticket, visit or chat."""
    return _SUBJECT_MODELS[field].objects.filter(served_filter(field), pk=subject.pk).exists()


def has_dealt_with(customer: User, organization: Organization) -> bool:
    """Whether the organization served the customer: in a ticket, a visit or a chat."""
    mine = {"customer": customer, "organization": organization}
    return any(
        model.objects.filter(served_filter(field), **mine).exists()
        for field, model in _SUBJECT_MODELS.items()
    )


def may_review(customer: User, organization: Organization) -> bool:
    """Whether the customer may review the provider as a whole, as review_post decides:
    for the pages, to offer only what it accepts."""
    return not is_staff_of(customer, organization) and has_dealt_with(customer, organization)


# What the provider's own staff are told, on the pages as well as when refused.
NOT_FOR_STAFF = _lazy("You are on this provider's staff, so you can't rate it or thank its people.")


def _check_not_staff(user: User, organization: Organization) -> None:
    if is_staff_of(user, organization):
        raise ValidationError({"organization": str(NOT_FOR_STAFF)})


_NOT_YOURS = {
    "ticket": _lazy("Choose one of your tickets with this provider."),
    "visit": _lazy("Choose one of your visits with this provider."),
    "conversation": _lazy("Choose one of your chats with this provider."),
}


def subject_finished(field: str, subject) -> bool:
    """Whether a ticket (answered, then resolved or closed), visit (completed) or chat
    (answered) has something to rate or thank for yet."""
    if field == "ticket" and subject.is_open:
        return False
    return subject_served(field, subject)


# What the customer is told while a subject is not finished.
NOT_FINISHED = {
    "ticket": _lazy(
        "You can rate the service and send thanks once your request is answered and resolved."
    ),
    "visit": _lazy("You can rate the visit and send thanks once the technician has completed it."),
    "conversation": _lazy("You can rate the chat and send thanks once an agent has answered it."),
}


def _subject(
    customer: User, organization: Organization, subjects: dict
) -> tuple[str | None, object]:
    """The one ticket, visit or chat of `subjects` given (field, object), checked to be the
    customer's with this organization; (None, None) when none is."""
    given = [(field, value) for field, value in subjects.items() if value is not None]
    if len(given) > 1:
        raise ValidationError({given[1][0]: _("Choose one request, visit or chat, not several.")})
    if not given:
        return None, None
    field, subject = given[0]
    if subject.customer_id != customer.pk or subject.organization_id != organization.pk:
        raise ValidationError({field: str(_NOT_YOURS[field])})
    return field, subject


def _check_person(organization: Organization, user: User | None, roles, field: str) -> None:
    if (
        user is not None
        and not Membership.objects.filter(
            user=user, organization=organization, role__in=roles
        ).exists()
    ):
        raise ValidationError({field: _("Choose someone of this provider's staff.")})


def _served_by(
    customer: User,
    organization: Organization,
    person: User,
    field: str | None,
    subject,
    *,
    likeliest: str = "ticket",
) -> bool:
    """Whether `person` served the customer: in `subject` when one is given, else anywhere,
    asking first where they most likely did (`likeliest`: a technician on a visit). Only
    where the provider served them (served_filter): on a ticket, its agent or whoever
    replied on it."""
    mine = {"customer": customer, "organization": organization}
    replied = Exists(
        TicketUpdate.objects.filter(
            ticket=OuterRef("pk"), author=person, kind__in=TICKET_REPLY_KINDS, is_public=True
        )
    )
    theirs = {
        "ticket": Q(assignee=person) | replied,
        "visit": Q(technician=person),
        "conversation": Q(agent=person),
    }
    served = {
        field: model.objects.filter(served_filter(field), theirs[field], **mine)
        for field, model in _SUBJECT_MODELS.items()
    }
    if field is not None:
        return served[field].filter(pk=subject.pk).exists()
    first = served.pop(likeliest)
    return first.exists() or any(found.exists() for found in served.values())
