"""What the ticket app keeps in the cache, and what makes it stale.

Inbox pages are cached whole (rows, pager and tab counts) for a minute under the
organization's inbox version, which every ticket change replaces after it commits. The
version is read before the database, so a page rendered from older rows can only be stored
under a version that is already gone. What no ticket change announces (a person renaming
themselves, a ticket turning overdue with the clock) shows within the minute.
"""

import hashlib

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from csportal.caching import new_token

INBOX_SECONDS = 60
# An organization's SLA table and category list: dropped by the services that change them.
SETTINGS_SECONDS = 300


def sla_key(organization_id: int) -> str:
    return f"tickets:sla:{organization_id}"


def categories_key(organization_id: int) -> str:
    return f"tickets:categories:{organization_id}"


def _version_key(organization_id: int) -> str:
    return f"tickets:inbox-version:{organization_id}"


def inbox_version(organization_id: int) -> str:
    # A random value rather than a counter: an evicted counter would start again at a number
    # whose pages may still be cached. When two processes make one at once, the cache keeps
    # the first (get_or_set adds, then reads back); if it kept none, ours matches no page.
    return cache.get_or_set(_version_key(organization_id), new_token, None)


def inbox_page_key(organization_id: int, user_id: int, full_path: str) -> str:
    """One agent's view of one inbox address, in their language and time zone."""
    address = hashlib.blake2b(full_path.encode(), digest_size=16).hexdigest()
    return (
        f"tickets:inbox:{organization_id}:{inbox_version(organization_id)}:{user_id}:"
        f"{translation.get_language()}:{timezone.get_current_timezone_name()}:{address}"
    )


def tickets_changed(organization_id: int) -> None:
    """Every inbox page of the organization cached so far is stale once this commits."""
    key = _version_key(organization_id)
    # Robust: the change is committed; a Redis error must not fail its response. The pages
    # then stay up to INBOX_SECONDS late.
    transaction.on_commit(lambda: cache.set(key, new_token(), None), robust=True)


TIMELINE_SECONDS = 600


def timeline_key(ticket, *, staff: bool) -> str:
    """The latest stretch of a ticket's timeline as staff or its customer see it.

    Every entry moves the ticket's updated_at, read before the entries, so a new entry makes
    a new key. An author's new name shows within TIMELINE_SECONDS."""
    return (
        f"tickets:timeline:{ticket.pk}:{ticket.updated_at.timestamp()}:{int(staff)}:"
        f"{translation.get_language()}:{timezone.get_current_timezone_name()}"
    )


def timeline_page_key(ticket, *, staff: bool, address: str) -> str:
    """One page of the timeline API (`address` carries the page and its size), under the
    same rule as `timeline_key`."""
    digest = hashlib.blake2b(address.encode(), digest_size=16).hexdigest()
    return f"{timeline_key(ticket, staff=staff)}:api:{digest}"
