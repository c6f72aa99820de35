"""Helpers for values the apps keep in the cache."""

from django.core.cache import cache
from django.db import transaction


def forget(*keys: str) -> None:
    """Drop cached values now, and again once the transaction commits: a reader in between
    may have cached a value from before the change."""
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
