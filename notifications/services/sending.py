"""Telling someone something: one Notification row per channel, made once per dedupe key,
to the address the channel uses, unless that address can't take it.

Title and body come worded in the recipient's language: the caller builds them inside
`accounts.language.in_language_of(recipient)`, and the rows keep the language that is active
then, in which an email's own words are rendered when it is sent.
"""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import CustomerProfile, Organization, User, normalize_phone
from csportal.realtime import user_group

from .. import kinds
from ..models import Channel, Notification, PushSubscription, SmsOptOut, Status
from . import delivery
from .inapp import _publish_in_app
from .preferences import channels_for, quiet_until

# SMS and push wait out quiet hours; in-app and email don't wake anybody.
QUIET_CHANNELS = {Channel.SMS, Channel.PUSH}


def notify(
    *,
    recipient: User,
    kind: str,
    title: str,
    dedupe_key: str,
    body: str = "",
    link: str = "",
    data: dict | None = None,
    organization: Organization | None = None,
    channels: Iterable[str] | None = None,
    language: str | None = None,
) -> list[Notification]:
    """Tell `recipient` on each channel they chose for `kind`; once per `dedupe_key`.

    Call inside the transaction that made the change: rows are saved there, the in-app one
    is published after commit, and other channels are sent by a worker after commit.
    Calling again with the same dedupe_key creates and sends nothing new. `language`: the
    one title and body are in, when it is not the active one.
    """
    kinds.get(kind)
    now = timezone.now()
    chosen = (
        list(channels)
        if channels is not None
        else channels_for(user=recipient, kind=kind, organization=organization)
    )
    quiet = quiet_until(recipient, now) if QUIET_CHANNELS & set(chosen) else None
    return _create_deliveries(
        [(channel, _address(recipient, channel)) for channel in chosen],
        recipient=recipient,
        organization=organization,
        kind=kind,
        title=title,
        body=body,
        link=link,
        data=data,
        language=language,
        dedupe_key=dedupe_key,
        now=now,
        quiet=quiet,
    )


def notify_contact(
    *,
    kind: str,
    title: str,
    dedupe_key: str,
    phone: str = "",
    email: str = "",
    body: str = "",
    link: str = "",
    data: dict | None = None,
    organization: Organization | None = None,
    language: str | None = None,
) -> list[Notification]:
    """Message a bare contact (no account) by SMS and/or email; once per `dedupe_key`."""
    kinds.get(kind)
    return _create_deliveries(
        _contact_targets(phone, email),
        recipient=None,
        organization=organization,
        kind=kind,
        title=title,
        body=body,
        link=link,
        data=data,
        language=language,
        dedupe_key=dedupe_key,
        now=timezone.now(),
    )


def _address(user: User, channel: str) -> str:
    if channel == Channel.SMS:
        profile = CustomerProfile.objects.filter(user=user).only("phone").first()
        return profile.phone if profile else ""
    if channel == Channel.EMAIL:
        profile = CustomerProfile.objects.filter(user=user).only("contact_email").first()
        return (profile and profile.contact_email) or user.email
    if channel == Channel.PUSH:
        return "browser" if PushSubscription.objects.filter(user=user).exists() else ""
    return user_group(user.pk)


def _contact_targets(phone: str, email: str) -> list[tuple[str, str]]:
    targets: list[tuple[str, str]] = []
    if phone:
        try:
            targets.append((Channel.SMS, normalize_phone(phone)))
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
    if email:
        targets.append((Channel.EMAIL, email.strip()))
    if not targets:
        raise ValidationError(_("Give a phone number or an email address."))
    return targets


def _create_deliveries(
    targets: list[tuple[str, str]],
    *,
    recipient: User | None,
    organization: Organization | None,
    kind: str,
    title: str,
    body: str,
    link: str,
    data: dict | None,
    language: str | None,
    dedupe_key: str,
    now: datetime,
    quiet: datetime | None = None,
) -> list[Notification]:
    """One row per (channel, address) of `targets`, made unless its dedupe key was; returns
    the new ones. In-app rows are published at once; the others due now go to a worker
    after commit, those held by quiet hours to the sweep."""
    message = {
        "recipient": recipient,
        "organization": organization,
        "kind": kind,
        "title": title[:200],
        "body": body,
        "link": link,
        "data": data or {},
        "language": worded_in(language),
    }
    created = []
    with transaction.atomic():
        for channel, address in targets:
            notification, was_created = Notification.objects.get_or_create(
                dedupe_key=f"{dedupe_key}:{channel}",
                defaults={**message, **_delivery_start(channel, address, now=now, quiet=quiet)},
            )
            if was_created:
                created.append(notification)
        for notification in created:
            if notification.channel == Channel.IN_APP:
                _publish_in_app(notification)
        due = [
            n.pk
            for n in created
            if n.status == Status.QUEUED and (n.not_before is None or n.not_before <= now)
        ]
        if due:
            transaction.on_commit(lambda: delivery._enqueue(due))
    return created


def _delivery_start(channel: str, address: str, *, now: datetime, quiet: datetime | None) -> dict:
    """How a new row on `channel` starts: suppressed (saying why) when the address can't take
    it; in-app sent, being published at once; anything else queued, on a quiet channel until
    the quiet hours end."""
    suppressed = _suppression(channel, address)
    in_app = channel == Channel.IN_APP
    return {
        "address": address,
        "channel": channel,
        "status": Status.SUPPRESSED if suppressed else (Status.SENT if in_app else Status.QUEUED),
        "error": suppressed,
        "sent_at": now if in_app else None,
        "not_before": quiet if channel in QUIET_CHANNELS else None,
    }


def _suppression(channel: str, address: str) -> str:
    if not address:
        return _("No address on file for this channel.")
    if channel == Channel.SMS and SmsOptOut.objects.filter(phone=address).exists():
        return _("The number opted out of SMS (STOP).")
    return ""


def worded_in(language: str | None) -> str:
    """The language of a message's words: as given, else the active one."""
    return language or translation.get_language() or settings.LANGUAGE_CODE
