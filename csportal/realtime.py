"""Real-time plumbing: group names, the one `publish` helper, and replay.

A state change that other people must see is saved, then `publish` stores an Event row per
group in the same transaction and sends it over the channel layer after commit. The layer is
at-most-once, so each socket's heartbeat reads the events of its groups above its cursor and
sends whichever it has not sent yet. The cursor is `settled_floor`: ids come from a sequence
but transactions commit out of id order, so "everything up to the newest id I have" could
skip an event whose transaction was still open; everything up to the floor is final.

Direction: this package's plumbing (this module, the consumer, the replay API, the context
processor) imports no app; apps import it. What only an app knows it registers here from its
AppConfig.ready(): the groups a user joins by right and how sockets count in presence
(accounts), audiences (tickets), per-object groups (notifications, tickets), public groups
(ratings). Only the
project's composition (settings, urls, asgi, the seed_demo command) names apps.
"""

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import redis
from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from channels_redis.utils import decode_hosts
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Expression, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .models import Event

logger = logging.getLogger(__name__)

CHANNEL_MESSAGE_TYPE = "realtime.event"
# A control message to sockets, not an event: close (the session or the rights they were
# opened with are gone). Never stored: the heartbeat checks the same thing anyway.
CLOSE_MESSAGE_TYPE = "realtime.close"
REPLAY_LIMIT = 500

# Per-object groups ("ticket.12") are joined on request; the app owning the object
# registers who may join, so the consumer never has to know the domain apps.
ObjectAuthorizer = Callable[[object, str], bool]
_object_authorizers: dict[str, ObjectAuthorizer] = {}


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def session_group(session_key: str) -> str:
    """The sockets opened with one login session, named by a hash: the key is a secret."""
    return f"session.{hashlib.sha256(session_key.encode()).hexdigest()[:32]}"


def org_staff_group(organization_id: int) -> str:
    return f"org.{organization_id}.staff"


def org_role_group(organization_id: int, role: str) -> str:
    """Staff of one role, for what not every role may see (internal ticket notes)."""
    return f"org.{organization_id}.role.{role}"


# Audiences: the roles that read the same events at an organization (a domain app registers
# its own in AppConfig.ready). One group per audience, so a change is stored and sent once
# for all of them, not once per role: tickets went from three events and sends to one.
_audiences: dict[str, frozenset[str]] = {}


def register_audience(name: str, roles: Iterable[str]) -> None:
    _audiences[name] = frozenset(roles)


def org_audience_group(organization_id: int, audience: str) -> str:
    return f"org.{organization_id}.audience.{audience}"


def audience_groups(organization_id: int, role: str) -> list[str]:
    """The audience groups a staff member of `role` at the organization belongs to."""
    return [
        org_audience_group(organization_id, name)
        for name, roles in _audiences.items()
        if role in roles
    ]


def register_object_group(kind: str, authorizer: ObjectAuthorizer) -> None:
    """Let users join `<kind>.<id>` groups when `authorizer(user, id)` says they may."""
    _object_authorizers[kind] = authorizer


def may_join_object_group(user, group: str) -> bool:
    kind, _, object_id = group.partition(".")
    authorizer = _object_authorizers.get(kind)
    if authorizer is None or not object_id:
        return False
    return bool(authorizer(user, object_id))


# Public groups ("public.provider.3"): what a page anyone may open follows, signed in or
# not. Only what that page shows every visitor is ever published to one; they are the only
# groups an anonymous socket can join. The app owning the object registers its kind with a
# check that the object exists, so a socket can't fill the layer with made-up groups.
ObjectExists = Callable[[str], bool]
_public_kinds: dict[str, ObjectExists] = {}
PUBLIC_PREFIX = "public"


def register_public_group(kind: str, exists: ObjectExists) -> None:
    """Let anyone join `public.<kind>.<id>` when `exists(id)` says there is such an object."""
    _public_kinds[kind] = exists


def public_group(kind: str, object_id: int | str) -> str:
    return f"{PUBLIC_PREFIX}.{kind}.{object_id}"


def may_join_public_group(group: str) -> bool:
    prefix, _, rest = group.partition(".")
    kind, _, object_id = rest.partition(".")
    exists = _public_kinds.get(kind)
    if prefix != PUBLIC_PREFIX or exists is None or not object_id:
        return False
    return bool(exists(object_id))


# Where a visitor's tab opens its socket: the flag tells the consumer it was never signed in,
# so a socket without a session is a visitor's, not a signed-in page's whose session ended.
SOCKET = "/ws/events/"
VISITOR_SOCKET = "/ws/events/?visitor=1"


def may_join(user, group: str) -> bool:
    """Whether a socket of `user` may join `group` on request: a public group, anyone; an
    object group, a signed-in user its authorizer allows."""
    if may_join_public_group(group):
        return True
    return bool(user is not None and user.is_authenticated and may_join_object_group(user, group))


# The groups a user's sockets, pages and replays join by right: the app that owns people
# and their organizations (accounts) registers what they are. Given the request when there
# is one, so a provider can use what the request read already.
GroupsProvider = Callable[..., Iterable[str]]
_groups_providers: dict[str, GroupsProvider] = {}


def register_groups_provider(name: str, provider: GroupsProvider) -> None:
    """`provider(user, request=None)` returns groups `user` may join by right."""
    _groups_providers[name] = provider


def groups_by_right(user, *, request=None) -> list[str]:
    return [
        group
        for provider in _groups_providers.values()
        for group in provider(user, request=request)
    ]


@dataclass(frozen=True)
class PresenceHooks:
    """How the sockets of a person make them present, registered by the app that keeps
    presence (accounts.presence). Every hook but `counts` touches the database: call it from
    the database thread."""

    counts: Callable[[Iterable[str]], bool]  # does a socket with these groups count?
    connect: Callable[..., None]  # (user=, channel=, now=)
    set: Callable[..., None]  # (user=, channel=, away=, now=): active again or idle
    renew: Callable[..., None]  # (user=, channel=, away=, now=): the heartbeat
    renew_many: Callable[..., int]  # (channels=, now=): many heartbeats, none brought back
    disconnect: Callable[..., None]  # (user=, channel=, now=)
    announce: Callable[..., object]  # (now=): tell colleagues what changed
    pending: Callable[[], bool]  # is anyone's change still waiting to be announced?


_presence: PresenceHooks | None = None


def register_presence(hooks: PresenceHooks) -> None:
    global _presence
    _presence = hooks


def presence_hooks() -> PresenceHooks | None:
    return _presence


def counts_in_presence(groups: Iterable[str]) -> bool:
    """Whether a socket (and the page that opens it) with `groups` reports its person's
    presence: staff's do, customers' don't."""
    hooks = presence_hooks()
    return hooks is not None and hooks.counts(groups)


def publish(event_type: str, data: dict, *, groups: Iterable[str]) -> list[Event]:
    """Store the event for each group now; send it to the groups once the transaction commits.

    Must be called inside the transaction that made the change, so a rollback takes the
    event with it and nobody is ever told of something that did not happen.
    """
    return publish_each([(event_type, data, groups)])


def publish_each(items: Iterable[tuple[str, dict, Iterable[str]]]) -> list[Event]:
    """`publish` for several (type, data, groups) at once: one INSERT, one send after commit.

    For a change that different audiences see differently (staff and customer payloads).
    """
    events = events_for(items)
    if events:
        Event.objects.bulk_create(events)
        send_after_commit(events)
    return events


def events_for(items: Iterable[tuple[str, dict, Iterable[str]]]) -> list[Event]:
    """The Event rows of `publish_each`, not saved yet: for a caller that saves them itself
    and then calls `send_after_commit`."""
    rows = []
    for event_type, data, groups in items:
        # Round-trip through JSON now so what is stored and what is sent are the same values.
        payload = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
        rows += [Event(group=group, type=event_type, data=payload) for group in sorted(set(groups))]
    return rows


def send_after_commit(events: list[Event]) -> None:
    """Send saved events over the channel layer once the transaction commits."""
    messages = [(event.group, _channel_message(event.as_message())) for event in events]
    transaction.on_commit(partial(_send, messages))


def _channel_message(event: dict) -> dict:
    return {"type": CHANNEL_MESSAGE_TYPE, "event": event}


SEND_TIMEOUT_SECONDS = 2.0


class _Publisher:
    """Sends from sync code straight to Redis: one pipeline of PUBLISHes per send.

    Production runs channels-redis's pub/sub layer, where a group send is a PUBLISH on the
    group's channel. Through the layer's async API every send from a view paid for a hop to
    an event loop thread: 0.37 ms for a change's two groups, against 0.1 ms for the PUBLISHes
    themselves. The server and the prefix are the layer's settings, the encoding is the
    layer's own (`serialize`), and the channel names follow channels-redis; tests hold a
    consumer of the real layer to receiving what is sent here.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._clients: dict[str, redis.Redis] = {}

    def client(self, config: dict) -> redis.Redis:
        (host,) = decode_hosts(config.get("hosts"))  # one Redis, as configured
        key = repr(sorted(host.items()))
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                options = dict(host)
                # A Redis that does not answer must not hold the request that published.
                options.setdefault("socket_connect_timeout", SEND_TIMEOUT_SECONDS)
                options.setdefault("socket_timeout", SEND_TIMEOUT_SECONDS)
                client = redis.Redis.from_url(options.pop("address"), **options)
                self._clients[key] = client
            return client

    def send(self, layer: RedisPubSubChannelLayer, messages: list[tuple[str, dict]]) -> None:
        config = settings.CHANNEL_LAYERS[DEFAULT_CHANNEL_LAYER].get("CONFIG", {})
        prefix = config.get("prefix", "asgi")
        pipeline = self.client(config).pipeline(transaction=False)
        for group, message in messages:
            pipeline.publish(f"{prefix}__group__{group}", layer.serialize(message))
        pipeline.execute()


_publisher = _Publisher()


async def _send_all(layer, messages: list[tuple[str, dict]]) -> None:
    for group, message in messages:
        await layer.group_send(group, message)


def _send(messages: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if isinstance(layer, RedisPubSubChannelLayer):
            _publisher.send(layer, messages)
        else:
            # The in-memory layer's queues belong to the server's own loop, which
            # async_to_sync finds from a view's thread.
            async_to_sync(_send_all)(layer, messages)
    except Exception as error:
        _log_failed_send(messages, error)


def _log_failed_send(messages: list[tuple[str, dict]], error: Exception) -> None:
    # At-most-once by design: the stored rows and the heartbeat recover the client.
    groups = ", ".join(group for group, _message in messages)
    logger.warning("channel layer send to %s failed", groups, exc_info=error)


def events_since(groups: Iterable[str], since: int, *, limit: int = REPLAY_LIMIT) -> list[Event]:
    return list(Event.objects.filter(group__in=list(groups), id__gt=since).order_by("id")[:limit])


def _settled(now: datetime) -> QuerySet[Event]:
    cutoff = now - timedelta(seconds=settings.REALTIME_SETTLE_SECONDS)
    return Event.objects.filter(created_at__lt=cutoff).order_by("-id").values("id")[:1]


def settled_floor(*, now: datetime) -> int:
    """The newest event id at or below which every event is final: written longer than
    REALTIME_SETTLE_SECONDS ago, and so either committed by now or rolled back.

    A smaller id was taken from the sequence earlier still, so its transaction has been open
    longer than that if it has not committed. Walks the primary key back from the newest
    event over the last few seconds' events only."""
    return next((row["id"] for row in _settled(now)), 0)


def newest_event_id() -> int:
    return next(iter(Event.objects.order_by("-id").values_list("id", flat=True)[:1]), 0)


def settled_floor_subquery(*, now: datetime) -> Expression:
    """`settled_floor` for a caller that folds it into a bigger query."""
    return Coalesce(Subquery(_settled(now)), 0)


def event_ids_above(groups: Iterable[str], floor: int) -> list[int]:
    """The ids of `groups`' events above the floor: what a page rendered now already shows,
    so its socket's resync from the floor does not announce them again."""
    events = Event.objects.filter(group__in=list(groups), id__gt=floor).order_by("id")
    return list(events.values_list("id", flat=True)[:REPLAY_LIMIT])


def missed_events(groups: Iterable[str], *, above: int, sent: Iterable[int]) -> list[Event]:
    """The events of `groups` above `above` that are not among `sent`, oldest first."""
    return list(
        Event.objects.filter(group__in=list(groups), id__gt=above)
        .exclude(id__in=list(sent))
        .order_by("id")[:REPLAY_LIMIT]
    )


# Close codes: the client reconnects at once, or stops (its session is gone).
CLOSE_RECONNECT = 4000
CLOSE_UNAUTHENTICATED = 4401


def close_sockets(group: str, *, code: int = CLOSE_RECONNECT) -> None:
    """Close every socket in `group` after the transaction commits: a lost membership (they
    reconnect with what they may now see) or a logout (`CLOSE_UNAUTHENTICATED`)."""
    transaction.on_commit(partial(_send, [(group, {"type": CLOSE_MESSAGE_TYPE, "code": code})]))
