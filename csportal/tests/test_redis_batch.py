"""Redis commands sent after commit: together at the end of a request, at once elsewhere."""

import logging
from unittest import mock

import pytest
import redis
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache

from accounts.tests.factories import online
from csportal import redis_batch
from csportal.redis_cache import add_soon, set_soon
from tickets.cache import inbox_version
from tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")


@pytest.fixture
def client_of_redis():
    return redis.Redis.from_url(settings.REDIS_URL)


@pytest.fixture
def round_trips():
    """How many pipelines went to Redis."""
    sent = []
    execute = redis.client.Pipeline.execute

    def counted(pipeline, *args, **kwargs):
        sent.append(len(pipeline))
        return execute(pipeline, *args, **kwargs)

    with mock.patch.object(redis.client.Pipeline, "execute", counted):
        yield sent


def test_inside_a_block_commands_wait_for_its_end_and_go_in_one_round_trip(round_trips):
    with redis_batch.batched():
        set_soon("batch:a", "first", None)
        set_soon("batch:b", "second", None)
        assert cache.get("batch:a") is None

    assert (cache.get("batch:a"), cache.get("batch:b")) == ("first", "second")
    assert round_trips == [2]


def test_outside_a_block_a_command_goes_at_once():
    set_soon("batch:now", "sent", 60)

    assert cache.get("batch:now") == "sent"


def test_each_caller_gets_its_own_replies():
    cache.set("batch:taken", "already")
    outcomes = []

    with redis_batch.batched():
        add_soon("batch:taken", 1, 60, then=lambda added: outcomes.append(("taken", added)))
        add_soon("batch:free", 1, 60, then=lambda added: outcomes.append(("free", added)))

    assert outcomes == [("taken", False), ("free", True)]
    assert cache.get("batch:taken") == "already"


def test_flush_sends_what_is_queued_so_far_for_a_reader_in_the_same_request(organization):
    before = inbox_version(organization.pk)

    with redis_batch.batched():
        set_soon(f"tickets:inbox-version:{organization.pk}", "replaced", None)
        assert inbox_version(organization.pk) == "replaced"

    assert before != "replaced"


def test_a_server_that_fails_tells_each_caller_and_does_not_raise(caplog):
    down = redis.Redis.from_url("redis://127.0.0.1:9", socket_connect_timeout=1)
    failures = []

    with caplog.at_level(logging.WARNING, logger="csportal.redis_batch"), redis_batch.batched():
        redis_batch.run(down, lambda p: p.set("x", 1), failed=failures.append)
        redis_batch.run(down, lambda p: p.set("y", 1))

    assert [type(error) for error in failures] == [redis.ConnectionError]
    assert "Redis commands after commit failed" in caplog.text


def test_a_reply_handler_that_raises_is_logged_and_the_block_still_ends(caplog):
    def broken(replies):
        raise RuntimeError("handler bug")

    with redis_batch.batched():
        redis_batch.run(cache._cache.get_client(write=True), lambda p: p.ping(), then=broken)

    assert "handling Redis replies after commit failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_an_api_ticket_sends_its_live_events_version_and_drain_flag_in_one_round_trip(
    organization, customer, agent, client_of_redis, round_trips
):
    from rest_framework.test import APIClient

    online(agent)
    layer = get_channel_layer()
    listener = client_of_redis.pubsub()
    listener.psubscribe(f"{layer._kwargs['prefix']}__group__*")
    listener.get_message(timeout=1)  # the subscription's own confirmation
    version = inbox_version(organization.pk)
    round_trips.clear()
    api = APIClient()
    api.force_authenticate(customer)

    with mock.patch("notifications.tasks.drain_pending_notifications.delay") as drain:
        response = api.post(
            "/api/v1/tickets/",
            {
                "organization": organization.slug,
                "subject": "No heat",
                "body": "Cold radiators.",
                "category": CategoryFactory(organization=organization).pk,
            },
            format="json",
        )

    assert response.status_code == 201
    assert round_trips == [4]  # two PUBLISHes, the inbox version, the drain's flag
    assert inbox_version(organization.pk) != version
    drain.assert_called_once()
    prefix = f"{layer._kwargs['prefix']}__group__"
    published = {}
    while (message := listener.get_message(timeout=1)) is not None:
        group = message["channel"].decode().removeprefix(prefix)
        published[group] = layer.deserialize(message["data"])["event"]
    assert sorted(published) == sorted(
        [f"org.{organization.pk}.audience.tickets", f"user.{customer.pk}"]
    )
    assert {event["data"]["ticket"]["id"] for event in published.values()} == {response.data["id"]}
    listener.close()
