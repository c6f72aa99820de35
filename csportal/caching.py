"""Helpers for values the apps keep in the cache."""

from django.core.cache import cache
from django.db import transaction


def forget(key: str) -> None:
    """Drop a cached value now, and again once the transaction commits: a reader in between
    may have cached the value from before the change."""
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
