"""Fixed-window counters in the cache, for limits shared by every process."""

import contextlib

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache


def take(limits: list[tuple[str, int]], *, window: int) -> bool:
    """Count one hit on each (key, limit); if any goes over, undo them all and say no.

    On Redis this is one pipelined round trip (INCR + EXPIRE NX per key), which matters on
    paths that run for every message sent.
    """
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return _take_redis(cache, limits, window)
    counts = []
    for key, _limit in limits:
        cache.add(key, 0, timeout=window)
        try:
            counts.append(cache.incr(key))
        except ValueError:  # expired between the two calls: a new window
            cache.set(key, 1, timeout=window)
            counts.append(1)
    if any(count > limit for count, (_key, limit) in zip(counts, limits, strict=True)):
        for key, _limit in limits:
            with contextlib.suppress(ValueError):  # expired meanwhile: nothing to undo
                cache.decr(key)
        return False
    return True


def _take_redis(cache: RedisCache, limits: list[tuple[str, int]], window: int) -> bool:
    keys = [cache.make_and_validate_key(key) for key, _limit in limits]
    client = cache._cache.get_client(write=True)
    pipeline = client.pipeline(transaction=False)
    for key in keys:
        pipeline.incr(key)
        pipeline.expire(key, window, nx=True)
    counts = pipeline.execute()[0::2]
    if any(count > limit for count, (_key, limit) in zip(counts, limits, strict=True)):
        pipeline = client.pipeline(transaction=False)
        for key in keys:
            pipeline.decr(key)
        pipeline.execute()
        return False
    return True
