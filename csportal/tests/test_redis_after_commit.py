"""What a request sends to Redis after its commit: each piece sends its own, nobody flushes."""

from unittest import mock

import pytest
import redis
from channels.layers import get_channel_layer
from django.conf import settings
from rest_framework.test import APIClient

from accounts.tests.factories import online
from csportal.models import Event
from notifications.models import PendingNotification
from tickets.cache import inbox_version
from tickets.models import Ticket
from tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")


@pytest.fixture
def round_trips():
    """What went to Redis: each pipeline with its commands, and each command on its own."""
    sent = []
    execute, command = redis.client.Pipeline.execute, redis.Redis.execute_command

    def piped(pipeline, *args, **kwargs):
        sent.append([args[0] for args, _options in pipeline.command_stack])
        return execute(pipeline, *args, **kwargs)

    def single(client, *args, **kwargs):
        sent.append(args[0])
        return command(client, *args, **kwargs)

    with (
        mock.patch.object(redis.client.Pipeline, "execute", piped),
        mock.patch.object(redis.Redis, "execute_command", single),
    ):
        yield sent


@pytest.mark.django_db(transaction=True)
def test_an_api_ticket_sends_its_live_events_inbox_version_and_drain_flag_after_its_commit(
    organization, customer, agent, round_trips
):
    online(agent)
    listener = redis.Redis.from_url(settings.REDIS_URL).pubsub()
    prefix = f"{settings.CHANNEL_LAYERS['default']['CONFIG']['prefix']}__group__"
    listener.psubscribe(f"{prefix}*")
    listener.get_message(timeout=1)  # the subscription's own confirmation
    version = inbox_version(organization.pk)
    category = CategoryFactory(organization=organization)
    api = APIClient()
    api.force_authenticate(customer)
    round_trips.clear()

    with mock.patch("notifications.tasks.drain_pending_notifications.delay") as drain:
        response = api.post(
            "/api/v1/tickets/",
            {"organization": "acme", "subject": "Cold", "body": "Brr.", "category": category.pk},
            format="json",
        )

    assert response.status_code == 201
    # The inbox version, both events' PUBLISHes in one pipeline, the drain's SET NX: three
    # round trips (one pipeline at the end of the request before; see the README).
    assert round_trips == ["SET", ["PUBLISH", "PUBLISH"], "SET"]
    assert inbox_version(organization.pk) != version
    drain.assert_called_once()
    layer = get_channel_layer()
    published = {}
    while (message := listener.get_message(timeout=1)) is not None:
        group = message["channel"].decode().removeprefix(prefix)
        published[group] = layer.deserialize(message["data"])["event"]
    assert sorted(published) == sorted(
        [f"org.{organization.pk}.audience.tickets", f"user.{customer.pk}"]
    )
    assert {event["data"]["ticket"]["id"] for event in published.values()} == {response.data["id"]}
    listener.close()


@pytest.mark.django_db(transaction=True)
def test_a_redis_that_fails_after_the_commit_fails_neither_the_request_nor_the_ticket(
    organization, customer, agent, caplog
):
    online(agent)
    api = APIClient()
    api.force_authenticate(customer)
    gone = redis.ConnectionError("Redis is gone")

    with (
        mock.patch.object(redis.Redis, "execute_command", side_effect=gone),
        mock.patch.object(redis.client.Pipeline, "execute", side_effect=gone),
    ):
        response = api.post(
            "/api/v1/tickets/",
            {"organization": "acme", "subject": "No heat", "body": "Cold."},
            format="json",
        )

    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.data["id"])
    assert Event.objects.filter(data__ticket__id=ticket.pk).count() == 2  # for the heartbeat
    assert PendingNotification.objects.filter(recipient=agent).count() == 1  # for the sweep
    # Each piece logs its own failure: the inbox version, the live events, the drain's flag.
    assert [(r.name, str(r.exc_info[1])) for r in caplog.records] == [
        ("django.db.backends.base", "Redis is gone"),
        ("csportal.realtime", "Redis is gone"),
        ("django.db.backends.base", "Redis is gone"),
    ]
