"""Technicians under concurrent HTTP load: the availability search (a direct answer and the
alternatives case) and the technician's day, next to a bare one-query floor served by the
same gunicorn in the same run.

Data: a database of its own (csportal_bench_technicians, created and migrated when missing)
with one organization (time zone Europe/Berlin, 10 branch offices) whose 10,000 technicians
cover 500 service areas (one postal-code prefix each, "A10" to "Y34"): each technician
lives in one area and covers it and the next one, a third of them the one after too, so
about 47 technicians cover an area and about 16 of them have a given skill (4 of the 12
product lines each). Working hours: most Monday to Friday 08:00-17:00, a fifth with a lunch
break, a tenth Tuesday to Saturday 09:00-18:00; 8% have a week off within a month either
side of the seed and 3% a half day off ahead. 1,000,000 booked visits (100 per technician,
60-120 minutes, none overlapping, as the exclusion constraint demands), over the 70 days
before the seed (completed, 5% cancelled) and the 35 days after it (scheduled, 3% cancelled),
denser ahead; 20,000 customers booked them. The technicians who live in the first 50 areas
are booked solid every working morning (until 13:00) from the seed day on: in areas 2-49
nobody is free on a weekday morning, which is the alternatives case. 80% of the technicians
have a rating. Seeded with COPY in a couple of minutes, once, then VACUUM ANALYZE; the
scenarios only read, and pick their days from the run's own today, so a seed serves runs
for FRESH_DAYS days (then `--reseed`).

Server and load: bench/harness.py, as for tickets_load.py (gunicorn as `web` runs it, 4
workers x 4 threads; keep-alive asyncio clients, closed loop, 4 and 16 clients by default).

    floor json                GET /bench/floor/json: a bare view returning JSON, no query
    floor query               GET /bench/floor/query?id=<n>: a bare view, one SELECT by
                              primary key (bench/bench_urls.py): the floor the targets sit by
    availability direct       GET /api/v1/availability/?organization=&postal_code=&skill=
                              &start=&end= as a customer (token): an hour on a weekday of the
                              next two weeks, 08:00-15:30, in areas 60-499, any product line:
                              free technicians exist (ranked by workload, then rating)
    availability alternatives the same in areas 2-49 on a weekday morning (08:00-11:30):
                              nobody is free, so the answer is the nearest free times before
                              and after (up to 14 days either side: 29 days of bookings read)
    technician day            the technician's day as a technician signed in (session cookie),
                              one of 200, on the next weekday from today (today on a weekday)

"technician day" is the technician's Today page, `GET /o/<slug>/today/`: the page frame
and the agenda panel technicians adds to it (technicians.selectors.agenda_days: today and
the coming seven days, in order), signed in with a session cookie. DAY_PATH is the one line
to change to measure something else (the visits API took
"/api/v1/organizations/{slug}/service-requests/?since={day}&until={day}").

Queries per request come from calling each scenario once in-process (harness.count_queries);
--explain shows the plan of each of their SELECTs. Before the load, a sample of each
availability scenario is asked in-process to check that it is what it says (the direct
case has free technicians, the alternatives case none and some slots).

    .venv/bin/python bench/technicians_load.py                   # seed if needed, then run
    .venv/bin/python bench/technicians_load.py --wait-quiet 15   # on a quiet machine
    .venv/bin/python bench/technicians_load.py --no-load --show-queries --explain
    .venv/bin/python bench/technicians_load.py --only "floor query,technician day"

PostgreSQL at 127.0.0.1:5432 (user postgres) and Redis at 127.0.0.1:6379 by default;
BENCH_TECHNICIANS_DATABASE_URL and BENCH_REDIS_URL point elsewhere. Results go to
bench/results/.

Targets (issue 19): availability search p95 < 20 ms, the alternatives case included; the
technician's day page p95 < 50 ms; each beside the one-query floor of the same run.
"""

import argparse
import os
import random
import time
import zoneinfo
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

import harness

DATABASE_URL = os.environ.get(
    "BENCH_TECHNICIANS_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/csportal_bench_technicians",
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
SERVER_ENV = harness.server_env(DATABASE_URL, REDIS_URL)
# This process reads the same settings for seeding and for counting queries.
os.environ.update(SERVER_ENV)

SLUG = "bench-field"
ZONE = "Europe/Berlin"
TECHNICIANS = 10_000
AREAS = 500
OFFICES = 10
VISITS = 1_000_000
CUSTOMERS = 20_000
TOKEN_CUSTOMERS = 100  # who search during the run
DAY_TECHNICIANS = 200  # whose day is read during the run
PAST_DAYS = 70
FUTURE_DAYS = 35
FUTURE_WEIGHT = 2.5  # a day ahead holds this many times the visits of a day gone
BUSY_AREAS = 50  # the technicians living here are booked solid every morning ahead
BUSY_UNTIL = clock(13)
SEARCH_DAYS = 14  # the scenarios ask for days from tomorrow up to this far ahead
# The scenarios need the seed's days ahead (the solid mornings) to reach past their last day.
FRESH_DAYS = FUTURE_DAYS - SEARCH_DAYS - 3
PASSWORD = "bench-password-0123"  # noqa: S105 - benchmark users in a throwaway database
SAMPLES = 20  # in-process answers per availability scenario, to check what it is

# The one line to change when the technician's Today page exists (see the docstring).
DAY_PATH = "/o/{slug}/today/"

TARGET_AVAILABILITY_P95_MS = 20.0
TARGET_DAY_P95_MS = 50.0


# Seeding ------------------------------------------------------------------------------------

LETTERS = "ABCDEFGHJKLMNPRSTUWY"  # 20 x 25 prefixes: "A10" to "Y34"
PRODUCTS = [
    ("Boilers", "boilers"),
    ("Washing machines", "washing-machines"),
    ("Dishwashers", "dishwashers"),
    ("Fridges and freezers", "fridges"),
    ("Ovens and hobs", "ovens"),
    ("Air conditioning", "air-conditioning"),
    ("Heat pumps", "heat-pumps"),
    ("TV and audio", "tv-audio"),
    ("Broadband", "broadband"),
    ("Solar panels", "solar"),
    ("EV chargers", "ev-chargers"),
    ("Water heaters", "water-heaters"),
]
SKILLS_EACH = 4
SYMPTOMS = [
    "It won't turn on at all.",
    "Makes a loud grinding noise when it starts.",
    "Leaks water onto the kitchen floor.",
    "Shows error code E24 and stops.",
    "Works for ten minutes, then switches itself off.",
    "No hot water since yesterday morning.",
    "The display flickers and the buttons don't respond.",
]
NOTES = ["", "", "", "Ring the bell twice, please.", "Parking behind the building.", "Dog at home."]
STREETS = ["High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue", "Kingsway"]
INTRODUCTIONS = [
    "Fifteen years on boilers and heat pumps; I explain what I do as I go.",
    "Former factory technician, careful and tidy. I bring the usual parts with me.",
    "I like fixing things first time. Ask me anything about your appliance.",
    "Certified installer; happy to give tips on keeping your machine healthy.",
]
LENGTHS = [(60, 0.5), (90, 0.25), (120, 0.25)]  # minutes, share
CELL = 30  # minutes: visits start on the half hour

# Weekly hours: (share, weekdays, intervals)
WEEKS = [
    (0.7, range(5), [(clock(8), clock(17))]),
    (0.2, range(5), [(clock(8), clock(12)), (clock(13), clock(17))]),
    (0.1, range(1, 6), [(clock(9), clock(18))]),
]


def prefix_of(area: int) -> str:
    return f"{LETTERS[area // 25]}{area % 25 + 10}"


INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def postal_code(rng, area: int) -> str:
    """A full code in the area, as a customer types it ("A10 4QT")."""
    letters = rng.choice(INWARD_LETTERS) + rng.choice(INWARD_LETTERS)
    return f"{prefix_of(area)}{rng.randrange(10)}{letters}"


def _copy(table: str, columns: list[str], rows) -> int:
    """COPY rows (tuples in `columns` order) into `table`, in the current transaction."""
    from django.db import connection

    written = 0
    names = ", ".join(f'"{c}"' for c in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


@contextmanager
def _bulk_load(table: str):
    """Drop `table`'s indexes, foreign keys and exclusion constraints for a bulk COPY and
    make them again from their own definitions after it: one index build and one check
    each instead of a million row-by-row updates (the exclusion constraint is checked
    whole when it is added back)."""
    from django.db import connection

    constraints = _rows(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('f', 'x')",
        [table],
    )
    indexes = _rows(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [table],
    )
    with connection.cursor() as cursor:
        # The checks other tables' rows deferred: none may be pending on a table altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _ in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _rows(sql: str, params=()) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_CELLS: dict = {}


def _cells(day: date, intervals, zone) -> list[datetime]:
    """The half-hour cells of a local day's working intervals, as UTC starts (the same few
    hundred days and weeks for every technician: made once)."""
    key = (day, tuple(intervals))
    if key in _CELLS:
        return _CELLS[key]
    out = []
    for start, end in intervals:
        moment = datetime.combine(day, start, tzinfo=zone)
        last = datetime.combine(day, end, tzinfo=zone)
        while moment < last:
            out.append(moment.astimezone(UTC))
            moment += timedelta(minutes=CELL)
    _CELLS[key] = out
    return out


def plan_visits(rng, technician: int, week, busy: bool, off_days: set, today: date, zone):
    """The technician's VISITS // TECHNICIANS visits as (start, end, solid) in UTC: the
    solid mornings ahead first when `busy`, then the rest spread over the working days,
    more ahead than gone, none overlapping another."""
    _, weekdays, intervals = week
    quota = VISITS // TECHNICIANS
    days = [
        today + timedelta(days=n)
        for n in range(-PAST_DAYS, FUTURE_DAYS + 1)
        if (today + timedelta(days=n)).weekday() in weekdays
        and today + timedelta(days=n) not in off_days
    ]
    visits = []
    taken: dict[date, set[int]] = {}
    if busy:
        for day in days:
            if day < today or len(visits) >= quota:
                continue
            cells = _cells(day, intervals, zone)
            morning = [i for i, c in enumerate(cells) if c.astimezone(zone).time() < BUSY_UNTIL]
            # Two-hour visits back to back, cut at a break or at BUSY_UNTIL.
            run: list[int] = []
            for i in morning:
                if run and (cells[i] - cells[run[-1]] != timedelta(minutes=CELL) or len(run) == 4):
                    visits.append((cells[run[0]], cells[run[-1]] + timedelta(minutes=CELL), True))
                    run = []
                run.append(i)
            if run:
                visits.append((cells[run[0]], cells[run[-1]] + timedelta(minutes=CELL), True))
            taken[day] = set(morning)
    weights = [FUTURE_WEIGHT if day >= today else 1.0 for day in days]
    lengths, shares = zip(*LENGTHS, strict=True)
    while len(visits) < quota:
        day = rng.choices(days, weights)[0]
        cells = _cells(day, intervals, zone)
        used = taken.setdefault(day, set())
        span = rng.choices(lengths, shares)[0] // CELL
        first = rng.randrange(len(cells))
        wanted = range(first, first + span)
        if wanted[-1] >= len(cells) or used.intersection(wanted):
            continue
        # Within one working stretch: the cells must follow each other without a break.
        if cells[wanted[-1]] - cells[first] != timedelta(minutes=CELL * (span - 1)):
            continue
        used.update(wanted)
        visits.append((cells[first], cells[wanted[-1]] + timedelta(minutes=CELL), False))
    return visits[:quota]


VISIT_COLUMNS = ["organization_id", "customer_id", "technician_id", "summary", "address"]
VISIT_COLUMNS += ["postal_code", "area_id", "product_id", "symptoms", "customer_notes"]
VISIT_COLUMNS += ["status", "scheduled_start", "scheduled_end", "report", "parts_used"]
VISIT_COLUMNS += ["time_spent_minutes", "outcome", "created_at", "on_the_way_at", "arrived_at"]
VISIT_COLUMNS += ["started_at", "completed_at", "cancelled_at", "remind_at", "reminded_at"]


def seed() -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import ApiToken, Organization, Role
    from ratings.models import Score, TargetKind
    from technicians.models import BranchOffice, PostalPrefix, ProductLine, ServiceArea

    rng = random.Random(20261202)  # the same data on every machine
    zone = zoneinfo.ZoneInfo(ZONE)
    now = timezone.now()
    today = now.astimezone(zone).date()
    started = time.perf_counter()
    password = make_password(PASSWORD)  # one hash for everybody

    def done(what: str) -> None:
        print(f"  {what} ({time.perf_counter() - started:.0f} s)", flush=True)

    with transaction.atomic():
        organization = Organization.objects.create(
            name="Bench Field Service", slug=SLUG, timezone=ZONE, created_at=now
        )
        offices = BranchOffice.objects.bulk_create(
            [
                BranchOffice(organization=organization, name=f"Office {n + 1:02d}")
                for n in range(OFFICES)
            ]
        )
        areas = ServiceArea.objects.bulk_create(
            [
                ServiceArea(
                    organization=organization,
                    branch_office=offices[a * OFFICES // AREAS],
                    name=f"Area {prefix_of(a)}",
                )
                for a in range(AREAS)
            ]
        )
        PostalPrefix.objects.bulk_create(
            [
                PostalPrefix(organization=organization, area=areas[a], prefix=prefix_of(a))
                for a in range(AREAS)
            ]
        )
        products = ProductLine.objects.bulk_create(
            [ProductLine(organization=organization, name=n, skill=s) for n, s in PRODUCTS]
        )
        joined = now - timedelta(days=PAST_DAYS + 200)
        emails = [f"tech{t:05d}@bench.example" for t in range(TECHNICIANS)]
        emails += [f"customer{c:05d}@bench.example" for c in range(CUSTOMERS)]
        _copy(
            "accounts_user",
            ["password", "is_superuser", "email", "full_name", "timezone", "is_staff"]
            + ["is_active", "date_joined"],
            (
                (password, False, email, email.split("@")[0].title(), "", False, True, joined)
                for email in emails
            ),
        )
        ids = dict(_rows("SELECT email, id FROM accounts_user WHERE email LIKE '%%@bench.example'"))
        technicians = [ids[e] for e in emails[:TECHNICIANS]]
        customers = [ids[e] for e in emails[TECHNICIANS:]]
        _copy(
            "accounts_customerprofile",
            ["user_id", "phone", "contact_email", "im_handle", "preferred_channel", "language"],
            ((c, f"+4930{c:07d}", "", "", "email", "en") for c in customers),
        )
        ApiToken.objects.bulk_create(
            harness.bench_api_tokens(customers[:TOKEN_CUSTOMERS], now), batch_size=1000
        )
        _copy(
            "accounts_membership",
            ["user_id", "organization_id", "role", "is_active", "accepted_at", "created_at"],
            ((t, organization.pk, Role.TECHNICIAN, True, joined, joined) for t in technicians),
        )
        memberships = dict(
            _rows(
                "SELECT user_id, id FROM accounts_membership WHERE organization_id = %s",
                [organization.pk],
            )
        )
        skills = [rng.sample(range(len(PRODUCTS)), SKILLS_EACH) for _ in technicians]
        _copy(
            "accounts_agentskill",
            ["membership_id", "skill"],
            (
                (memberships[t], PRODUCTS[p][1])
                for t, mine in zip(technicians, skills, strict=True)
                for p in mine
            ),
        )
        _copy(
            "technicians_technicianprofile",
            ["membership_id", "organization_id", "introduction", "photo", "photo_type"]
            + ["years_of_experience"],
            (
                (memberships[t], organization.pk, rng.choice(INTRODUCTIONS), "", "")
                + (rng.randint(1, 30),)
                for t in technicians
            ),
        )
        profiles = dict(
            _rows(
                "SELECT m.user_id, p.id FROM technicians_technicianprofile p "
                "JOIN accounts_membership m ON m.id = p.membership_id"
            )
        )
        homes = {t: n % AREAS for n, t in enumerate(technicians)}
        covers = {
            t: [(homes[t] + k) % AREAS for k in range(3 if rng.random() < 1 / 3 else 2)]
            for t in technicians
        }
        _copy(
            "technicians_technicianprofile_areas",
            ["technicianprofile_id", "servicearea_id"],
            ((profiles[t], areas[a].pk) for t in technicians for a in covers[t]),
        )
        week_of = {t: rng.choices(WEEKS, [w[0] for w in WEEKS])[0] for t in technicians}
        _copy(
            "technicians_workinghours",
            ["technician_id", "weekday", "start", "end"],
            (
                (profiles[t], weekday, start, end)
                for t in technicians
                for weekday in week_of[t][1]
                for start, end in week_of[t][2]
            ),
        )
        done(f"{TECHNICIANS:,} technicians in {AREAS} areas, {CUSTOMERS:,} customers")

        off_days: dict[int, set[date]] = {}
        time_off = []
        for t in technicians:
            if homes[t] < BUSY_AREAS:
                continue  # their mornings are the alternatives case: every one of them booked
            if rng.random() < 0.08:
                first = today + timedelta(days=rng.randint(-30, 30))
                off_days[t] = {first + timedelta(days=n) for n in range(7)}
                start = datetime.combine(first, clock(), tzinfo=zone)
                time_off.append((profiles[t], start, start + timedelta(days=7), "Holiday"))
            elif rng.random() < 0.03:
                day = today + timedelta(days=rng.randint(1, 20))
                off_days[t] = {day}
                start = datetime.combine(day, clock(8), tzinfo=zone)
                time_off.append((profiles[t], start, start + timedelta(hours=5), "Doctor"))
        _copy("technicians_timeoff", ["technician_id", "start", "end", "reason"], time_off)
        done(f"{len(time_off):,} stretches of time off")

        def visits():
            for t, mine in zip(technicians, skills, strict=True):
                planned = plan_visits(
                    rng, t, week_of[t], homes[t] < BUSY_AREAS, off_days.get(t, set()), today, zone
                )
                for start, end, solid in planned:
                    area = rng.choice(covers[t])
                    product = products[rng.choice(mine)]
                    booked = start - timedelta(days=rng.uniform(1, 20), hours=rng.uniform(0, 9))
                    # A cancelled visit frees its time: the solid mornings stay solid.
                    cancelled = not solid and rng.random() < (0.05 if end < now else 0.03)
                    row = {
                        "status": "scheduled",
                        "report": "",
                        "time_spent_minutes": None,
                        "outcome": "",
                        "on_the_way_at": None,
                        "arrived_at": None,
                        "started_at": None,
                        "completed_at": None,
                        "cancelled_at": None,
                        "remind_at": None,
                        "reminded_at": None,
                    }
                    if cancelled:
                        row["status"] = "cancelled"
                        row["cancelled_at"] = min(now, start - timedelta(hours=rng.uniform(2, 30)))
                    elif end <= now:
                        row |= {
                            "status": "completed",
                            "report": "Replaced the faulty part and tested it.",
                            "time_spent_minutes": int((end - start).total_seconds() // 60),
                            "outcome": "fixed" if rng.random() < 0.85 else "needs_another_visit",
                            "on_the_way_at": start - timedelta(minutes=25),
                            "arrived_at": start,
                            "started_at": start + timedelta(minutes=5),
                            "completed_at": end,
                            "reminded_at": start - timedelta(hours=24),
                        }
                    elif start <= now:
                        row |= {
                            "status": "in_progress",
                            "on_the_way_at": start - timedelta(minutes=25),
                            "arrived_at": start,
                            "started_at": start + timedelta(minutes=5),
                            "reminded_at": start - timedelta(hours=24),
                        }
                    elif start - timedelta(hours=24) > now:
                        row["remind_at"] = start - timedelta(hours=24)
                    else:
                        row["reminded_at"] = start - timedelta(hours=24)
                    yield (
                        organization.pk,
                        rng.choice(customers),
                        t,
                        f"{product.name}: repair",
                        f"{rng.randint(1, 240)} {rng.choice(STREETS)}",
                        postal_code(rng, area),
                        areas[area].pk,
                        product.pk,
                        rng.choice(SYMPTOMS),
                        rng.choice(NOTES),
                        row["status"],
                        start,
                        end,
                        row["report"],
                        "",
                        row["time_spent_minutes"],
                        row["outcome"],
                        min(booked, now),
                        row["on_the_way_at"],
                        row["arrived_at"],
                        row["started_at"],
                        row["completed_at"],
                        row["cancelled_at"],
                        row["remind_at"],
                        row["reminded_at"],
                    )

        with _bulk_load("technicians_servicerequest"):
            written = _copy("technicians_servicerequest", VISIT_COLUMNS, visits())
        done(f"{written:,} visits")

        Score.objects.bulk_create(
            [
                Score(
                    organization=organization,
                    kind=TargetKind.TECHNICIAN,
                    person_id=t,
                    count=(count := rng.randint(1, 120)),
                    stars_total=round(count * rng.uniform(3.2, 4.9)),
                    points=rng.uniform(40, 98),
                    updated_at=now,
                )
                for t in technicians
                if rng.random() < 0.8
            ],
            batch_size=2000,
        )
        done("ratings")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would have by now
    print(f"seeded in {time.perf_counter() - started:.0f} s")


def ensure_data() -> dict:
    """Seed when needed; return what the scenarios need."""
    from django.utils import timezone

    from accounts.models import Organization, Role, User
    from technicians.models import ServiceRequest

    harness.prepare_site()
    organization = Organization.objects.filter(slug=SLUG).first()
    if organization is None:
        print(f"seeding {VISITS:,} visits (once; --reseed to redo)...", flush=True)
        seed()
        organization = Organization.objects.get(slug=SLUG)
    count = ServiceRequest.objects.count()
    if count != VISITS:
        raise SystemExit(f"{count:,} visits, expected {VISITS:,}: run with --reseed")
    age = timezone.now() - organization.created_at
    if age > timedelta(days=FRESH_DAYS):
        raise SystemExit(
            f"seeded {age.days} days ago: the solid mornings ahead end before the days the "
            "scenarios ask for; run with --reseed"
        )
    technicians = list(
        User.objects.filter(
            memberships__organization=organization, memberships__role=Role.TECHNICIAN
        ).order_by("pk")
    )
    customers = User.objects.filter(email__startswith="customer")
    tokens = list(harness.bench_api_keys(customers).values())
    chosen = random.Random(5).sample(technicians, DAY_TECHNICIANS)
    return {
        "organization": organization,
        "tokens": tokens,
        "sessions": harness.sessions_for(chosen),
        "visits": count,
        "technicians": len(technicians),
        "areas": organization.service_areas.count(),
        "database_size": harness.database_size(),
        "seeded": organization.created_at.isoformat(),
        "first_user": technicians[0].pk,
    }


# Scenarios ----------------------------------------------------------------------------------


def weekdays_ahead(today: date, days: int) -> list[date]:
    """Monday-to-Friday days from tomorrow up to `days` ahead."""
    ahead = (today + timedelta(days=n) for n in range(1, days + 1))
    return [day for day in ahead if day.weekday() < 5]


def scenarios(data: dict) -> list[harness.Scenario]:
    from django.utils import timezone

    organization = data["organization"]
    zone = zoneinfo.ZoneInfo(organization.timezone)
    today = timezone.now().astimezone(zone).date()
    search_days = weekdays_ahead(today, SEARCH_DAYS)
    day = today if today.weekday() < 5 else weekdays_ahead(today, 3)[0]
    tokens, sessions, first_user = data["tokens"], data["sessions"], data["first_user"]

    def search(areas: range, first: clock, last: clock):
        starts = [
            clock(minute // 60, minute % 60)
            for minute in range(first.hour * 60, last.hour * 60 + last.minute + 1, CELL)
        ]

        def make(rng):
            start = datetime.combine(rng.choice(search_days), rng.choice(starts))
            query = (
                f"organization={SLUG}&postal_code={postal_code(rng, rng.choice(areas))}"
                f"&skill={rng.choice(PRODUCTS)[1]}&start={start:%Y-%m-%dT%H:%M}"
                f"&end={start + timedelta(hours=1):%Y-%m-%dT%H:%M}"
            )
            headers = {"Authorization": f"Token {rng.choice(tokens)}"}
            return f"/api/v1/availability/?{query}", headers, None

        return make

    def technician_day(rng):
        path = DAY_PATH.format(slug=SLUG, day=day.isoformat())
        return path, {"Cookie": f"sessionid={rng.choice(sessions)}"}, None

    def floor_query(rng):
        return f"/bench/floor/query?id={first_user + rng.randrange(TECHNICIANS)}", {}, None

    return [
        harness.Scenario("floor json", "GET", 200, lambda rng: ("/bench/floor/json", {}, None)),
        harness.Scenario("floor query", "GET", 200, floor_query),
        harness.Scenario(
            "availability direct",
            "GET",
            200,
            search(range(BUSY_AREAS + 10, AREAS), clock(8), clock(15, 30)),
            target="availability",
        ),
        harness.Scenario(
            "availability alternatives",
            "GET",
            200,
            search(range(2, BUSY_AREAS), clock(8), clock(11, 30)),
            target="availability",
        ),
        harness.Scenario("technician day", "GET", 200, technician_day, target="day"),
    ]


def sample_answers(items: list[harness.Scenario]) -> dict:
    """SAMPLES requests of each availability scenario in-process: how many had free
    technicians, and how many offered slots instead (the scenario is what it says)."""
    import json

    from django.test import Client

    out = {}
    for scenario in items:
        if not scenario.name.startswith("availability"):
            continue
        rng = random.Random(11)
        client = Client(SERVER_NAME="127.0.0.1")
        counts = {"free": 0, "slots": 0, "neither": 0, "errors": 0, "offers": 0}
        for _ in range(SAMPLES):
            path, headers, _ = scenario.make(rng)
            response = client.get(path, HTTP_AUTHORIZATION=headers["Authorization"])
            if response.status_code != 200:
                counts["errors"] += 1
                continue
            body = json.loads(response.content)
            if body["free"]:
                counts["free"] += 1
                counts["offers"] += len(body["free"])
            elif body["before"] or body["after"]:
                counts["slots"] += 1
            else:
                counts["neither"] += 1
        out[scenario.name] = counts
    return out


def verdicts(items, levels, answers: dict) -> list[harness.Check]:
    out = []
    for name, c in answers.items():
        expected = c["free"] if name.endswith("direct") else c["slots"]
        out.append(
            (
                f"{name}: {SAMPLES} requests in-process answered as the scenario says",
                expected == SAMPLES,
                f"{c['free']} with free technicians ({c['offers']} offers), {c['slots']} "
                f"with slots before/after only, {c['neither']} with neither, "
                f"{c['errors']} errors",
            )
        )
    limits = {"availability": TARGET_AVAILABILITY_P95_MS, "day": TARGET_DAY_P95_MS}
    for concurrency in levels:
        out += harness.p95_checks(items, [concurrency], limits)
        for s in items:
            if s.target not in limits:
                continue
            pair = harness.rps_ratio(items, s.name, "floor query", concurrency)
            if pair:
                ratio, mine, floor = pair
                out.append(
                    (
                        f"{s.name} at {concurrency} clients, against the one-query floor",
                        None,
                        f"p95 {mine['p95_ms']:.1f} / {floor['p95_ms']:.1f} ms "
                        f"(x{mine['p95_ms'] / floor['p95_ms']:.2f}); {ratio:.1%} of its req/s "
                        f"({mine['rps']:.0f} / {floor['rps']:.0f})",
                    )
                )
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    harness.add_arguments(parser, explain="EXPLAIN ANALYZE the SELECTs of each scenario")
    args = parser.parse_args()

    harness.prepare_database(DATABASE_URL, args.reseed)
    import django

    django.setup()

    data = ensure_data()
    items = scenarios(data)
    answers: dict = {}

    def in_process() -> None:
        answers.update(sample_answers(items))
        if args.no_load:
            harness.print_checks(verdicts([], [], answers))

    def explain(items: list[harness.Scenario]) -> None:
        for scenario in items:
            if not scenario.name.startswith("floor"):
                harness.explain_request(scenario)

    def heading(machine: str) -> str:
        return (
            f"{data['visits']:,} visits of {data['technicians']:,} technicians in "
            f"{data['areas']} areas in PostgreSQL (seeded {data['seeded'][:16]}), database "
            f"{data['database_size']}; gunicorn gthread {args.workers} workers x "
            f"{args.threads} threads; {args.warmup:g} s warm-up + {args.duration:g} s x "
            f"{args.rounds} round(s) per scenario; {machine}"
        )

    keep = ("visits", "technicians", "areas", "database_size", "seeded")
    harness.run_benchmark(
        args,
        name="technicians_load",
        env=SERVER_ENV,
        items=items,
        heading=heading,
        checks=lambda items, levels: verdicts(items, levels, answers),
        summary=lambda: {
            "data": {k: data[k] for k in keep},
            "day_path": DAY_PATH,
            "answers": answers,
        },
        explain=explain,
        in_process=in_process,
        clean_up=lambda: harness.empty_celery_queue(REDIS_URL),
    )


if __name__ == "__main__":
    main()
