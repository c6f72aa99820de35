"""What the ratings app keeps in the cache, and the writes that make it stale.

- `technician_scores_key(organization)`: a token that changes whenever a score of the
  organization does: every score write goes through `scores._apply` or `scores_recompute`,
  and both drop it (`scores_changed`), never a signal (their UPDATEs send none).
- `technician_ratings_key(...)`: the points and review counts of one set of technicians
  (everyone covering an availability search's area: the same few dozen people search after
  search), with the token they were read under; an entry under an older token is read
  again.

The availability search asks for its candidates' ratings on every request; the query cost
more CPU than the search's own work (bench/technicians_load.py), while scores change only
when a review does.
"""

import hashlib

from csportal.caching import forget

# In every entry's key: a deploy that changes what is cached bumps it.
LAYOUT = 1
# A token nobody forgets stays right; expiring it only bounds what entries under it keep.
TOKEN_SECONDS = 24 * 3600
RATINGS_SECONDS = 600


def technician_scores_key(organization_id: int) -> str:
    return f"ratings:technician-scores:{organization_id}"


def technician_ratings_key(organization_id: int, user_ids: list[int]) -> str:
    people = hashlib.blake2b(",".join(map(str, user_ids)).encode(), digest_size=16).hexdigest()
    return f"ratings:technician-ratings:{LAYOUT}:{organization_id}:{people}"


def scores_changed(organization_id: int) -> None:
    forget(technician_scores_key(organization_id))
