"""Presence: whether a staff member is reachable right now, derived from their open sockets.

Each socket holds a `PresenceConnection` that expires unless its heartbeat renews it, so a
killed process or a socket dropped mid-connect can never leave anyone online, and there is
no counter to drift: a person is online while an unexpired connection of theirs is active,
away while all of them report idle, offline with none. Routing reads that directly.

What colleagues are told (`presence.changed`) is announced apart, in batches: a connection
change only marks its person pending, and `presence_announce` tells each organization's
staff about everyone whose status changed in one event. A thousand people connecting at
once would otherwise send each of them a thousand events. A page being left is not
announced as offline for a short grace, since its successor page connects within it.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from csportal.realtime import org_staff_group, publish

from .models import Membership, Presence, PresenceConnection, PresenceStatus, User


def _expires(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.PRESENCE_TTL_SECONDS)


def _mark_pending(user_id: int, last_seen: datetime) -> None:
    Presence.objects.bulk_create(
        [Presence(user_id=user_id, pending=True, last_seen=last_seen)],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["pending", "last_seen"],
    )


def counts_in_presence(groups: Iterable[str]) -> bool:
    """Whether a socket with `groups` makes its person present: staff's do, as they join
    their organizations' groups besides their own (selectors.realtime_groups_for)."""
    return any(group.startswith("org.") for group in groups)


def presence_connect(*, user: User, channel: str, now: datetime) -> None:
    """A socket opened; a new tab counts as active."""
    PresenceConnection.objects.update_or_create(
        channel=channel, defaults={"user": user, "away": False, "expires_at": _expires(now)}
    )
    _mark_pending(user.pk, now)


def presence_set(*, user: User, channel: str, away: bool, now: datetime) -> None:
    """A socket says its person is idle or hidden (`away`) or active again."""
    changed = (
        PresenceConnection.objects.filter(channel=channel, user=user)
        .exclude(away=away)
        .update(away=away, expires_at=_expires(now))
    )
    if changed:
        _mark_pending(user.pk, now)


def presence_renew(*, user: User, channel: str, away: bool, now: datetime) -> None:
    """The heartbeat: the socket is still there. A connection swept while its server was too
    busy to renew it comes back."""
    renewed = PresenceConnection.objects.filter(channel=channel, user=user).update(
        expires_at=_expires(now)
    )
    if not renewed:
        PresenceConnection.objects.create(
            channel=channel, user=user, away=away, expires_at=_expires(now)
        )
        _mark_pending(user.pk, now)


def presence_renew_many(*, channels: Iterable[str], now: datetime) -> int:
    """`presence_renew` for many sockets at once, without bringing back swept ones (a socket
    closing while its renewal waited must stay gone): their own heartbeat does that."""
    return PresenceConnection.objects.filter(channel__in=list(channels)).update(
        expires_at=_expires(now)
    )


def presence_disconnect(*, user: User, channel: str, now: datetime) -> None:
    if PresenceConnection.objects.filter(channel=channel).delete()[0]:
        _mark_pending(user.pk, now)


def presence_expire(*, now: datetime) -> int:
    """Drop the connections nobody renewed (their server died or hangs) and mark their
    people pending. Returns how many connections expired."""
    ttl = timedelta(seconds=settings.PRESENCE_TTL_SECONDS)
    with transaction.atomic():
        expired = PresenceConnection.objects.filter(expires_at__lte=now)
        # Last heard of at their last renewal: long past any grace.
        last_heard = dict(
            expired.values("user_id")
            .annotate(last=Max("expires_at"))
            .values_list("user_id", "last")
        )
        count, _by_model = expired.delete()
        for user_id, last in last_heard.items():
            _mark_pending(user_id, last - ttl)
    return count


def live_statuses(user_ids: Iterable[int], *, now: datetime) -> dict[int, str]:
    """Each person's status from their unexpired connections (offline for none)."""
    statuses = dict.fromkeys(user_ids, PresenceStatus.OFFLINE)
    live = PresenceConnection.objects.filter(user_id__in=list(statuses), expires_at__gt=now)
    for user_id, away in live.values_list("user_id", "away"):
        if not away:
            statuses[user_id] = PresenceStatus.ONLINE
        elif statuses[user_id] == PresenceStatus.OFFLINE:
            statuses[user_id] = PresenceStatus.AWAY
    return statuses


def presence_announce(*, now: datetime) -> int:
    """Tell colleagues about everyone pending whose status changed: one `presence.changed`
    per organization with all of them. Returns how many people changed.

    Someone whose last tab closed less than the grace ago stays pending: they are most
    likely moving to another page, whose socket will say they are still here."""
    grace_start = now - timedelta(seconds=settings.PRESENCE_GRACE_SECONDS)
    with transaction.atomic():
        pending = list(
            Presence.objects.select_for_update(skip_locked=True)
            .filter(pending=True)
            .select_related("user")
        )
        if not pending:
            return 0
        statuses = live_statuses([row.user_id for row in pending], now=now)
        settled, changed = [], []
        for row in pending:
            status = statuses[row.user_id]
            leaving = status == PresenceStatus.OFFLINE != row.status
            if leaving and row.last_seen is not None and row.last_seen > grace_start:
                continue
            row.pending = False
            settled.append(row)
            if status != row.status:
                row.status = status
                changed.append(row)
        Presence.objects.bulk_update(settled, ["status", "pending"])
        _publish_changes(changed)
    return len(changed)


def anyone_pending() -> bool:
    return Presence.objects.filter(pending=True).exists()


def _publish_changes(changed: list[Presence]) -> None:
    if not changed:
        return
    by_user = {row.user_id: row for row in changed}
    people_by_org = defaultdict(list)
    memberships = Membership.objects.active().filter(user_id__in=list(by_user))
    for user_id, organization_id in memberships.values_list("user_id", "organization_id"):
        row = by_user[user_id]
        people_by_org[organization_id].append(
            {"user": user_id, "name": str(row.user), "status": row.status}
        )
    for organization_id, people in people_by_org.items():
        people.sort(key=lambda person: person["user"])
        publish("presence.changed", {"people": people}, groups=[org_staff_group(organization_id)])
