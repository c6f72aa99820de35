"""What every ticket service leans on: who may work a ticket, checks on input, and writing
the timeline."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import works_for

from ..attachments import new_token
from ..models import TEXT_MAX_LENGTH, Attachment, Ticket, TicketUpdate

WORKING_ROLES = (Role.AGENT, Role.MANAGER)


def require_staff(ticket: Ticket, user: User, roles=WORKING_ROLES) -> None:
    if not works_for(user, ticket.organization_id, roles):
        raise ValidationError(_("Only the organization's agents can do this."))


def require_text(text: str, field: str, max_length: int = TEXT_MAX_LENGTH) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: _("This field may not be blank.")})
    try:
        MaxLengthValidator(max_length)(text)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    return text


def locked(ticket: Ticket) -> Ticket:
    """`ticket` read again under a row lock, with what publishing and telling it need (the
    customer's profile: they are told in their language)."""
    return (
        # The rows locked as ever; PostgreSQL can't lock the profile, outer-joined.
        Ticket.objects.select_for_update(of=("self", "organization", "customer"))
        .select_related("organization", "customer__customer_profile")
        .get(pk=ticket.pk)
    )


# Writing the timeline --------------------------------------------------------------------


def new_update(
    ticket: Ticket,
    kind: str,
    *,
    author: User | None,
    body: str = "",
    is_public: bool = True,
    data: dict | None = None,
    at: datetime | None = None,
) -> TicketUpdate:
    return TicketUpdate(
        ticket=ticket,
        kind=kind,
        author=author,
        body=body,
        is_public=is_public,
        data=data or {},
        created_at=at or timezone.now(),
    )


def new_attachments(ticket: Ticket, update: TicketUpdate, files: Iterable) -> list[Attachment]:
    """Attachment rows for validated uploads, not saved yet (the file is stored when the row
    is written)."""
    return [
        Attachment(
            ticket=ticket,
            update=update,
            token=new_token(),
            file=upload,
            filename=upload.name[:200],
            content_type=content_type,
            size=upload.size,
            is_public=update.is_public,
            uploaded_by=update.author,
        )
        for upload, content_type in files
    ]


def _attach(ticket: Ticket, update: TicketUpdate, files: Iterable) -> None:
    update.saved_attachments = new_attachments(ticket, update, files)
    for attachment in update.saved_attachments:
        attachment.save()


def record(
    ticket: Ticket,
    kind: str,
    *,
    author: User | None,
    body: str = "",
    is_public: bool = True,
    data: dict | None = None,
    files: Iterable = (),
) -> TicketUpdate:
    """Write a timeline entry with its files; the ticket's updated_at moves to it (saved by
    the caller, with save_fields or ticket.save())."""
    update = new_update(ticket, kind, author=author, body=body, is_public=is_public, data=data)
    update.save()
    _attach(ticket, update, files)
    ticket.updated_at = update.created_at
    return update


def save_fields(ticket: Ticket, *fields: str) -> None:
    """Save `fields` and updated_at."""
    ticket.save(update_fields=[*fields, "updated_at"])
