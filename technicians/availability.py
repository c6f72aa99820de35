"""Who can come, and when: the one search behind the customer's booking page, the desk and
`GET /api/v1/availability`.

A technician is free for a wished time [start, end) when they cover the postal code's area
(its longest prefix), have the product line's skill, work then (their weekly hours, in the
organization's time zone), are not off, and have no booked visit overlapping it. The free
ones come lightest day first (booked minutes that local day), then best rated (through
technicians.registries; unrated last). When nobody is free, the nearest free times of the
same length: earlier that day and then the days before (never in the past), later that day
and then the days after, up to ALTERNATIVE_DAYS away, each with the technician who would
come, chosen the same way. Those days are read outward from the wished day, a ring at a
time (ALTERNATIVE_RINGS), and no further than the nearest free times need.

What a search reads, whatever the number of technicians, visits or days: the organization's
setup (its rules, product lines and postal prefixes, and the area's technicians with the
skill, their users, working hours and time off) from the cache in two round trips
(technicians.cache; eight queries when cold), then their bookings over the wished day and
their ratings (through the registry): 2 queries warm. When nobody is free, one more for each
ring of days read beyond the wished day: still 2 when the wished day holds the nearest free
times, 3 when its neighbours do, 4 at most. Booking's own check (`offer_for`) reads the one
technician from the database instead. All times are compared in UTC; a local day
is from one local midnight to the next, 23 or 25 hours long on the days the clocks change.
"""

import zoneinfo
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.core.cache import cache as shared_cache
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import cache as accounts_cache
from accounts.models import AgentSkill, Organization, Role, User
from csportal.caching import new_token, remember_many

from . import cache
from .models import (
    MAX_VISIT,
    PostalPrefix,
    ProductLine,
    ServiceArea,
    ServiceRequest,
    TechnicianProfile,
    TimeOff,
    VisitSettings,
    VisitStatus,
    WorkingHours,
    normalize_postal_code,
)
from .registries import TechnicianRating, technician_ratings
from .selectors import SETTINGS_SECONDS, read_visit_settings, settings_key, visit_settings

ALTERNATIVE_DAYS = 14
# How far from the wished day each reading of the alternatives goes, in days: the wished day
# (already read for the direct answer), its neighbours, then the rest of the fortnight only
# when those hold too few free times.
ALTERNATIVE_RINGS = (range(0, 1), range(1, 4), range(4, ALTERNATIVE_DAYS + 1))
ALTERNATIVES_BEFORE = 3
ALTERNATIVES_AFTER = 5
BOOKING_HORIZON = timedelta(days=365)

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Offer:
    """A technician who can come, as the customer sees them."""

    profile: TechnicianProfile  # with membership.user loaded
    booked_minutes: int  # already booked that local day
    rating: TechnicianRating | None

    @property
    def technician(self) -> User:
        return self.profile.membership.user


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    offer: Offer


@dataclass(frozen=True)
class Availability:
    start: datetime
    end: datetime
    product: ProductLine
    area: ServiceArea | None  # None: the organization doesn't cover the postal code
    free: list[Offer] = field(default_factory=list)  # ranked, best first
    before: list[Slot] = field(default_factory=list)  # nearest first
    after: list[Slot] = field(default_factory=list)  # nearest first


def area_for(organization: Organization, postal_code: str) -> ServiceArea | None:
    """The area whose prefix is the longest start of `postal_code` (normalized), if any."""
    code = normalize_postal_code(postal_code)
    prefixes = [code[:length] for length in range(1, len(code) + 1)]
    match = (
        PostalPrefix.objects.filter(organization=organization, prefix__in=prefixes)
        .select_related("area__branch_office")
        .order_by("-prefix")  # one code's prefixes sort longest last: reversed, longest first
        .first()
    )
    return match.area if match is not None else None


def search(
    organization: Organization,
    postal_code: str,
    skill: str,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    exclude_visit_id: int | None = None,
) -> Availability:
    """The free technicians for [start, end), or the nearest free times when none is.

    Raises ValidationError naming `postal_code`, `skill`, `start` or `end` for bad input.
    `exclude_visit_id`: a visit being moved, whose own time doesn't count as taken.
    """
    setup = _CachedSetup(organization)
    wish = _Wish.checked(setup, postal_code, skill, start, end, now, exclude_visit_id)
    return wish.answer()


def offer_for(
    organization: Organization,
    technician: User,
    postal_code: str,
    skill: str,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    exclude_visit_id: int | None = None,
) -> tuple[Availability, Offer | None]:
    """Whether `technician` in particular is free for [start, end), as `search` would offer
    them: (the wish with its area and product, their offer or None). Booking asks this again
    inside its transaction."""
    setup = _LiveSetup(organization, technician)
    wish = _Wish.checked(setup, postal_code, skill, start, end, now, exclude_visit_id)
    return wish.empty(), next(iter(wish.free()), None)


Hours = dict[int, dict[int, list[tuple[time, time]]]]  # profile id -> weekday -> [(start, end)]


@dataclass(frozen=True)
class _Place:
    """Where a wish is, for one product line: the postal code's area (None when no area
    covers it) and the technicians who could come, with their working hours and their time
    off from the day before the search on (a search never looks further back than today)."""

    area: ServiceArea | None
    candidates: list[TechnicianProfile]
    hours: Hours
    time_off: dict[int, list[Interval]]  # by profile id, sorted
    # Whose ratings a search here reads: everyone covering the area, whatever their skills,
    # so that the ratings app's cached answer for them (ratings.cache) serves every product
    # line of the area and warms as fast as the places do.
    rated: list[int]  # user ids


NOWHERE = _Place(None, [], {}, {}, [])
TIME_OFF_BEHIND = timedelta(days=2)


class _LiveSetup:
    """The organization's setup as the database has it now: what booking checks inside its
    transaction, for one technician."""

    def __init__(self, organization: Organization, technician: User):
        self.organization = organization
        self.technician = technician
        self.settings = visit_settings(organization)

    def product(self, skill: str) -> ProductLine | None:
        return ProductLine.objects.filter(organization=self.organization, skill=skill).first()

    def place(self, postal_code: str, product: ProductLine, now: datetime) -> _Place:
        area = area_for(self.organization, postal_code)
        if area is None:
            return NOWHERE
        return _read_place(self.organization, area, product, self.technician, now)


@dataclass(frozen=True)
class _Catalog:
    token: str  # new with every catalog: the places cached under the last one are left behind
    products: dict[str, ProductLine]  # by skill
    areas: dict[str, int]  # each postal-code prefix's area id


class _CachedSetup:
    """The organization's setup as searches read it: through the cache (technicians.cache),
    in two round trips when it is warm (the catalog, staff token and rules; then the place),
    instead of four queries."""

    def __init__(self, organization: Organization):
        self.organization = organization
        keys = (
            cache.catalog_key(organization.pk),
            accounts_cache.staff_key(organization.pk),
            settings_key(organization.pk),
        )
        found = remember_many(
            {
                keys[0]: (lambda: _read_catalog(organization), cache.CATALOG_SECONDS),
                keys[1]: (new_token, accounts_cache.STAFF_TOKEN_SECONDS),
                keys[2]: (lambda: read_visit_settings(organization), SETTINGS_SECONDS),
            }
        )
        self.catalog: _Catalog = found[keys[0]]
        self.staff_token: str = found[keys[1]]
        self.settings: VisitSettings = found[keys[2]]

    def product(self, skill: str) -> ProductLine | None:
        return self.catalog.products.get(skill)

    def place(self, postal_code: str, product: ProductLine, now: datetime) -> _Place:
        prefixes = (postal_code[:length] for length in range(len(postal_code), 0, -1))
        area_id = next((self.catalog.areas[p] for p in prefixes if p in self.catalog.areas), None)
        if area_id is None:
            return NOWHERE
        place = shared_cache.get(self._key(area_id, product.skill))
        if place is None:
            # One read of the area fills its entry for every product line: a few hundred
            # reads warm an organization's searches, and each search unpickles only the
            # technicians with its skill.
            places = self._read(area_id, now)
            keyed = {self._key(area_id, skill): place for skill, place in places.items()}
            shared_cache.set_many(keyed, cache.PLACE_SECONDS)
            place = places[product.skill]
        return place

    def _key(self, area_id: int, skill: str) -> str:
        return cache.place_key(self.catalog.token, self.staff_token, area_id, skill)

    def _read(self, area_id: int, now: datetime) -> dict[str, _Place]:
        """The area's place for each of the catalog's product lines."""
        area = ServiceArea.objects.select_related("branch_office").get(pk=area_id)
        profiles = list(_technicians(self.organization, area))
        skills: dict[int, set[str]] = defaultdict(set)
        rows = AgentSkill.objects.filter(membership__in=[p.membership_id for p in profiles])
        for membership_id, skill in rows.values_list("membership_id", "skill"):
            skills[membership_id].add(skill)
        hours, time_off = _hours_of(profiles), _time_off_of(profiles, now)
        rated = sorted(p.membership.user_id for p in profiles)
        places = {}
        for skill in self.catalog.products:
            skilled = [p for p in profiles if skill in skills[p.membership_id]]
            places[skill] = _Place(
                area,
                skilled,
                {p.pk: hours[p.pk] for p in skilled if p.pk in hours},
                {p.pk: time_off[p.pk] for p in skilled if p.pk in time_off},
                rated,
            )
        return places


def _read_catalog(organization: Organization) -> _Catalog:
    return _Catalog(
        token=new_token(),
        products={p.skill: p for p in ProductLine.objects.filter(organization=organization)},
        areas=dict(
            PostalPrefix.objects.filter(organization=organization).values_list("prefix", "area_id")
        ),
    )


def _read_place(
    organization: Organization,
    area: ServiceArea,
    product: ProductLine,
    technician: User,
    now: datetime,
) -> _Place:
    """`technician`, if they could come to the area for the product, with their hours and
    time off."""
    skilled = AgentSkill.objects.filter(membership=OuterRef("membership"), skill=product.skill)
    profiles = list(
        _technicians(organization, area).filter(Exists(skilled), membership__user=technician)
    )
    rated = [p.membership.user_id for p in profiles]
    return _Place(area, profiles, _hours_of(profiles), _time_off_of(profiles, now), rated)


def _technicians(organization: Organization, area: ServiceArea) -> QuerySet[TechnicianProfile]:
    """The organization's active technicians covering the area."""
    return (
        TechnicianProfile.objects.filter(
            organization=organization,
            areas=area,
            membership__is_active=True,
            membership__role=Role.TECHNICIAN,
            membership__user__is_active=True,
        )
        .select_related("membership__user")
        # What an offer shows and ranks by; a user row is mostly what it doesn't.
        .only(
            "introduction",
            "photo",
            "photo_type",
            "years_of_experience",
            "organization_id",
            "membership__user__email",
            "membership__user__full_name",
        )
        .order_by("pk")
    )


def _hours_of(profiles: list[TechnicianProfile]) -> Hours:
    hours: Hours = {}
    rows = WorkingHours.objects.filter(technician__in=[p.pk for p in profiles])
    for profile_id, weekday, start, end in rows.values_list(
        "technician_id", "weekday", "start", "end"
    ):
        hours.setdefault(profile_id, {}).setdefault(weekday, []).append((start, end))
    return hours


def _time_off_of(profiles: list[TechnicianProfile], now: datetime) -> dict[int, list[Interval]]:
    time_off: dict[int, list[Interval]] = defaultdict(list)
    rows = TimeOff.objects.filter(
        technician__in=[p.pk for p in profiles], end__gt=now - TIME_OFF_BEHIND
    ).order_by("start", "end")
    for profile_id, start, end in rows.values_list("technician_id", "start", "end"):
        time_off[profile_id].append((start.astimezone(UTC), end.astimezone(UTC)))
    return dict(time_off)


class _Wish:
    def __init__(self, setup, product, place, start, end, now, exclude_visit_id):
        self.organization = setup.organization
        self.zone = zoneinfo.ZoneInfo(self.organization.timezone)
        self.settings = setup.settings
        self.product = product
        self.area = place.area
        self._candidates = place.candidates
        self._hours = place.hours
        self._rated = place.rated
        self.start = start
        self.end = end
        self.now = now
        self.exclude_visit_id = exclude_visit_id
        self.day = start.astimezone(self.zone).date()
        self._ratings: dict[int, TechnicianRating] | None = None
        self._loaded: set[date] = set()
        self._busy: dict[int, list[Interval]] = dict(place.time_off)
        self._booked: dict[tuple[int, date], int] = {}
        self._free_by_day: dict[date, dict[int, list[Interval]]] = {}
        self._grids: dict[date, list[datetime]] = {}

    @classmethod
    def checked(cls, setup, postal_code, skill, start, end, now, exclude_visit_id):
        errors: dict[str, list[str]] = {}
        try:
            normalize_postal_code(postal_code)
        except ValidationError as error:
            errors["postal_code"] = error.messages
        for name, value in (("start", start), ("end", end)):
            if value is not None and timezone.is_naive(value):
                errors[name] = [_("Give the time with its time zone.")]
        start = start.astimezone(UTC) if start is not None and "start" not in errors else None
        end = end.astimezone(UTC) if end is not None and "end" not in errors else None
        if start is None:
            errors.setdefault("start", [_("Say when the visit should start.")])
        elif start < now:
            errors["start"] = [_("Choose a time in the future.")]
        elif start > now + BOOKING_HORIZON:
            errors["start"] = [_("Choose a time within a year.")]
        if end is None:
            errors.setdefault("end", [_("Say when the visit should end.")])
        elif start is not None and end <= start:
            errors["end"] = [_("A visit ends after it starts.")]
        elif start is not None and end - start > MAX_VISIT:
            errors["end"] = [_("A visit lasts at most 12 hours.")]
        product = setup.product(skill or "")
        if product is None:
            errors["skill"] = [_("Choose one of this provider's products.")]
        if errors:
            raise ValidationError(errors)
        place = setup.place(normalize_postal_code(postal_code), product, now)
        return cls(setup, product, place, start, end, now, exclude_visit_id)

    # What the answer is ------------------------------------------------------------------

    def empty(self) -> Availability:
        return Availability(self.start, self.end, self.product, self.area)

    def answer(self) -> Availability:
        free = self.free()
        if free or not self.candidates():
            return Availability(self.start, self.end, self.product, self.area, free)
        before, after = self.alternatives()
        return Availability(self.start, self.end, self.product, self.area, [], before, after)

    def free(self) -> list[Offer]:
        if not self.candidates():
            return []
        self._load([self.day])
        free = [
            profile
            for profile in self.candidates()
            if self._fits(profile, self.day, self.start, self.end)
        ]
        return sorted((self._offer(profile, self.day) for profile in free), key=_rank)

    def alternatives(self) -> tuple[list[Slot], list[Slot]]:
        """The nearest free times before and after, reading days outward from the wished
        day a ring at a time and stopping as soon as both lists are full: the answer is the
        one reading every day up to ALTERNATIVE_DAYS away would give, as the days are still
        taken nearest first, but an area with free time near the wish reads a few days'
        bookings instead of a month's."""
        today = self.now.astimezone(self.zone).date()
        first = max(today, self.day - timedelta(days=ALTERNATIVE_DAYS))
        length = self.end - self.start
        before: list[Slot] = []
        after: list[Slot] = []
        for distances in ALTERNATIVE_RINGS:
            later = [self.day + timedelta(days=n) for n in distances]
            earlier = [self.day - timedelta(days=n) for n in distances]
            earlier = [day for day in earlier if day >= first]
            later = later if len(after) < ALTERNATIVES_AFTER else []
            earlier = earlier if len(before) < ALTERNATIVES_BEFORE else []
            self._load([*later, *earlier])
            self._add_slots(
                after,
                later,
                lambda moment: moment > self.start,
                length,
                ALTERNATIVES_AFTER,
                latest_first=False,
            )
            self._add_slots(
                before,
                earlier,
                lambda moment: self.now <= moment < self.start,
                length,
                ALTERNATIVES_BEFORE,
                latest_first=True,
            )
        return before, after

    def _add_slots(self, slots, days, wanted, length, count, *, latest_first) -> None:
        """Append to `slots` the wanted times of `days` (in the order given) at which
        somebody is free for `length`, until there are `count`."""
        for day in days:
            if len(slots) == count:
                return
            fitting = self._fitting(day, length)
            for moment in sorted(fitting, reverse=latest_first):
                if not wanted(moment):
                    continue
                best = min((self._offer(p, day) for p in fitting[moment]), key=_rank)
                slots.append(Slot(moment, moment + length, best))
                if len(slots) == count:
                    return

    def _fitting(self, day: date, length: timedelta) -> dict[datetime, list[TechnicianProfile]]:
        """The grid's times on a local day at which a visit of `length` fits, with who is
        free for it: each candidate's free stretches cut out of the grid by bisection, so
        the cost follows the free stretches, not grid times times technicians."""
        grid = self._grid(day)
        fitting: dict[datetime, list[TechnicianProfile]] = defaultdict(list)
        free = self._free(day)
        for profile in self.candidates():
            for free_start, free_end in free.get(profile.pk, []):
                first = bisect_left(grid, free_start)
                last = bisect_right(grid, free_end - length)
                for moment in grid[first:last]:
                    fitting[moment].append(profile)
        return fitting

    def _grid(self, day: date) -> list[datetime]:
        """The times offered on a local day, every slot_minutes from local midnight, in UTC:
        wall-clock times, so 09:00 stays 09:00 on the days the clocks change."""
        if day not in self._grids:
            step = self.settings.slot_minutes
            times = (time(minute // 60, minute % 60) for minute in range(0, 24 * 60, step))
            moments = (datetime.combine(day, t, tzinfo=self.zone).astimezone(UTC) for t in times)
            self._grids[day] = sorted(set(moments))
        return self._grids[day]

    def _offer(self, profile: TechnicianProfile, day: date) -> Offer:
        if self._ratings is None:
            self._ratings = technician_ratings(self.organization.pk, self._rated)
        user_id = profile.membership.user_id
        return Offer(profile, self._booked.get((user_id, day), 0), self._ratings.get(user_id))

    # Whether one technician fits ---------------------------------------------------------

    def _fits(self, profile: TechnicianProfile, day: date, start: datetime, end: datetime):
        free = self._free(day).get(profile.pk)
        if not free:
            return False
        index = bisect_right(free, (start, datetime.max.replace(tzinfo=UTC))) - 1
        return index >= 0 and free[index][0] <= start and end <= free[index][1]

    def _free(self, day: date) -> dict[int, list[Interval]]:
        """Each candidate's free stretches on a local day: working hours less time off and
        bookings, sorted and apart."""
        if day not in self._free_by_day:
            self._free_by_day[day] = {
                profile.pk: _subtract(self._working(profile, day), self._busy.get(profile.pk, []))
                for profile in self.candidates()
            }
        return self._free_by_day[day]

    def _working(self, profile: TechnicianProfile, day: date) -> list[Interval]:
        return [
            (
                datetime.combine(day, start, tzinfo=self.zone).astimezone(UTC),
                datetime.combine(day, end, tzinfo=self.zone).astimezone(UTC),
            )
            for start, end in self._hours.get(profile.pk, {}).get(day.weekday(), [])
        ]

    # Reading ---------------------------------------------------------------------------

    def candidates(self) -> list[TechnicianProfile]:
        """Active technicians of the organization covering the area with the skill."""
        return self._candidates

    def _load(self, days: Iterable[date]) -> None:
        """The candidates' bookings over those of the local `days` not read yet, one query
        (their time off came with the place). A day once read holds every booking
        overlapping it, so its free stretches never change when more days are read; each
        visit's minutes count once, for the day it starts on."""
        wanted = sorted(set(days) - self._loaded)
        if not wanted or not self.candidates():
            return
        by_user = {p.membership.user_id: p.pk for p in self.candidates()}
        visits_in = Q()
        for first, last in _runs(wanted):
            since = datetime.combine(first, time(), tzinfo=self.zone).astimezone(UTC)
            until = datetime.combine(last + timedelta(days=1), time(), tzinfo=self.zone)
            until = until.astimezone(UTC)
            # Visits last at most MAX_VISIT: one overlapping the days starts after this.
            visits_in |= Q(
                scheduled_start__gte=since - MAX_VISIT,
                scheduled_start__lt=until,
                scheduled_end__gt=since,
            )
        visits = ServiceRequest.objects.filter(visits_in, technician__in=list(by_user)).exclude(
            status=VisitStatus.CANCELLED
        )
        if self.exclude_visit_id is not None:
            visits = visits.exclude(pk=self.exclude_visit_id)
        new_days = set(wanted)
        busy: dict[int, set[Interval]] = defaultdict(set)
        rows = visits.order_by().values_list("technician_id", "scheduled_start", "scheduled_end")
        for user_id, start, end in rows:
            start, end = start.astimezone(UTC), end.astimezone(UTC)
            busy[by_user[user_id]].add((start, end))
            day = start.astimezone(self.zone).date()
            if day in new_days:
                key = (user_id, day)
                self._booked[key] = self._booked.get(key, 0) + int(
                    (end - start).total_seconds() // 60
                )
        for owner, intervals in busy.items():
            # A visit across midnight comes again with the next days read.
            self._busy[owner] = sorted(intervals.union(self._busy.get(owner, ())))
        self._loaded.update(new_days)


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days: (first, last) each."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _subtract(working: Iterable[Interval], busy: list[Interval]) -> list[Interval]:
    """`working` less `busy` (sorted by start)."""
    free = []
    for start, end in sorted(working):
        cursor = start
        for busy_start, busy_end in busy:
            if busy_start >= end:
                break
            if busy_end <= cursor:
                continue
            if busy_start > cursor:
                free.append((cursor, busy_start))
            cursor = max(cursor, busy_end)
        if cursor < end:
            free.append((cursor, end))
    return free


def _rank(offer: Offer) -> tuple:
    """Lightest day first, then the best rated, unrated last; then by name, for a stable
    order."""
    points = offer.rating.points if offer.rating is not None else None
    return (
        offer.booked_minutes,
        points is None,
        -(points or 0.0),
        str(offer.technician).lower(),
        offer.profile.pk,
    )
