"""Sensitivity: a customer's current disposition with its guidance, as the desk and the visit
page read it, in-process against PostgreSQL, beside a one-query floor in the same run.

Data: a database of its own (csportal_bench_sensitivity, created and migrated when missing)
with 4 organizations of different sizes (40, 30, 20 and 10% of the customers), each with its
copy of the default code table (services.table_for), a manager, 8 receptionists and 30
technicians; 100,000 customers (one password hash for all, COPY) and 1,000,000 assessments
of them over the past two years: most customers have a few (55% 1-4 before scaling), some
dozens, 0.3% hundreds (the heaviest about a thousand). Each customer's assessments follow
the work: an intake, then often the technician's re-code after the visit, then often the
confirmation call's final code, then the next intake; 1-3 codes each. The assessments are
written in time order across customers (ids follow created_at), so one customer's rows are
scattered over the table as they would be. Seeded once with COPY (indexes and foreign keys
dropped and made again from their own definitions), then VACUUM ANALYZE; `--reseed` redoes
it. The code reads the desk run writes are deleted before each run.

What it times, each call alone, in one thread (or --threads), the scenarios interleaved
sample by sample so that other work on the machine weighs on all of them alike:

    floor               User.objects.get(pk=<random customer>): one SELECT by primary key
    disposition         selectors.disposition(organization, customer, audience) for a random
                        customer (any of the 100,000), reception or technician guidance
    disposition heavy   the same for one of the HEAVY customers with the most assessments
    desk                what the desk does: in one transaction, services.disposition_read
                        (the disposition with the reception guidance and one CodeRead row)
    desk heavy          the same for the heavy customers

Each runs twice: first with no warm-up (the first calls of this process, on a connection
the pool just opened: a customer's first read on a fresh worker; PostgreSQL's buffer cache
is not emptied, so the data pages may be warm from earlier runs), then after --warmup
rounds. p50 / p95 / p99 and queries per call for each. `--explain` prints the plans of the
disposition queries for the heaviest customer; `--show-queries` the SQL of one call each.

    .venv/bin/python bench/sensitivity_load.py                        # seed if needed, run
    .venv/bin/python bench/sensitivity_load.py --wait-quiet 10 --samples 5000
    .venv/bin/python bench/sensitivity_load.py --samples 0 --show-queries --explain
    .venv/bin/python bench/sensitivity_load.py --threads 2             # concurrent callers

PostgreSQL at 127.0.0.1:5432 (user postgres) by default; BENCH_SENSITIVITY_DATABASE_URL and
BENCH_REDIS_URL point elsewhere. The production settings (csportal/settings.py through
bench/bench_settings.py, DEBUG off, the psycopg pool, server-side binding) as the other
benchmarks use. Results go to bench/results/ as JSON.

Target (issue 20): a customer's current disposition with its guidance p95 < 10 ms.
"""

import argparse
import os
import random
import statistics
import threading
import time
from array import array
from contextlib import contextmanager
from datetime import timedelta

import harness

DATABASE_URL = os.environ.get(
    "BENCH_SENSITIVITY_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/csportal_bench_sensitivity",
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
# The settings the other benchmarks' servers run with; this process is the server here.
os.environ.update(harness.server_env(DATABASE_URL, REDIS_URL))

ORGANIZATIONS = [0.4, 0.3, 0.2, 0.1]  # each one's share of the customers
SLUG = "bench-sensitivity-{}"
RECEPTIONISTS = 8
TECHNICIANS = 30
CUSTOMERS = 100_000
ASSESSMENTS = 1_000_000
SPAN_DAYS = 730
HEAVY = 100  # the customers with the most assessments: "disposition heavy"
PASSWORD = "bench-password-0123"  # noqa: S105 - benchmark users in a throwaway database
TARGET_P95_MS = 10.0


# Seeding ------------------------------------------------------------------------------------


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


def _rows(sql: str, params=()) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@contextmanager
def _bulk_load(table: str):
    """Drop `table`'s indexes and foreign keys for a bulk COPY and make them again from their
    own definitions after it: one index build and one check each instead of a million
    row-by-row updates."""
    from django.db import connection

    constraints = _rows(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'",
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


def _counts(rng) -> list[int]:
    """Assessments per customer, ASSESSMENTS in all: most a few, some dozens, a few hundreds."""
    raw = []
    for _ in range(CUSTOMERS):
        r = rng.random()
        if r < 0.55:
            raw.append(rng.randint(1, 4))
        elif r < 0.85:
            raw.append(rng.randint(5, 15))
        elif r < 0.97:
            raw.append(rng.randint(16, 50))
        elif r < 0.997:
            raw.append(rng.randint(51, 200))
        else:
            raw.append(rng.randint(400, 1500))
    scale = ASSESSMENTS / sum(raw)
    counts = [max(1, round(n * scale)) for n in raw]
    left = ASSESSMENTS - sum(counts)
    while left:
        i = rng.randrange(CUSTOMERS)
        if left > 0:
            counts[i] += 1
            left -= 1
        elif counts[i] > 1:
            counts[i] -= 1
            left += 1
    return counts


INTAKE, VISIT, CONFIRMATION = "intake", "visit", "confirmation"
STAGES = [INTAKE, VISIT, CONFIRMATION]


def _next_stage(rng, last: int | None) -> int:
    """The work's order: an intake, often the visit's re-code after it, often the call's
    final code after that, then the next intake (or a second intake of the same request)."""
    if last == 0:
        return 1 if rng.random() < 0.65 else 0
    if last == 1:
        return 2 if rng.random() < 0.6 else 0
    return 0


NOTES = ["", "", "", "", "Called twice about the same fault.", "Prefers mornings."]


def seed() -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Organization, Role
    from sensitivity import services
    from sensitivity.models import Assessment, SensitivityCode

    rng = random.Random(20261202)  # the same data on every machine
    now = timezone.now()
    started = time.perf_counter()
    password = make_password(PASSWORD)  # one hash for everybody

    def done(what: str) -> None:
        print(f"  {what} ({time.perf_counter() - started:.0f} s)", flush=True)

    with transaction.atomic():
        organizations = [
            Organization.objects.create(
                name=f"Bench Sensitivity {n + 1}", slug=SLUG.format(n + 1), created_at=now
            )
            for n in range(len(ORGANIZATIONS))
        ]
        for organization in organizations:
            services.table_for(organization)
        codes = {
            o.pk: list(SensitivityCode.objects.filter(organization=o).values_list("pk", flat=True))
            for o in organizations
        }
        staff = []  # (organization index, role, email)
        for i in range(len(organizations)):
            roles = [
                (Role.MANAGER, 1),
                (Role.RECEPTIONIST, RECEPTIONISTS),
                (Role.TECHNICIAN, TECHNICIANS),
            ]
            for role, count in roles:
                staff += [
                    (i, role, f"s{i + 1}.{role.value}{n}@bench.example") for n in range(count)
                ]
        # Each customer is served by one organization, drawn by its share; the email says
        # which, so a run finds it without reading the assessments.
        home = rng.choices(range(len(organizations)), ORGANIZATIONS, k=CUSTOMERS)
        joined = now - timedelta(days=SPAN_DAYS + 30)
        _copy(
            "accounts_user",
            ["password", "is_superuser", "email", "full_name", "timezone", "is_staff"]
            + ["is_active", "date_joined"],
            [
                (password, False, e, e.split("@")[0].title(), "", False, True, joined)
                for _, _, e in staff
            ]
            + [
                (password, False, customer_email(n, home[n]), f"Customer {n:06d}", "")
                + (False, True, joined)
                for n in range(CUSTOMERS)
            ],
        )
        ids = dict(_rows("SELECT email, id FROM accounts_user WHERE email LIKE '%%@bench.example'"))
        _copy(
            "accounts_membership",
            ["user_id", "organization_id", "role", "is_active", "accepted_at", "created_at"],
            [(ids[e], organizations[i].pk, role, True, joined, joined) for i, role, e in staff],
        )
        people = {
            (i, role): [ids[e] for j, r, e in staff if j == i and r == role]
            for i in range(len(organizations))
            for role in (Role.RECEPTIONIST, Role.TECHNICIAN)
        }
        customers = [ids[customer_email(n, home[n])] for n in range(CUSTOMERS)]
        done(f"{len(staff) + CUSTOMERS:,} users, {len(organizations)} organizations")

        # Every assessment as (time, customer index, stage) in compact arrays, then written
        # in time order: ids follow created_at, as they would have.
        counts = _counts(rng)
        span = SPAN_DAYS * 86400.0
        at, who, stage = array("d"), array("i"), array("b")
        for n, count in enumerate(counts):
            last = None
            for moment in sorted(rng.random() * span for _ in range(count)):
                last = _next_stage(rng, last)
                at.append(moment)
                who.append(n)
                stage.append(last)
        order = sorted(range(ASSESSMENTS), key=at.__getitem__)
        done(f"{ASSESSMENTS:,} assessments planned")
        start = now - timedelta(days=SPAN_DAYS)
        through = Assessment.codes.through._meta.db_table
        links = []  # (assessment id, code id)

        def assessments():
            for pk, k in enumerate(order, start=1):
                n = who[k]
                i = home[n]
                organization = organizations[i].pk
                kind = stage[k]
                by = rng.choice(people[i, Role.TECHNICIAN if kind == 1 else Role.RECEPTIONIST])
                picked = rng.sample(codes[organization], rng.choices((1, 2, 3), (55, 30, 15))[0])
                links.extend((pk, code) for code in picked)
                yield (pk, organization, customers[n], STAGES[kind], by) + (
                    rng.choice(NOTES),
                    start + timedelta(seconds=at[k]),
                )

        with _bulk_load("sensitivity_assessment"):
            _copy(
                "sensitivity_assessment",
                ["id", "organization_id", "customer_id", "stage", "by_id", "note", "created_at"],
                assessments(),
            )
        done(f"{ASSESSMENTS:,} assessments")
        with _bulk_load(through):
            _copy(through, ["assessment_id", "sensitivitycode_id"], links)
        done(f"{len(links):,} codes given")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('sensitivity_assessment', 'id'), "
                "(SELECT max(id) FROM sensitivity_assessment))"
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would have by now
    print(f"seeded in {time.perf_counter() - started:.0f} s")


def customer_email(n: int, organization_index: int) -> str:
    return f"customer{n:06d}.o{organization_index + 1}@bench.example"


def ensure_data() -> dict:
    """Seed when needed; return the organizations, customers and people the calls use."""
    from django.db import connection
    from django.db.models import Count

    from accounts.models import Organization, Role, User
    from sensitivity.models import Assessment, CodeRead

    harness.prepare_site()
    if not Organization.objects.filter(slug=SLUG.format(1)).exists():
        print(f"seeding {ASSESSMENTS:,} assessments (once; --reseed to redo)...", flush=True)
        seed()
    count = Assessment.objects.count()
    if count != ASSESSMENTS:
        raise SystemExit(f"{count:,} assessments, expected {ASSESSMENTS:,}: run with --reseed")
    # What earlier runs' desk calls logged: every run starts from the seed.
    CodeRead.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE sensitivity_coderead")
    organizations = dict(
        Organization.objects.filter(slug__startswith="bench-sensitivity-").values_list("slug", "pk")
    )
    by_index = {int(slug.rsplit("-", 1)[1]): pk for slug, pk in organizations.items()}
    customers = [
        (pk, by_index[int(email.split(".o")[1].split("@")[0])])
        for pk, email in User.objects.filter(email__startswith="customer").values_list(
            "pk", "email"
        )
    ]
    heavy = list(
        Assessment.objects.values("customer_id", "organization_id")
        .annotate(n=Count("id"))
        .order_by("-n", "customer_id")
        .values_list("customer_id", "organization_id", "n")[:HEAVY]
    )
    receptionists = {
        o: User.objects.filter(
            memberships__organization_id=o, memberships__role=Role.RECEPTIONIST
        ).first()
        for o in organizations.values()
    }
    return {
        "customers": customers,
        "heavy": [(c, o) for c, o, _ in heavy],
        "heavy_counts": [n for _, _, n in heavy],
        "receptionists": receptionists,
        "assessments": count,
        "codes_given": Assessment.codes.through.objects.count(),
        "database_size": harness.database_size(),
    }


# The calls ----------------------------------------------------------------------------------


def calls(data: dict) -> dict:
    """{name: call(rng)}: each does one of the things the run times."""
    from django.db import transaction

    from accounts.models import User
    from sensitivity import selectors, services
    from sensitivity.models import Audience, Place

    customers, heavy, receptionists = data["customers"], data["heavy"], data["receptionists"]
    audiences = [Audience.RECEPTION, Audience.TECHNICIAN]

    def floor(rng):
        User.objects.get(pk=rng.choice(customers)[0])

    def disposition(pool):
        def call(rng):
            customer, organization = rng.choice(pool)
            selectors.disposition(organization, customer, rng.choice(audiences))

        return call

    def desk(pool):
        def call(rng):
            customer, organization = rng.choice(pool)
            with transaction.atomic():
                services.disposition_read(
                    reader=receptionists[organization],
                    organization_id=organization,
                    customer_id=customer,
                    audience=Audience.RECEPTION,
                    place=Place.DESK,
                )

        return call

    return {
        "floor": floor,
        "disposition": disposition(customers),
        "disposition heavy": disposition(heavy),
        "desk": desk(customers),
        "desk heavy": desk(heavy),
    }


def queries_per_call(items: dict, show: bool) -> dict:
    """Statements and round trips of one call each (BEGIN / COMMIT counted apart)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = {}
    for name, call in items.items():
        with CaptureQueriesContext(connection) as captured:
            call(random.Random(4))
        control = sum(1 for q in captured if harness.is_control(q["sql"]))
        out[name] = {"queries": len(captured) - control, "round_trips": len(captured)}
        if show:
            print(f"\n-- {name}: {len(captured)} round trips")
            for query in captured:
                print(f"   {float(query['time']) * 1000:6.2f} ms  {query['sql'][:600]}")
    return out


def explain(data: dict) -> None:
    """EXPLAIN ANALYZE each SELECT of the disposition of the heaviest customer."""
    from django.db import connection

    from sensitivity import selectors
    from sensitivity.models import Audience

    customer, organization = data["heavy"][0]
    sent = []

    def keep(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        selectors.disposition(organization, customer, Audience.TECHNICIAN)
    print(
        f"\n-- EXPLAIN ANALYZE: the disposition of customer {customer} "
        f"({data['heavy_counts'][0]:,} assessments)"
    )
    for sql, params in sent:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
        print(f"\n   {sql[:700]}\n   {params!r:.200}\n{plan}")


def timed(items: dict, samples: int, rng) -> dict[str, list[float]]:
    """`samples` calls of each, interleaved in a shuffled order each round."""
    names = list(items)
    out: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(samples):
        rng.shuffle(names)
        for name in names:
            started = time.perf_counter()
            items[name](rng)
            out[name].append(time.perf_counter() - started)
    return out


def timed_threads(items: dict, samples: int, threads: int) -> dict[str, list[float]]:
    """The same from `threads` threads at once, each with its own connection."""
    from django.db import connection

    out: dict[str, list[float]] = {name: [] for name in items}
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            mine = timed(items, samples // threads, random.Random(100 + n))
            with lock:
                for name, values in mine.items():
                    out[name] += values
        finally:
            connection.close()

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return out


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) ticks of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def measured(run) -> dict:
    """Run one pass (`run()` -> {name: seconds}): its figures, with how busy the machine was
    meanwhile and how much of it was this process (PostgreSQL's backend is the rest of
    what the calls cost, so other work is at most busy - own)."""
    busy0, total0 = _cpu_ticks()
    own0, wall0 = sum(os.times()[:2]), time.monotonic()
    values = run()
    busy1, total1 = _cpu_ticks()
    own, wall = sum(os.times()[:2]) - own0, time.monotonic() - wall0
    out = {name: figures(v) for name, v in values.items()}
    out["machine"] = {
        "seconds": round(wall, 1),
        "busy": round((busy1 - busy0) / max(1, total1 - total0), 3),
        "own": round(own / wall / (os.cpu_count() or 1), 3),
    }
    return out


def figures(values: list[float]) -> dict:
    def ms(p):
        return round(harness.percentile(values, p) * 1000, 3)

    return {
        "samples": len(values),
        "first_ms": round(values[0] * 1000, 3) if values else None,
        "p50_ms": ms(50),
        "p95_ms": ms(95),
        "p99_ms": ms(99),
        "mean_ms": round(statistics.fmean(values) * 1000, 3) if values else None,
        "max_ms": round(max(values) * 1000, 3) if values else None,
    }


def print_report(heading: str, passes: dict, queries: dict) -> None:
    print(f"\n{heading}")
    header = (
        f"{'call':18} {'pass':10} {'samples':>7} {'first':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7} {'p95/floor':>9} {'queries':>7} {'trips':>5}"
    )
    print(header)
    print("-" * len(header))
    for label, results in passes.items():
        floor = results["floor"]["p95_ms"]
        for name, r in results.items():
            if name == "machine":
                continue
            print(
                f"{name:18} {label:10} {r['samples']:7d} {r['first_ms']:7.2f} {r['p50_ms']:7.2f} "
                f"{r['p95_ms']:7.2f} {r['p99_ms']:7.2f} {r['max_ms']:7.2f} "
                f"{r['p95_ms'] / floor:9.1f} {queries[name]['queries']:7d} "
                f"{queries[name]['round_trips']:5d}"
            )
        m = results["machine"]
        print(
            f"({label}: {m['seconds']:.0f} s, machine {m['busy']:.0%} busy, this process "
            f"{m['own']:.0%} of it; PostgreSQL serving it and other work the rest)\n"
        )


def verdicts(passes: dict) -> list[harness.Check]:
    out = []
    for label, results in passes.items():
        for name in ("disposition", "disposition heavy", "desk", "desk heavy"):
            r = results.get(name)
            if r is None:
                continue
            # Threads of one process share its GIL, and here two cores with PostgreSQL and
            # other work: the concurrent pass is for information.
            out.append(
                (
                    f"{name} p95 < {TARGET_P95_MS:.0f} ms ({label})",
                    r["p95_ms"] < TARGET_P95_MS if label in ("no warm-up", "warm") else None,
                    f"{r['p95_ms']:.2f} ms (floor {results['floor']['p95_ms']:.2f} ms)",
                )
            )
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=2000, help="timed calls of each, per pass")
    parser.add_argument("--warmup", type=int, default=200, help="rounds before the warm pass")
    parser.add_argument("--threads", type=int, default=0, help="also a warm pass from N threads")
    parser.add_argument("--reseed", action="store_true", help="drop the database and seed anew")
    parser.add_argument("--show-queries", action="store_true")
    parser.add_argument("--explain", action="store_true", help="plans for the heaviest customer")
    parser.add_argument(
        "--wait-quiet", type=float, default=0, help="wait up to this many minutes for an idle CPU"
    )
    args = parser.parse_args()

    harness.prepare_database(DATABASE_URL, args.reseed)
    import django

    django.setup()
    from django.db import connection

    data = ensure_data()
    items = calls(data)
    # The setup's connection goes back to the pool, and the pool is closed: the first pass
    # starts on a connection opened for it.
    connection.close()
    connection.close_pool()
    busy = harness.busy_now(args.wait_quiet)
    passes: dict = {}
    if args.samples:
        passes["no warm-up"] = measured(lambda: timed(items, args.samples, random.Random(1)))
        timed(items, args.warmup, random.Random(2))
        passes["warm"] = measured(lambda: timed(items, args.samples, random.Random(3)))
        if args.threads:
            passes[f"{args.threads} threads"] = measured(
                lambda: timed_threads(items, args.samples, args.threads)
            )
    queries = queries_per_call(items, args.show_queries)
    if args.explain:
        explain(data)
    if not args.samples:
        return
    machine = (
        f"{os.cpu_count()} cores, PostgreSQL {connection.pg_version // 10000}; CPU {busy:.0%} "
        f"busy with other work just before"
    )
    counts = data["heavy_counts"]
    heading = (
        f"{data['assessments']:,} assessments ({data['codes_given']:,} codes given) of "
        f"{len(data['customers']):,} customers in PostgreSQL, database {data['database_size']}; "
        f"heavy: the {len(counts)} customers with the most assessments ({counts[-1]:,} to "
        f"{counts[0]:,}); in-process, one call at a time; {machine}"
    )
    print_report(heading, passes, queries)
    checks = verdicts(passes)
    harness.print_checks(checks)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine,
        "settings": {k: getattr(args, k) for k in ("samples", "warmup", "threads")},
        "data": {
            "assessments": data["assessments"],
            "codes_given": data["codes_given"],
            "customers": len(data["customers"]),
            "heavy_assessments": [counts[-1], counts[0]],
            "database_size": data["database_size"],
        },
        "queries": queries,
        "passes": passes,
        "checks": [{"check": label, "pass": ok, "value": value} for label, ok, value in checks],
    }
    out = harness.save_result("sensitivity_load", result)
    print(f"\nresults: {out.relative_to(harness.ROOT)}")


if __name__ == "__main__":
    main()
