"""The cache and the Celery broker share one Redis client each, and still work as before."""

import pytest
from django.conf import settings
from django.core.cache import cache

from csportal.celery import app

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")


def test_the_cache_answers_every_call_through_the_same_client():
    cache.set("shared-client", {"n": 1})

    assert cache.get("shared-client") == {"n": 1}
    assert cache._cache.get_client() is cache._cache.get_client(write=True)


def test_the_broker_channel_publishes_through_one_client_until_its_pool_is_replaced():
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
            assert first is second
            assert first.ping()
        channel._pool = None  # what kombu does when it drops its connections

        with channel.conn_or_acquire() as after_reset:
            assert after_reset is not first
            assert after_reset.connection_pool is channel.pool
