"""The events socket, `publish`, and replay: who hears what, when, and what a late client gets."""

import asyncio
import contextlib
import json
import logging
import threading
from datetime import timedelta
from unittest import mock

import pytest
import redis
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import Presence, PresenceConnection, User
from accounts.tests.factories import OrganizationFactory, UserFactory
from csportal import realtime
from csportal.asgi import application
from csportal.models import Event
from csportal.realtime import org_staff_group, publish, user_group

LOCAL_ORIGIN = b"http://127.0.0.1"
REPLAY_URL = "/api/v1/events/"


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def publish_now(event_type: str, data: dict, group: str) -> Event:
    """Publish in a transaction of its own, as a service would, and return the stored event."""
    with transaction.atomic():
        return publish(event_type, data, groups=[group])[0]


def newest_event(event_type: str) -> Event:
    return Event.objects.filter(type=event_type).latest("id")


@pytest.fixture
async def open_socket():
    """Open `/ws/events/` as a user (or anonymously); sockets still open are closed after."""
    opened = []

    async def _open(user=None, origin=LOCAL_ORIGIN, path=realtime.SOCKET):
        headers = [(b"origin", origin), (b"host", b"127.0.0.1")]
        if user is not None:
            cookie = await database_sync_to_async(session_cookie)(user)
            headers.append((b"cookie", f"sessionid={cookie}".encode()))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        opened.append(communicator)
        connected, code = await communicator.connect(timeout=5)
        return communicator, connected, code

    yield _open
    for communicator in opened:
        await communicator.disconnect(timeout=5)


async def open_staff_socket(open_socket, user) -> WebsocketCommunicator:
    """A staff member's socket past its greeting and their own presence announcement."""
    communicator, connected, _code = await open_socket(user)
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    presence = await next_message(communicator)
    assert presence["type"] == "presence.changed"
    assert user.pk in [person["user"] for person in presence["data"]["people"]]
    return communicator


async def next_message(communicator, *, timeout: float = 5) -> dict:
    """The next message that is not a heartbeat."""
    async with asyncio.timeout(timeout):
        while True:
            message = await communicator.receive_json_from(timeout=timeout)
            if message["type"] != "heartbeat":
                return message


async def heartbeats(communicator, count: int) -> list[dict]:
    """Wait for `count` heartbeats, failing on any other message in between."""
    received = []
    while len(received) < count:
        message = await communicator.receive_json_from(timeout=5)
        assert message["type"] == "heartbeat", message
        received.append(message)
    return received


@pytest.fixture
def quiet_heartbeat(settings):
    """Sockets opened after this send no heartbeat during the test, so silence means silence."""
    settings.REALTIME_HEARTBEAT_SECONDS = 60


# Who may connect ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_socket_without_a_session_from_a_signed_in_page_is_refused(open_socket):
    communicator, connected, _code = await open_socket()

    # Accepted, then closed with the code, so a browser sees its session is gone and stops
    # retrying, rather than carrying on as a visitor that hears nothing.
    assert connected is True
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}


@pytest.mark.django_db(transaction=True)
async def test_a_visitors_socket_is_greeted_and_hears_nothing_it_did_not_ask_for(
    open_socket, organization, customer, quiet_heartbeat
):
    communicator, connected, _code = await open_socket(path=realtime.VISITOR_SOCKET)
    hello = await communicator.receive_json_from(timeout=5)

    def publish_everywhere():
        publish_now("ticket.updated", {"ticket": 12}, org_staff_group(organization.pk))
        publish_now("ticket.updated", {"ticket": 12}, user_group(customer.pk))
        publish_now("provider.changed", {"organization": organization.pk}, public(organization))

    await database_sync_to_async(publish_everywhere)()

    assert (connected, hello) == (True, {"type": "hello"})
    assert await communicator.receive_nothing(timeout=1) is True
    assert await database_sync_to_async(PresenceConnection.objects.exists)() is False


@pytest.mark.django_db(transaction=True)
async def test_a_socket_from_a_foreign_origin_is_refused_even_with_a_valid_session(
    open_socket, manager
):
    _communicator, connected, _code = await open_socket(manager, origin=b"http://evil.example")

    assert connected is False
    assert await database_sync_to_async(PresenceConnection.objects.exists)() is False


@pytest.mark.django_db(transaction=True)
async def test_a_deactivated_user_is_disconnected_when_the_heartbeat_checks_rights(
    open_socket, agent
):
    communicator = await open_staff_socket(open_socket, agent)

    await database_sync_to_async(User.objects.filter(pk=agent.pk).update)(is_active=False)

    while (message := await communicator.receive_output(timeout=5))["type"] == "websocket.send":
        assert json.loads(message["text"])["type"] == "heartbeat"
    assert message == {"type": "websocket.close", "code": 4401}


# What a connected client receives --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_staff_member_is_greeted_then_hears_their_organizations_events(
    open_socket, organization, manager
):
    communicator, connected, _code = await open_socket(manager)
    assert connected

    hello = await communicator.receive_json_from(timeout=5)
    presence = await next_message(communicator)
    event = await database_sync_to_async(publish_now)(
        "ticket.updated", {"ticket": 12, "state": "open"}, org_staff_group(organization.pk)
    )
    delivered = await next_message(communicator)

    online = await database_sync_to_async(newest_event)("presence.changed")
    assert hello == {"type": "hello"}
    assert presence == online.as_message()
    assert presence["data"] == {
        "people": [{"user": manager.pk, "name": "Maria Manager", "status": "online"}]
    }
    assert delivered == event.as_message()
    assert delivered["data"] == {"ticket": 12, "state": "open"}


@pytest.mark.django_db(transaction=True)
async def test_an_event_rolled_back_with_its_transaction_is_never_sent_nor_kept(
    open_socket, organization, manager, quiet_heartbeat
):
    communicator = await open_staff_socket(open_socket, manager)

    def publish_then_roll_back():
        with contextlib.suppress(RuntimeError), transaction.atomic():
            publish("ticket.updated", {"ticket": 12}, groups=[org_staff_group(organization.pk)])
            raise RuntimeError("the change failed")

    await database_sync_to_async(publish_then_roll_back)()

    assert await communicator.receive_nothing(timeout=1) is True
    assert await database_sync_to_async(Event.objects.filter(type="ticket.updated").count)() == 0


@pytest.mark.django_db(transaction=True)
async def test_a_customer_never_hears_organization_staff_events(
    open_socket, organization, customer, quiet_heartbeat
):
    communicator, connected, _code = await open_socket(customer)
    assert connected
    assert await communicator.receive_json_from(timeout=5) == {"type": "hello"}

    await database_sync_to_async(publish_now)(
        "ticket.updated", {"ticket": 12}, org_staff_group(organization.pk)
    )

    assert await communicator.receive_nothing(timeout=1) is True


@pytest.mark.django_db(transaction=True)
async def test_a_customer_hears_events_for_themselves(open_socket, customer):
    communicator, connected, _code = await open_socket(customer)
    assert connected
    await communicator.receive_json_from(timeout=5)

    event = await database_sync_to_async(publish_now)(
        "ticket.updated", {"ticket": 12}, user_group(customer.pk)
    )

    assert await next_message(communicator) == event.as_message()


@pytest.mark.django_db(transaction=True)
async def test_another_organizations_staff_never_hear_this_organizations_events(
    open_socket, organization, other_agent, quiet_heartbeat
):
    communicator = await open_staff_socket(open_socket, other_agent)

    await database_sync_to_async(publish_now)(
        "ticket.updated", {"ticket": 12}, org_staff_group(organization.pk)
    )

    assert await communicator.receive_nothing(timeout=1) is True


@pytest.mark.django_db(transaction=True)
async def test_the_heartbeat_sends_what_the_layer_dropped_and_only_what_the_user_may_see(
    open_socket, organization, other_organization, agent
):
    communicator = await open_staff_socket(open_socket, agent)

    def publish_unsent():
        # Stored but never sent over the layer, as when Redis paused past the send timeout.
        with mock.patch("csportal.realtime._send"), transaction.atomic():
            visible = publish(
                "ticket.updated", {"ticket": 12}, groups=[org_staff_group(organization.pk)]
            )
            publish(
                "ticket.updated", {"ticket": 99}, groups=[org_staff_group(other_organization.pk)]
            )
        return visible[0]

    dropped = await database_sync_to_async(publish_unsent)()
    filled = await next_message(communicator)
    [beat] = await heartbeats(communicator, 1)

    assert filled == dropped.as_message()
    assert beat == {"type": "heartbeat"}  # no cursor before the client resumed
    # Sent once: the next beat finds nothing more to fill.
    await heartbeats(communicator, 1)


@pytest.mark.django_db(transaction=True)
async def test_a_resumed_socket_sends_everything_above_the_clients_cursor_once(
    open_socket, organization, manager, quiet_heartbeat
):
    def publish_some():
        return [
            publish_now("ticket.updated", {"n": n}, org_staff_group(organization.pk))
            for n in range(3)
        ]

    missed = await database_sync_to_async(publish_some)()
    communicator = await open_staff_socket(open_socket, manager)

    await communicator.send_json_to({"action": "resume", "since": missed[0].pk})
    resent = [await next_message(communicator) for _ in range(2)]
    await communicator.send_json_to({"action": "resume", "since": missed[0].pk})

    assert resent == [event.as_message() for event in missed[1:]]
    assert await communicator.receive_nothing(timeout=0.5) is True


@pytest.mark.django_db(transaction=True)
async def test_a_resume_without_a_valid_cursor_is_answered_with_an_error(open_socket, agent):
    communicator = await open_staff_socket(open_socket, agent)

    await communicator.send_json_to({"action": "resume", "since": "ten"})

    assert await next_message(communicator) == {"type": "error", "code": "bad_cursor"}


@pytest.mark.django_db(transaction=True)
async def test_a_suspended_member_is_closed_out_to_reconnect_with_their_new_rights(
    open_socket, organization, manager, agent
):
    communicator = await open_staff_socket(open_socket, agent)

    def suspend():
        membership = agent.memberships.get()
        account_services.membership_set_active(membership=membership, is_active=False, by=manager)

    await database_sync_to_async(suspend)()

    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4000}


@pytest.mark.django_db(transaction=True)
async def test_rights_lost_without_a_close_message_close_the_socket_at_the_next_heartbeat(
    open_socket, organization, agent
):
    communicator = await open_staff_socket(open_socket, agent)

    # Straight in the database: no service sent the close, as if the layer dropped it.
    await database_sync_to_async(agent.memberships.update)(is_active=False)

    while (message := await communicator.receive_output(timeout=5))["type"] == "websocket.send":
        pass
    assert message == {"type": "websocket.close", "code": 4000}


@pytest.mark.django_db(transaction=True)
async def test_a_staff_socket_keeps_its_member_online_until_it_closes(open_socket, agent):
    communicator = await open_staff_socket(open_socket, agent)
    online = await database_sync_to_async(Presence.objects.get)(user=agent)
    connections = await database_sync_to_async(PresenceConnection.objects.count)()

    await communicator.disconnect(timeout=5)

    assert (online.status, connections) == ("online", 1)
    assert await database_sync_to_async(PresenceConnection.objects.count)() == 0


@pytest.mark.django_db(transaction=True)
async def test_a_socket_idle_longer_than_the_layers_blocking_read_still_hears_events(
    open_socket, organization, agent, quiet_heartbeat
):
    """redis-py gives up on a silent read after 5 s by default; idling past that is normal."""
    communicator = await open_staff_socket(open_socket, agent)

    await asyncio.sleep(6)
    event = await database_sync_to_async(publish_now)(
        "ticket.updated", {"ticket": 12}, org_staff_group(organization.pk)
    )

    assert await next_message(communicator) == event.as_message()


@pytest.mark.django_db(transaction=True)
async def test_a_ping_is_answered_with_the_sockets_cursor_once_the_client_resumed(
    open_socket, organization, agent
):
    communicator = await open_staff_socket(open_socket, agent)

    await communicator.send_json_to({"action": "ping"})
    before = await next_message(communicator)
    await communicator.send_json_to({"action": "resume", "since": 0})
    await communicator.send_json_to({"action": "ping"})
    after = await next_message(communicator)

    assert (before, after) == ({"type": "pong"}, {"type": "pong", "cursor": 0})


@pytest.mark.django_db(transaction=True)
async def test_a_client_back_after_the_settle_time_gets_what_it_missed_before_any_newer_cursor(
    open_socket, organization, manager, settings
):
    """Down longer than the settle time, the client's cursor is older than the server's floor
    on reconnect: nothing may tell it to move past what its resume is about to bring."""
    settings.REALTIME_SETTLE_SECONDS = 0
    group = org_staff_group(organization.pk)

    def miss_some():
        return [publish_now("ticket.updated", {"n": n}, group) for n in range(3)]

    missed = await database_sync_to_async(miss_some)()
    communicator, _connected, _code = await open_socket(manager)
    hello = await communicator.receive_json_from(timeout=5)
    await communicator.send_json_to({"action": "resume", "since": 0})
    frames = []
    while not frames or "cursor" not in frames[-1]:
        frames.append(await communicator.receive_json_from(timeout=5))

    assert hello == {"type": "hello"}
    events = [frame for frame in frames if frame["type"] == "ticket.updated"]
    assert [event["id"] for event in events] == [event.pk for event in missed]
    assert frames[-1]["cursor"] >= missed[-1].pk


@pytest.mark.django_db(transaction=True)
async def test_an_unknown_or_malformed_message_is_answered_with_an_error(open_socket, agent):
    communicator = await open_staff_socket(open_socket, agent)

    await communicator.send_json_to({"action": "self-destruct"})
    unknown = await next_message(communicator)
    await communicator.send_to(text_data="{not json")
    malformed = await next_message(communicator)

    assert unknown == {"type": "error", "code": "unknown_action"}
    assert malformed == {"type": "error", "code": "unknown_action"}


@pytest.mark.django_db(transaction=True)
async def test_a_staff_member_sets_themselves_away_over_the_socket(
    open_socket, organization, agent
):
    communicator = await open_staff_socket(open_socket, agent)

    await communicator.send_json_to({"action": "presence", "status": "away"})

    away = await next_message(communicator)
    assert away["type"] == "presence.changed"
    assert away["data"]["people"] == [{"user": agent.pk, "name": str(agent), "status": "away"}]
    presence = await database_sync_to_async(Presence.objects.get)(user=agent)
    assert presence.status == "away"


# Object groups -----------------------------------------------------------------------------


@pytest.fixture
def ticket_twelve_only(monkeypatch):
    """A `ticket` object group whose only joinable object is ticket 12."""
    monkeypatch.setattr(realtime, "_object_authorizers", {})
    realtime.register_object_group("ticket", lambda user, object_id: object_id == "12")


@pytest.mark.django_db(transaction=True)
async def test_an_object_group_is_joined_only_when_its_authorizer_allows(
    open_socket, agent, ticket_twelve_only
):
    communicator = await open_staff_socket(open_socket, agent)

    await communicator.send_json_to({"action": "subscribe", "group": "ticket.13"})
    refused = await next_message(communicator)
    await communicator.send_json_to({"action": "subscribe", "group": "visit.12"})
    unregistered = await next_message(communicator)
    await communicator.send_json_to({"action": "subscribe", "group": "ticket.12"})
    joined = await next_message(communicator)
    event = await database_sync_to_async(publish_now)("ticket.updated", {"n": 1}, "ticket.12")
    await database_sync_to_async(publish_now)("ticket.updated", {"n": 2}, "ticket.13")
    delivered = await next_message(communicator)

    assert refused == {"type": "error", "code": "forbidden", "group": "ticket.13"}
    assert unregistered == {"type": "error", "code": "forbidden", "group": "visit.12"}
    assert joined == {"type": "subscribed", "group": "ticket.12"}
    assert delivered == event.as_message()


@pytest.mark.django_db(transaction=True)
async def test_a_socket_whose_object_group_is_no_longer_allowed_is_closed_to_reconnect(
    open_socket, agent, monkeypatch
):
    allowed = {"12"}
    monkeypatch.setattr(realtime, "_object_authorizers", {})
    realtime.register_object_group("ticket", lambda user, object_id: object_id in allowed)
    communicator = await open_staff_socket(open_socket, agent)
    await communicator.send_json_to({"action": "subscribe", "group": "ticket.12"})
    await next_message(communicator)

    allowed.clear()

    while (message := await communicator.receive_output(timeout=5))["type"] == "websocket.send":
        pass
    assert message == {"type": "websocket.close", "code": 4000}


# Public groups -----------------------------------------------------------------------------


def public(organization) -> str:
    """A provider's public group, which ratings registers for its public page."""
    return realtime.public_group("provider", organization.pk)


@pytest.mark.django_db(transaction=True)
async def test_an_anonymous_socket_joins_public_groups_of_real_objects_and_nothing_else(
    open_socket, organization, monkeypatch
):
    # An object group any signed-in user may join is still closed to a visitor.
    monkeypatch.setattr(realtime, "_object_authorizers", {})
    realtime.register_object_group("ticket", lambda user, object_id: True)
    communicator, _connected, _code = await open_socket(path=realtime.VISITOR_SOCKET)
    await communicator.receive_json_from(timeout=5)

    answers = {}
    for group in [
        "ticket.12",
        "org.1.staff",
        f"user.{organization.pk}",
        "public.provider.999999",
        "public.provider.acme",
        "public.nothing.1",
        public(organization),
    ]:
        await communicator.send_json_to({"action": "subscribe", "group": group})
        answers[group] = (await next_message(communicator))["type"]
    event = await database_sync_to_async(publish_now)(
        "provider.changed", {"organization": organization.pk}, public(organization)
    )
    delivered = await next_message(communicator)

    assert answers == {
        "ticket.12": "error",
        "org.1.staff": "error",
        f"user.{organization.pk}": "error",
        "public.provider.999999": "error",
        "public.provider.acme": "error",
        "public.nothing.1": "error",
        public(organization): "subscribed",
    }
    assert delivered == event.as_message()


@pytest.mark.django_db(transaction=True)
async def test_a_public_group_is_kept_through_the_rights_checks_signed_in_or_not(
    open_socket, organization, customer, monkeypatch
):
    monkeypatch.setattr("csportal.consumers.RIGHTS_CHECK_EVERY", 1)
    sockets = []
    for user in (None, customer):
        communicator, _connected, _code = await open_socket(user, path=realtime.VISITOR_SOCKET)
        await communicator.receive_json_from(timeout=5)
        await communicator.send_json_to({"action": "subscribe", "group": public(organization)})
        assert (await next_message(communicator))["type"] == "subscribed"
        sockets.append(communicator)

    for communicator in sockets:
        await heartbeats(communicator, 2)  # each one checked the socket's rights
    event = await database_sync_to_async(publish_now)(
        "provider.changed", {"organization": organization.pk}, public(organization)
    )

    for communicator in sockets:
        assert (await next_message(communicator))["id"] == event.pk


@pytest.mark.django_db(transaction=True)
async def test_a_socket_joins_a_bounded_number_of_groups_on_request(
    open_socket, organization, monkeypatch
):
    monkeypatch.setattr("csportal.consumers.MAX_SUBSCRIPTIONS", 1)
    other = await database_sync_to_async(OrganizationFactory)()
    communicator, _connected, _code = await open_socket(path=realtime.VISITOR_SOCKET)
    await communicator.receive_json_from(timeout=5)

    await communicator.send_json_to({"action": "subscribe", "group": public(organization)})
    first = await next_message(communicator)
    await communicator.send_json_to({"action": "subscribe", "group": public(other)})
    second = await next_message(communicator)
    await communicator.send_json_to({"action": "subscribe", "group": public(organization)})
    again = await next_message(communicator)

    assert first == {"type": "subscribed", "group": public(organization)}
    assert second == {"type": "error", "code": "too_many_groups", "group": public(other)}
    assert again == first


# Replay ------------------------------------------------------------------------------------


def replay(user, since) -> dict:
    client = APIClient()
    client.force_login(user)
    response = client.get(REPLAY_URL, {"since": since})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db(transaction=True)
async def test_a_client_that_reconnects_fetches_exactly_what_it_missed_in_order(
    open_socket, organization, other_organization, manager
):
    communicator = await open_staff_socket(open_socket, manager)
    seen = await database_sync_to_async(publish_now)(
        "ticket.updated", {"n": 1}, org_staff_group(organization.pk)
    )
    assert (await next_message(communicator))["id"] == seen.pk
    await communicator.disconnect(timeout=5)

    def miss_some():
        return [
            publish_now("ticket.updated", {"n": 2}, org_staff_group(organization.pk)),
            publish_now("ticket.updated", {"n": 3}, org_staff_group(other_organization.pk)),
            publish_now("ticket.updated", {"n": 4}, user_group(manager.pk)),
            publish_now("ticket.updated", {"n": 5}, org_staff_group(organization.pk)),
        ]

    second, _foreign, mine, third = await database_sync_to_async(miss_some)()
    fetched = await database_sync_to_async(replay)(manager, seen.pk)

    assert [event["id"] for event in fetched["events"]] == [second.pk, mine.pk, third.pk]
    assert fetched["events"][0] == {
        "id": second.pk,
        "type": "ticket.updated",
        "at": second.created_at.isoformat().replace("+00:00", "Z"),
        "group": org_staff_group(organization.pk),
        "data": {"n": 2},
    }
    # Nothing is final yet (all written within the settle time): resume from the start.
    assert (fetched["cursor"], fetched["more"]) == (0, False)


def test_replay_includes_an_object_group_only_when_its_authorizer_allows(
    organization, agent, ticket_twelve_only
):
    allowed = publish_now("ticket.updated", {"n": 1}, "ticket.12")
    publish_now("ticket.updated", {"n": 2}, "ticket.13")
    client = APIClient()
    client.force_login(agent)

    response = client.get(REPLAY_URL, {"since": 0, "groups": "ticket.12,ticket.13,,visit.1"})

    assert [event["id"] for event in response.json()["events"]] == [allowed.pk]


def test_replay_pages_through_a_long_gap(organization, agent):
    group = org_staff_group(organization.pk)
    Event.objects.bulk_create(
        Event(group=group, type="ticket.updated", data={"n": n})
        for n in range(realtime.REPLAY_LIMIT + 1)
    )
    ids = list(Event.objects.order_by("id").values_list("id", flat=True))

    page = replay(agent, 0)
    rest = replay(agent, page["events"][-1]["id"])

    assert ([e["id"] for e in page["events"]], page["more"]) == (ids[:-1], True)
    assert ([e["id"] for e in rest["events"]], rest["more"]) == (ids[-1:], False)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "This field is required."),
        ({"since": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"since": "ten"}, "A valid integer is required."),
    ],
)
def test_replay_without_a_valid_since_is_a_400_naming_since(agent, query, message):
    client = APIClient()
    client.force_login(agent)

    response = client.get(REPLAY_URL, query)

    assert response.status_code == 400
    assert response.json()["fields"] == {"since": [message]}


def test_replay_needs_a_logged_in_user(db):
    response = APIClient().get(REPLAY_URL, {"since": 0})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# When the channel layer is down ------------------------------------------------------------


def test_a_failing_channel_layer_neither_fails_the_change_nor_loses_the_event(
    organization, agent, django_capture_on_commit_callbacks, caplog
):
    broken = mock.Mock()
    broken.group_send = mock.AsyncMock(side_effect=ConnectionError("redis is down"))

    with (
        mock.patch("csportal.realtime.get_channel_layer", return_value=broken),
        caplog.at_level(logging.WARNING, logger="csportal.realtime"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        event = publish_now("ticket.updated", {"ticket": 12}, org_staff_group(organization.pk))

    broken.group_send.assert_awaited_once()
    assert [record.getMessage() for record in caplog.records] == [
        f"channel layer send to {org_staff_group(organization.pk)} failed"
    ]
    assert [e["id"] for e in replay(agent, 0)["events"]] == [event.pk]


def test_a_redis_that_is_down_neither_fails_the_change_nor_loses_the_event(
    organization, agent, django_capture_on_commit_callbacks, caplog, settings
):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": "redis://127.0.0.1:9", "socket_connect_timeout": 1}],
                "prefix": "down",
            },
        }
    }

    with (
        caplog.at_level(logging.WARNING, logger="csportal.realtime"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        event = publish_now("ticket.updated", {"ticket": 12}, org_staff_group(organization.pk))

    assert [record.getMessage() for record in caplog.records] == [
        f"channel layer send to {org_staff_group(organization.pk)} failed"
    ]
    assert [e["id"] for e in replay(agent, 0)["events"]] == [event.pk]


@pytest.mark.django_db
def test_the_settled_floor_is_the_newest_event_written_before_the_settle_time(settings):
    settings.REALTIME_SETTLE_SECONDS = 30
    now = timezone.now()
    old, older_id_but_recent, recent = Event.objects.bulk_create(
        Event(group="user.1", type="test.event", data={}, created_at=now - timedelta(seconds=age))
        for age in (31, 5, 1)
    )
    someone = UserFactory()

    assert realtime.settled_floor(now=now) == old.pk
    assert realtime.settled_floor(now=now - timedelta(minutes=5)) == 0
    folded = User.objects.filter(pk=someone.pk).values(
        floor=realtime.settled_floor_subquery(now=now)
    )
    assert folded.get()["floor"] == old.pk
    assert realtime.event_ids_above(["user.1"], old.pk) == [older_id_but_recent.pk, recent.pk]


# Holes: events committed out of id order, sends the layer dropped -------------------------


@pytest.mark.django_db(transaction=True)
async def test_an_event_committed_after_a_higher_numbered_one_still_reaches_the_socket(
    open_socket, organization, manager
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: ids can't commit out of order (CI runs it)")
    communicator = await open_staff_socket(open_socket, manager)
    group = org_staff_group(organization.pk)
    written, release = threading.Event(), threading.Event()

    def slow_change():
        # Its id is taken first, it commits last, and its live send is lost on the way.
        try:
            with transaction.atomic():
                [event] = Event.objects.bulk_create(realtime.events_for([("t.slow", {}, [group])]))
                written.set()
                release.wait(10)
            return event
        finally:
            connections.close_all()

    slow = asyncio.get_running_loop().run_in_executor(None, slow_change)
    await asyncio.to_thread(written.wait, 10)
    fast = await database_sync_to_async(publish_now)("t.fast", {}, group)
    assert await next_message(communicator) == fast.as_message()
    release.set()
    late = await slow

    filled = await next_message(communicator)

    assert late.pk < fast.pk
    assert filled == late.as_message()
    # A cursor of "the newest id seen" would have skipped it for good.
    skipped = await database_sync_to_async(realtime.events_since)([group], fast.pk)
    assert late.pk not in [event.pk for event in skipped]


@pytest.mark.django_db(transaction=True)
async def test_events_published_while_redis_is_paused_reach_the_socket_once_it_answers(
    open_socket, organization, manager, caplog
):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (CI runs it)")
    communicator = await open_staff_socket(open_socket, manager)
    group = org_staff_group(organization.pk)
    redis_client = redis.Redis.from_url(settings.REDIS_URL)

    redis_client.client_pause(3000)
    with caplog.at_level(logging.WARNING, logger="csportal.realtime"):
        published = [
            await database_sync_to_async(publish_now)("t.paused", {"n": n}, group) for n in range(3)
        ]
    received = [await next_message(communicator, timeout=20) for _ in published]

    assert sorted(event["id"] for event in received) == [event.pk for event in published]
    # Each once: the beats after bring nothing again.
    await heartbeats(communicator, 2)
