"""Django's Redis cache, with one client object per connection pool instead of one per call.

Django's RedisCacheClient.get_client builds a new `redis.Redis` for every cache operation,
and redis-py 8 fills each new client's table of ~170 response callbacks: 0.115 ms, twice what
a GET itself costs here. A `redis.Redis` is safe to share between threads (each command
takes a connection from the pool), so one per pool does.
"""

from collections.abc import Callable

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

from . import redis_batch


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient


def set_soon(key: str, value, timeout=DEFAULT_TIMEOUT) -> None:
    """`cache.set` on the default cache, sent with the request's other Redis commands
    (csportal.redis_batch); at once when that cache is not Redis."""
    default = caches["default"]
    if not isinstance(default, RedisCache):
        default.set(key, value, timeout)
        return
    client, key, data, seconds = _prepared(default, key, value, timeout)
    redis_batch.run(client, lambda pipeline: pipeline.set(key, data, ex=seconds))


def add_soon(key: str, value, timeout, then: Callable[[bool], None]) -> None:
    """`cache.add` the same way; `then(added)` runs once the reply is in."""
    default = caches["default"]
    if not isinstance(default, RedisCache):
        then(default.add(key, value, timeout))
        return
    client, key, data, seconds = _prepared(default, key, value, timeout)
    redis_batch.run(
        client,
        lambda pipeline: pipeline.set(key, data, ex=seconds, nx=True),
        then=lambda replies: then(bool(replies[0])),
    )


def _prepared(default: RedisCache, key: str, value, timeout):
    # What RedisCache.set does before it calls Redis: the full key, the encoded value, and
    # the expiry in seconds (None: none). A timeout of 0 means "delete" there; not here.
    seconds = default.get_backend_timeout(timeout)
    if seconds == 0:
        raise ValueError("a timeout of 0 deletes; call cache.delete")
    key = default.make_and_validate_key(key)
    client = default._cache.get_client(key, write=True)
    return client, key, default._cache._serializer.dumps(value), seconds
