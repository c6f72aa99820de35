"""What the accounts app keeps in the cache, and the writes that make it stale.

Three values, each dropped by the services that change the rows behind it, never by signals:
a `queryset.update()` sends none, so a signal would miss it.

- `memberships_key(user)`: the person's active staff memberships with their organizations
  (`selectors.request_memberships`, read by every staff page). Stale when one of their
  memberships is made, suspended, restored or given another role, and when one of those
  organizations changes.
- `assignable_key(organization)`: (user id, name) of the people the organization's work can
  be given to (`selectors.assignable_people`, on every staff ticket page). Stale when a
  membership there is made, suspended, restored or given another role, and when one of its
  people changes their name.
- `staff_key(organization)`: a token that changes whenever the organization's staff does,
  for caches of what other apps derive from it (technicians' availability search keeps its
  candidates under it). New when a membership there is made, suspended, restored, given
  another role or other skills, and when one of its people changes their name or email.

The signed-in user is not cached: the session's user is read from the database on each
request (one query by primary key), so a new password, a deactivation or a new name shows
on the next request whatever wrote it.
"""

from csportal.caching import forget

from .models import Membership

MEMBERSHIPS_SECONDS = 300
# A token nobody forgets stays right; expiring it only bounds what keys under it keep.
STAFF_TOKEN_SECONDS = 24 * 3600


def memberships_key(user_id: int) -> str:
    return f"accounts:memberships:{user_id}"


def assignable_key(organization_id: int) -> str:
    return f"accounts:assignable:{organization_id}"


def staff_key(organization_id: int) -> str:
    return f"accounts:staff:{organization_id}"


def membership_changed(*, user_id: int, organization_id: int) -> None:
    """A membership was made, suspended, restored or given another role."""
    forget(memberships_key(user_id), assignable_key(organization_id), staff_key(organization_id))


def skills_changed(organization_id: int) -> None:
    """A member's skills changed: who can be sent which work."""
    forget(staff_key(organization_id))


def organization_changed(organization_id: int) -> None:
    """The organization's name, slug or time zone changed: its members' memberships show it."""
    user_ids = Membership.objects.filter(organization_id=organization_id).values_list(
        "user_id", flat=True
    )
    forget(*(memberships_key(user_id) for user_id in user_ids))


def person_renamed(user_id: int) -> None:
    """The person's name or email changed: the lists of whom work can be given to show it."""
    organization_ids = Membership.objects.filter(user_id=user_id).values_list(
        "organization_id", flat=True
    )
    forget(
        *(assignable_key(organization_id) for organization_id in organization_ids),
        *(staff_key(organization_id) for organization_id in organization_ids),
    )
