"""Helpers for values the apps keep in the cache."""

from collections.abc import Callable
from typing import Any, TypeVar, cast
from uuid import uuid4

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")


def forget(*keys: str) -> None:
    """Drop cached values now, and again once the transaction commits: a reader in between
    may have cached a value from before the change."""
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def new_token() -> str:
    """A value no other version of a cached thing had: kept under a key that writers
    forget, it names the version that entries read under it belong to."""
    return uuid4().hex


def remember(key: str, compute: Callable[[], T], timeout: float | None) -> T:
    """`cache.get_or_set` that keeps the value's type: the cache holds only what `compute`
    returns under `key`, so what comes back is a `T`."""
    return cast(T, cache.get_or_set(key, compute, timeout))


def remember_many(wanted: dict[str, tuple[Callable[[], Any], float | None]]) -> dict[str, Any]:
    """`remember` for several keys in one round trip when all are cached: {key: (compute,
    timeout)} -> {key: value}."""
    found = cache.get_many(list(wanted))
    for key, (compute, timeout) in wanted.items():
        if key not in found:
            found[key] = cache.get_or_set(key, compute, timeout)
    return found
