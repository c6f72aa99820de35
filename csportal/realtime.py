"""Real-time plumbing: group names, the one `publish` helper, and replay.

A state change that other people must see is saved, then `publish` stores an Event row per
group in the same transaction and sends it over the channel layer after commit. A client
that misses a send (the layer is at-most-once) finds out from the heartbeat's newest id and
fetches the rest with `GET /api/v1/events/?since=<id>`.
"""

import json
import logging
from collections.abc import Callable, Iterable
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max

from .models import Event

logger = logging.getLogger(__name__)

CHANNEL_MESSAGE_TYPE = "realtime.event"
REPLAY_LIMIT = 500

# Per-object groups ("ticket.12") are joined on request; the app owning the object
# registers who may join, so the consumer never has to know the domain apps.
ObjectAuthorizer = Callable[[object, str], bool]
_object_authorizers: dict[str, ObjectAuthorizer] = {}


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def org_staff_group(organization_id: int) -> str:
    return f"org.{organization_id}.staff"


def org_role_group(organization_id: int, role: str) -> str:
    """Staff of one role, for what not every role may see (internal ticket notes)."""
    return f"org.{organization_id}.role.{role}"


def register_object_group(kind: str, authorizer: ObjectAuthorizer) -> None:
    """Let users join `<kind>.<id>` groups when `authorizer(user, id)` says they may."""
    _object_authorizers[kind] = authorizer


def may_join_object_group(user, group: str) -> bool:
    kind, _, object_id = group.partition(".")
    authorizer = _object_authorizers.get(kind)
    if authorizer is None or not object_id:
        return False
    return bool(authorizer(user, object_id))


def publish(event_type: str, data: dict, *, groups: Iterable[str]) -> list[Event]:
    """Store the event for each group now; send it to the groups once the transaction commits.

    Must be called inside the transaction that made the change, so a rollback takes the
    event with it and nobody is ever told of something that did not happen.
    """
    targets = sorted(set(groups))
    if not targets:
        return []
    # Round-trip through JSON now so what is stored and what is sent are the same values.
    payload = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    events = Event.objects.bulk_create(
        [Event(group=group, type=event_type, data=payload) for group in targets]
    )
    transaction.on_commit(partial(_send, [(event.group, event.as_message()) for event in events]))
    return events


def _send(messages: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group, message in messages:
        try:
            async_to_sync(layer.group_send)(group, {"type": CHANNEL_MESSAGE_TYPE, "event": message})
        except Exception:
            # At-most-once by design: the stored row and the heartbeat recover the client.
            logger.warning("channel layer send to %s failed", group, exc_info=True)


def latest_event_id(groups: Iterable[str]) -> int:
    return Event.objects.filter(group__in=list(groups)).aggregate(latest=Max("id"))["latest"] or 0


def events_since(groups: Iterable[str], since: int, *, limit: int = REPLAY_LIMIT) -> list[Event]:
    return list(Event.objects.filter(group__in=list(groups), id__gt=since).order_by("id")[:limit])
