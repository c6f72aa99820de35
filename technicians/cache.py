"""What the availability search keeps in the cache, and the writes that make it stale.

Every search (the customer's page, the desk, `GET /api/v1/availability`) reads the same
setup before it reads anybody's bookings: the product line, the postal code's area and the
technicians covering it with the skill, with their working hours and time off. Under load
those reads cost more than the search itself (bench/technicians_load.py), and they change
only when a manager or a technician changes the setup. So they are cached:

- `catalog_key(organization)`: a token, the product lines by skill and each postal-code
  prefix's area. Dropped by `setup_changed`, which every change of offices, areas, product
  lines, profiles, skills, working hours, time off or visit rules calls
  (services.events.publish_setup).
- `place_key(...)`: one area's technicians with one product line's skill, with their
  working hours and time off (one read of an area fills the entries of all its product
  lines), under the catalog's token and the staff token of accounts
  (accounts.cache.staff_key), so a new catalog or a change of the staff (a membership
  suspended, a new role or skills, a new name) leaves it behind; it expires on its own.

Bookings are never cached: they are what the search is for. The technicians' ratings are
cached by the ratings app behind its registry entry (ratings.cache), asked for everyone
covering the area (`_Place.rated`) so that one entry serves all its product lines. Booking
checks its technician against the database inside its transaction (availability.offer_for),
never against the cache.
"""

from csportal.caching import forget

# In every key: a deploy that changes what is cached (availability._Catalog, _Place) bumps
# it, so that no process unpickles a value of the old shape left by the previous release.
LAYOUT = 3
CATALOG_SECONDS = 600
PLACE_SECONDS = 600


def catalog_key(organization_id: int) -> str:
    return f"technicians:catalog:{LAYOUT}:{organization_id}"


def place_key(catalog_token: str, staff_token: str, area_id: int, skill: str) -> str:
    return f"technicians:place:{LAYOUT}:{catalog_token}:{staff_token}:{area_id}:{skill}"


def setup_changed(organization_id: int) -> None:
    forget(catalog_key(organization_id))
