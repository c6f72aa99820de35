"""The cache and the Celery broker share one Redis client each, and still work as before."""

import pytest
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")


def test_the_cache_answers_every_call_through_the_same_client():
    cache.set("shared-client", {"n": 1})

    assert cache.get("shared-client") == {"n": 1}
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
