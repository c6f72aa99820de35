"""What each person wants to be told on which channel, when not to be woken, and where
their browser takes push messages."""

import zoneinfo
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import Organization, User

from .. import kinds, selectors
from ..models import (
    Channel,
    NotificationPreference,
    OrganizationDefault,
    PushSubscription,
    QuietHours,
)
from ..transports import push_endpoint_allowed

# Reading ---------------------------------------------------------------------------------


def channels_for(*, user: User, kind: str, organization: Organization | None = None) -> list[str]:
    """The person's own choice for the kind, else the organization's default, else the kind's."""
    preference = NotificationPreference.objects.filter(user=user, kind=kind).first()
    if preference is not None:
        return list(preference.channels)
    if organization is not None:
        default = OrganizationDefault.objects.filter(organization=organization, kind=kind).first()
        if default is not None:
            return list(default.channels)
    return list(kinds.get(kind).default_channels)


def quiet_until(user: User, now: datetime) -> datetime | None:
    """When the person's quiet hours end, if `now` falls inside them."""
    quiet = QuietHours.objects.filter(user=user).first()
    if quiet is None or quiet.start == quiet.end:
        return None
    zone = zoneinfo.ZoneInfo(user.timezone or "UTC")
    local = now.astimezone(zone)
    start = local.replace(hour=quiet.start.hour, minute=quiet.start.minute, second=0, microsecond=0)
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    if quiet.start < quiet.end:
        inside = start <= local < end
    else:  # spans midnight, e.g. 22:00-07:00
        inside = local >= start or local < end
        if inside and local >= start:
            end += timedelta(days=1)
    return end.astimezone(UTC) if inside else None


# Setting ---------------------------------------------------------------------------------


def _check_kind(kind: str) -> None:
    try:
        kinds.get(kind)
    except LookupError:
        raise ValidationError({"kind": _("Unknown kind of notification.")}) from None


def _clean_channels(channels: Iterable[str]) -> list[str]:
    channels = list(dict.fromkeys(channels))
    unknown = [c for c in channels if c not in Channel.values]
    if unknown:
        raise ValidationError({"channels": _("Unknown channel: %s") % ", ".join(unknown)})
    return channels


def preference_set(*, user: User, kind: str, channels: Iterable[str]) -> NotificationPreference:
    _check_kind(kind)
    if kind not in {receivable.name for receivable in selectors.kinds_for(user)}:
        raise ValidationError({"kind": _("You don't receive this kind of notification.")})
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"channels": _clean_channels(channels)}
    )
    return preference


def organization_default_set(
    *, organization: Organization, kind: str, channels: Iterable[str]
) -> OrganizationDefault:
    _check_kind(kind)
    default, _created = OrganizationDefault.objects.update_or_create(
        organization=organization, kind=kind, defaults={"channels": _clean_channels(channels)}
    )
    return default


def quiet_hours_set(*, user: User, start, end) -> QuietHours | None:
    """Set quiet hours, or clear them when either end is empty."""
    if start is None or end is None:
        QuietHours.objects.filter(user=user).delete()
        return None
    quiet, _created = QuietHours.objects.update_or_create(
        user=user, defaults={"start": start, "end": end}
    )
    return quiet


# Browser push ----------------------------------------------------------------------------


def push_subscribe(
    *, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Remember a browser's subscription; its endpoint must be on a known push service."""
    if not push_endpoint_allowed(endpoint):
        raise ValidationError(
            {"endpoint": _("This is not the address of a browser push service we send to.")}
        )
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": user, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300]},
    )
    return subscription


def push_unsubscribe(*, user: User, endpoint: str) -> None:
    PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
