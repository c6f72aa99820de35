"""Gifts: a customer's thank-you to someone who served them."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.language import in_language_of
from accounts.models import Organization, Role, User
from chat.models import Conversation
from csportal.realtime import org_role_group, publish, user_group
from notifications.services import notify_after_commit
from technicians.models import ServiceRequest
from tickets.models import Ticket

from ..models import Gift, GiftKind
from .eligibility import (
    NOT_FINISHED,
    _check_not_staff,
    _check_person,
    _served_by,
    _subject,
    subject_finished,
)


def gift_send(
    *,
    sender: User,
    organization: Organization,
    recipient: User,
    kind: str,
    note: str = "",
    ticket: Ticket | None = None,
    visit: ServiceRequest | None = None,
    conversation: Conversation | None = None,
) -> Gift:
    """A thank-you to an agent or technician who served the customer (answered a ticket,
    came on a visit, answered a chat), optionally for one of those; the recipient sees it
    arrive on their profile. A gift for one of those waits until it is finished. The
    provider's own staff, past or present, never thank its people."""
    if kind not in GiftKind.values:
        raise ValidationError({"kind": _("Choose a gift from the list.")})
    _check_not_staff(sender, organization)
    _check_person(organization, recipient, (Role.AGENT, Role.MANAGER, Role.TECHNICIAN), "recipient")
    field, subject = _subject(
        sender, organization, {"ticket": ticket, "visit": visit, "conversation": conversation}
    )
    if field is not None and not subject_finished(field, subject):
        raise ValidationError(str(NOT_FINISHED[field]))
    if not _served_by(sender, organization, recipient, field, subject):
        raise ValidationError({"recipient": _("You can thank someone who has served you.")})
    with transaction.atomic():
        gift = Gift.objects.create(
            organization=organization,
            sender=sender,
            recipient=recipient,
            kind=kind,
            note=(note or "").strip()[:300],
            **({field: subject} if field else {}),
        )
        _announce_gift(gift)
    return gift


def _announce_gift(gift: Gift) -> None:
    """Show the gift arriving on the recipient's profile and notify them."""
    publish(
        "gift.received",
        {
            "id": gift.pk,
            "kind": gift.kind,
            "label": str(gift.get_kind_display()),
            "note": gift.note,
            "from": str(gift.sender),
        },
        # The recipient and their managers, who are the ones who see the profile.
        groups=[user_group(gift.recipient_id), org_role_group(gift.organization_id, Role.MANAGER)],
    )
    with in_language_of(gift.recipient):
        notify_after_commit(
            recipient=gift.recipient,
            kind="gift.received",
            title=_("%(name)s sent you %(gift)s")
            % {"name": gift.sender, "gift": gift.get_kind_display().lower()},
            body=gift.note,
            organization=gift.organization,
            dedupe_key=f"gift:{gift.pk}",
        )
