"""Tickets under concurrent HTTP load: the agent inbox, ticket creation and a long ticket,
each next to two floors served by the same gunicorn in the same run.

Data: a database of its own (csportal_bench_tickets, created and migrated when missing) with
one organization (10 agents, 1 manager, 8 categories), 2,000 customers and 100,000 tickets
over the past year (statuses, priorities, assignees and categories spread as in a working
desk; 1-3 updates each), one of which has exactly 100 updates. Seeding runs once; the
tickets the run itself creates are deleted before and after it (`--reseed` rebuilds).

Server: gunicorn exactly as `web` in docker-compose runs it (`-c docker/gunicorn.conf.py
csportal.wsgi:application`, DEBUG=0), with DJANGO_SETTINGS_MODULE=bench.bench_settings (the
production settings plus the two floor views of bench/bench_urls.py), on a free loopback
port, with the compose defaults WEB_CONCURRENCY=4 (two processes per core) x
GUNICORN_THREADS=4; --workers / --threads change them.

Load: N keep-alive clients in one asyncio process (a minimal HTTP/1.1 client: it takes about
a tenth of a core at 1,300 requests/s, which it would otherwise take from the server), a
warm-up and then a fixed time per scenario, closed loop, at each concurrency level (4 and 16
clients by default); the API with a token, the pages with a session cookie. Latency is from
sending the request to the last byte of the response.

    floor json         GET  /bench/floor/json: a bare view returning JSON
    floor insert       POST /bench/floor/insert: a bare view, one INSERT in one transaction
    floor 9 trips      POST /bench/floor/nine: BEGIN, 7 INSERTs, COMMIT (the issue's yardstick)
    api inbox          GET  /api/v1/organizations/<slug>/tickets/?view=all&status=open&page=1..20
    api search model   the same with &search=<a model code> (about 10 open tickets match)
    api search common  the same with &search=refund (a third of them match), pages 1-3
    page inbox         GET  /o/<slug>/tickets/?view=all&status=open&page=1..20
    api create         POST /api/v1/tickets/ as one of 2,000 customers (routed: agents online)
    page detail        GET  /o/<slug>/tickets/<id>/ for the ticket with 100 updates
    api detail         GET  /api/v1/tickets/<id>/, the same ticket
    api updates        GET  /api/v1/tickets/<id>/updates/, its timeline (first page)

Queries per request come from calling each endpoint once in-process (django.test.Client,
same settings, same data) under CaptureQueriesContext; "rows" is the most rows one of those
queries returned, which shows a page that reads a whole table.

    .venv/bin/python bench/tickets_load.py                  # seed if needed, then run
    .venv/bin/python bench/tickets_load.py --wait-quiet 10 --rounds 2   # the README figures
    .venv/bin/python bench/tickets_load.py --only "floor insert,api create" --concurrency 16
    .venv/bin/python bench/tickets_load.py --no-load --show-queries     # the SQL of each
    .venv/bin/python bench/tickets_load.py --no-load --explain          # the inbox's plans
    .venv/bin/python bench/tickets_load.py --no-load --profile "page detail"

The machine runs the server, PostgreSQL, Redis and the load generator on the same 2 cores:
anything else running skews the figures, so the header says how busy the CPU was just
before, and --wait-quiet waits for it to be idle.

PostgreSQL at 127.0.0.1:5432 (user postgres) and Redis at 127.0.0.1:6379 by default;
BENCH_DATABASE_URL and BENCH_REDIS_URL point elsewhere. Results go to bench/results/.

Targets (the tickets issue): inbox p95 < 50 ms; ticket creation >= 35% of the one-row-insert
floor's requests per second; detail page and API on the 100-update ticket p95 < 50 ms.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/csportal_bench_tickets"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
    "DEBUG": "0",
    "SECRET_KEY": "benchmark-only-secret-key-not-for-production-use-0123456789",
    "SECURE_SSL_REDIRECT": "0",
    "ALLOWED_HOSTS": "127.0.0.1",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "CHANNEL_LAYER_PREFIX": "csportal-bench",
    "CACHE_KEY_PREFIX": "csportal-bench",
    "LOG_LEVEL": "WARNING",
}
# This process reads the same settings for seeding and for counting queries.
os.environ.update(SERVER_ENV)

SLUG = "bench-desk"
TICKETS = 100_000
CUSTOMERS = 2_000
AGENTS = 10
LONG_TICKET_UPDATES = 100
LONG_TICKET_SUBJECT = "Bench: the ticket with 100 updates"
LOAD_PREFIX = "[load] "  # subjects of the tickets the run creates, deleted before and after
PASSWORD = "bench-password-0123"  # noqa: S105 - benchmark users in a throwaway database
# Agents search for a model or an order number (a handful of open tickets each) and for
# common words; "refund" is in about a third of all tickets.
SEARCH_COMMON = "refund"
MODEL_SERIES = 50  # per product: 600 model codes, each in about 170 of the 100,000 tickets

ALONE_REPEATS = 21

TARGET_INBOX_P95_MS = 50.0
TARGET_DETAIL_P95_MS = 50.0
TARGET_CREATE_RATIO = 0.35


# The database, before Django connects -----------------------------------------------------


def _admin_connection():
    import psycopg

    parts = urlsplit(DATABASE_URL)
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ), parts.path.lstrip("/")


def prepare_database(reseed: bool) -> None:
    conn, name = _admin_connection()
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reseed:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


# Seeding ------------------------------------------------------------------------------------

CATEGORIES = [
    ("Billing", "billing"),
    ("Refunds and returns", "returns"),
    ("Installation", "installation"),
    ("Repairs", "repairs"),
    ("Network and Wi-Fi", "network"),
    ("Accounts and login", "accounts"),
    ("Warranty", "warranty"),
    ("Other", ""),
]
PRODUCTS = [
    "washing machine",
    "dishwasher",
    "router",
    "TV",
    "fridge",
    "boiler",
    "oven",
    "air conditioner",
    "laptop",
    "phone",
    "printer",
    "vacuum cleaner",
]
PROBLEMS = [
    "won't turn on",
    "makes a loud noise",
    "stopped working",
    "was delivered broken",
    "shows an error code",
    "is leaking",
    "keeps restarting",
    "is missing a part",
    "was charged twice",
    "needs a visit",
    "asks for a refund",
    "is slow",
]
SENTENCES = [
    "It started yesterday evening and nothing I tried helps.",
    "I already unplugged it and plugged it back in.",
    "The warranty card says it is covered until next year.",
    "Please call me in the morning, I am at work in the afternoon.",
    "My order number is on the invoice I attached last time.",
    "I would like a refund if it cannot be repaired this week.",
    "The technician who came last month was very helpful.",
    "The display shows E24 and then switches itself off.",
    "I was charged twice on my card for the same order.",
    "Could someone tell me where things stand?",
]
NOTES = [
    "Called the customer, no answer; left a voicemail.",
    "Spare part ordered from the supplier, ETA three days.",
    "Asked the customer for a photo of the serial number plate.",
    "Visit booked for Thursday morning.",
    "Checked the billing history: the second charge is a pre-authorisation.",
    "Escalated to the repair team lead.",
]


def _model(rng) -> str:
    product = rng.randrange(len(PRODUCTS))
    return f"{PRODUCTS[product][:2].upper()}{product:02d}-{rng.randrange(MODEL_SERIES):02d}"


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def seed() -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import (
        AgentSkill,
        CustomerProfile,
        Membership,
        Organization,
        Role,
        User,
    )
    from tickets.models import (
        DEFAULT_SLA,
        Category,
        Channel,
        Priority,
        Status,
        Ticket,
        TicketUpdate,
        UpdateKind,
    )

    rng = random.Random(20261125)  # the same data on every machine
    now = timezone.now()
    started = time.perf_counter()
    password = make_password(PASSWORD)  # one hash for everybody: hashing 2,000 takes minutes

    with transaction.atomic():
        organization = Organization.objects.create(name="Bench Desk", slug=SLUG)
        manager = User.objects.create(
            email="manager@bench.example", full_name="Morgan Manager", password=password
        )
        agents = User.objects.bulk_create(
            [
                User(
                    email=f"agent{i:02d}@bench.example",
                    full_name=f"Agent {i:02d}",
                    password=password,
                )
                for i in range(1, AGENTS + 1)
            ]
        )
        memberships = Membership.objects.bulk_create(
            [
                Membership(user=user, organization=organization, role=role, accepted_at=now)
                for user, role in [(manager, Role.MANAGER)]
                + [(agent, Role.AGENT) for agent in agents]
            ]
        )
        skills = [skill for _, skill in CATEGORIES if skill]
        AgentSkill.objects.bulk_create(
            [
                AgentSkill(membership=membership, skill=skill)
                for i, membership in enumerate(memberships[1:])
                for skill in {
                    skills[i % len(skills)],
                    skills[(i + 3) % len(skills)],
                    skills[(i + 5) % len(skills)],
                }
            ]
        )
        categories = Category.objects.bulk_create(
            [
                Category(organization=organization, name=name, skill=skill)
                for name, skill in CATEGORIES
            ]
        )
        customers = User.objects.bulk_create(
            [
                User(
                    email=f"customer{i:04d}@bench.example",
                    full_name=f"Customer {i:04d}",
                    password=password,
                    date_joined=now - timedelta(days=400),
                )
                for i in range(1, CUSTOMERS + 1)
            ],
            batch_size=1000,
        )
        CustomerProfile.objects.bulk_create(
            [CustomerProfile(user=customer) for customer in customers], batch_size=1000
        )
        Token.objects.bulk_create(
            [Token(key=Token.generate_key(), user=user) for user in [manager, *agents, *customers]],
            batch_size=1000,
        )

    staff = [manager, *agents]
    year = timedelta(days=365).total_seconds()
    batch = 5_000
    made = 0
    while made < TICKETS - 1:
        size = min(batch, TICKETS - 1 - made)
        tickets = []
        for _ in range(size):
            age = timedelta(seconds=year * rng.random() ** 1.3)  # more recent than old
            created = now - age
            if age < timedelta(days=2):
                status = _weighted(
                    rng, [("new", 40), ("open", 40), ("pending", 15), ("resolved", 5)]
                )
            elif age < timedelta(days=14):
                status = _weighted(
                    rng,
                    [("new", 5), ("open", 35), ("pending", 20), ("resolved", 25), ("closed", 15)],
                )
            else:
                status = _weighted(
                    rng, [("open", 3), ("pending", 2), ("resolved", 10), ("closed", 85)]
                )
            priority = _weighted(rng, [("low", 20), ("normal", 55), ("high", 20), ("urgent", 5)])
            first, resolution = DEFAULT_SLA[priority]
            # Last touched somewhere between opening and now: distinct times, as in real life.
            worked = min(age, timedelta(days=rng.uniform(0.05, 12))) * rng.uniform(0.2, 0.999)
            updated = created + worked
            assignee = None if status == Status.NEW and rng.random() < 0.7 else rng.choice(staff)
            product, problem = rng.choice(PRODUCTS), rng.choice(PROBLEMS)
            responded = None if status == Status.NEW else created + min(worked, timedelta(hours=2))
            tickets.append(
                Ticket(
                    organization=organization,
                    customer=rng.choice(customers),
                    subject=f"My {product} {problem}",
                    body=" ".join(rng.sample(SENTENCES, rng.randint(2, 4)))
                    + f" Model {_model(rng)}, order {rng.randint(100000, 999999)}.",
                    category=rng.choice(categories) if rng.random() < 0.9 else None,
                    channel=_weighted(
                        rng,
                        [
                            (Channel.WEB, 50),
                            (Channel.API, 10),
                            (Channel.PHONE, 20),
                            (Channel.EMAIL, 15),
                            (Channel.CHAT, 5),
                        ],
                    ),
                    status=status,
                    priority=priority,
                    assignee=assignee,
                    result="Repaired on site." if status in ("resolved", "closed") else "",
                    first_response_due=created + timedelta(minutes=first),
                    resolution_due=created + timedelta(minutes=resolution),
                    first_responded_at=responded,
                    resolved_at=updated if status in ("resolved", "closed") else None,
                    closed_at=updated if status == "closed" else None,
                    created_at=created,
                    updated_at=updated,
                )
            )
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create(tickets, batch_size=1000)
            updates = []
            for ticket in tickets:
                updates.append(
                    TicketUpdate(
                        ticket=ticket,
                        kind=UpdateKind.CREATED,
                        author=ticket.customer,
                        body=ticket.body,
                        created_at=ticket.created_at,
                    )
                )
                extra = rng.randint(0, 2) if ticket.status != Status.NEW else 0
                for n in range(extra):
                    updates.append(
                        TicketUpdate(
                            ticket=ticket,
                            kind=UpdateKind.PROGRESS if n == 0 else UpdateKind.RESULT,
                            author=ticket.assignee or manager,
                            body=rng.choice(SENTENCES),
                            created_at=ticket.created_at
                            + (ticket.updated_at - ticket.created_at) * (n + 1) / extra,
                        )
                    )
            TicketUpdate.objects.bulk_create(updates, batch_size=2000)
        made += size
        print(f"  {made:,} tickets ({time.perf_counter() - started:.0f} s)", flush=True)

    # The long one: opened two weeks ago, worked every few hours since.
    with transaction.atomic():
        created = now - timedelta(days=14)
        agent = agents[0]
        customer = customers[0]
        ticket = Ticket.objects.create(
            organization=organization,
            customer=customer,
            subject=LONG_TICKET_SUBJECT,
            body="The boiler keeps losing pressure. " * 5,
            category=categories[3],
            status=Status.OPEN,
            priority=Priority.HIGH,
            assignee=agent,
            first_response_due=created + timedelta(hours=1),
            resolution_due=created + timedelta(days=1),
            first_responded_at=created + timedelta(minutes=30),
            created_at=created,
            updated_at=now - timedelta(minutes=5),
        )
        kinds = [
            UpdateKind.PROGRESS,
            UpdateKind.INTERNAL,
            UpdateKind.FOLLOW_UP,
            UpdateKind.PROGRESS,
            UpdateKind.STATUS_REQUEST,
        ]
        rows = [
            TicketUpdate(
                ticket=ticket,
                kind=UpdateKind.CREATED,
                author=customer,
                body=ticket.body,
                created_at=created,
            )
        ]
        for n in range(1, LONG_TICKET_UPDATES):
            kind = kinds[n % len(kinds)]
            by_customer = kind in (UpdateKind.FOLLOW_UP, UpdateKind.STATUS_REQUEST)
            rows.append(
                TicketUpdate(
                    ticket=ticket,
                    kind=kind,
                    author=customer if by_customer else rng.choice([agent, manager]),
                    body=rng.choice(SENTENCES if by_customer else NOTES),
                    is_public=kind != UpdateKind.INTERNAL,
                    created_at=created + timedelta(hours=3 * n),
                )
            )
        TicketUpdate.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would have by now
    print(f"seeded in {time.perf_counter() - started:.0f} s")


def ensure_data(reseed: bool) -> dict:
    """Seed when needed; return what the scenarios need (ids, tokens)."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import Membership, Organization, Presence, PresenceStatus, Role
    from csportal.models import Event
    from notifications.models import Notification
    from tickets.models import Ticket

    call_command("migrate", verbosity=0)
    # DEBUG=0 serves hashed names from the manifest. django-htmx 1.29 ships hx-sse-2.js, whose
    # import of "django_htmx/htmx" the manifest storage cannot resolve: collectstatic fails
    # on it in production too (reported); no page here loads it, so it is left out.
    call_command(
        "collectstatic", interactive=False, verbosity=0, ignore_patterns=["django_htmx/ext/*"]
    )
    organization = Organization.objects.filter(slug=SLUG).first()
    if organization is None:
        print(f"seeding {TICKETS:,} tickets (once; --reseed to redo)...", flush=True)
        seed()
        organization = Organization.objects.get(slug=SLUG)
    clean_up()
    count = Ticket.objects.filter(organization=organization).count()
    if count != TICKETS:
        raise SystemExit(f"{count:,} tickets in {SLUG}, expected {TICKETS:,}: run with --reseed")
    long_ticket = Ticket.objects.get(organization=organization, subject=LONG_TICKET_SUBJECT)
    members = Membership.objects.filter(organization=organization).select_related("user")
    agents = sorted((m.user for m in members if m.role == Role.AGENT), key=lambda u: u.email)
    # Routing sends new tickets to online agents: the desk is staffed during the run.
    for agent in agents:
        Presence.objects.update_or_create(
            user=agent,
            defaults={
                "status": PresenceStatus.ONLINE,
                "connections": 1,
                "last_seen": timezone.now(),
            },
        )
    agent = agents[0]
    customer_tokens = list(
        Token.objects.filter(user__email__startswith="customer").values_list("key", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    return {
        "organization": organization,
        "slug": SLUG,
        "agent": agent,
        "agent_token": Token.objects.get(user=agent).key,
        "customer_tokens": customer_tokens,
        "long_ticket": long_ticket.pk,
        "category_ids": list(organization.ticket_categories.values_list("pk", flat=True)),
        "open_tickets": Ticket.objects.filter(organization=organization, status="open").count(),
        "tickets": count,
        "database_size": size,
        "events": Event.objects.count(),
        "notifications": Notification.objects.count(),
    }


def clean_up() -> None:
    """Delete what earlier runs wrote, so every run starts from the seeded 100,000."""
    from django.db import connection

    from csportal.models import Event
    from notifications.models import Notification
    from tickets.models import Ticket

    Ticket.objects.filter(subject__startswith=LOAD_PREFIX).delete()
    # Nothing in the seed publishes or notifies: every row of these is the runs' own.
    Notification.objects.all().delete()
    Event.objects.all().delete()
    with connection.cursor() as cursor:  # reuse the space, keep index-only scans index-only
        for table in (
            "csportal_event",
            "notifications_notification",
            "tickets_ticketupdate",
            "tickets_ticket",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    try:
        import redis

        redis.Redis.from_url(REDIS_URL).delete("celery")  # the tasks nobody consumes here
    except Exception as exc:  # noqa: BLE001 - a leftover queue is harmless
        print(f"(could not empty the bench Celery queue: {exc})")


# Scenarios ----------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    method: str
    expect: int
    make: object  # (rng) -> (path, headers, json body or None)
    target: str = ""  # "inbox", "detail", "create", "insert-floor"
    result: dict = field(default_factory=dict)  # in-process: queries, rows, time alone
    load: dict = field(default_factory=dict)  # per concurrency level: req/s, percentiles


def scenarios(data: dict, session_cookie: str) -> list[Scenario]:
    slug, long_id = data["slug"], data["long_ticket"]
    agent_api = {"Authorization": f"Token {data['agent_token']}"}
    page = {"Cookie": f"sessionid={session_cookie}"}
    customer_tokens = data["customer_tokens"]
    categories = data["category_ids"]

    def get(path, headers=None):
        return lambda rng: (path(rng) if callable(path) else path, headers or {}, None)

    def create(rng):
        body = {
            "organization": slug,
            "subject": f"{LOAD_PREFIX}My {rng.choice(PRODUCTS)} {rng.choice(PROBLEMS)}",
            "body": " ".join(rng.sample(SENTENCES, 3)),
            "category": rng.choice(categories),
            "priority": rng.choice(["low", "normal", "high"]),
        }
        return "/api/v1/tickets/", {"Authorization": f"Token {rng.choice(customer_tokens)}"}, body

    inbox = f"/api/v1/organizations/{slug}/tickets/?view=all&status=open"
    return [
        Scenario("floor json", "GET", 200, get("/bench/floor/json")),
        Scenario(
            "floor insert",
            "POST",
            201,
            lambda rng: ("/bench/floor/insert", {}, {}),
            target="insert-floor",
        ),
        Scenario(
            "floor 9 trips", "POST", 201, lambda rng: ("/bench/floor/nine", {}, {}), target="nine"
        ),
        Scenario(
            "api inbox",
            "GET",
            200,
            get(lambda rng: f"{inbox}&page={rng.randint(1, 20)}", agent_api),
            target="inbox",
        ),
        Scenario(
            "api search model",
            "GET",
            200,
            get(lambda rng: f"{inbox}&search={_model(rng)}", agent_api),
            target="inbox",
        ),
        Scenario(
            "api search common",
            "GET",
            200,
            get(lambda rng: f"{inbox}&search={SEARCH_COMMON}&page={rng.randint(1, 3)}", agent_api),
            target="inbox",
        ),
        Scenario(
            "page inbox",
            "GET",
            200,
            get(
                lambda rng: f"/o/{slug}/tickets/?view=all&status=open&page={rng.randint(1, 20)}",
                page,
            ),
            target="inbox",
        ),
        Scenario("api create", "POST", 201, create, target="create"),
        Scenario(
            "page detail", "GET", 200, get(f"/o/{slug}/tickets/{long_id}/", page), target="detail"
        ),
        Scenario(
            "api detail", "GET", 200, get(f"/api/v1/tickets/{long_id}/", agent_api), target="detail"
        ),
        Scenario(
            "api updates",
            "GET",
            200,
            get(f"/api/v1/tickets/{long_id}/updates/", agent_api),
            target="detail",
        ),
    ]


# Queries per request, in-process ------------------------------------------------------------


def count_queries(items: list[Scenario], data: dict, session_cookie: str, show: bool) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rng = random.Random(1)
    for scenario in items:
        path, headers, body = scenario.make(rng)
        extra = {"SERVER_NAME": "127.0.0.1"}
        for name, value in headers.items():
            if name == "Cookie":
                continue
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        client = Client(raise_request_exception=False, **extra)
        if "Cookie" in headers:
            client.cookies["sessionid"] = session_cookie
        rows: list[int] = []

        def count_rows(execute, sql, params, many, context, rows=rows):
            result = execute(sql, params, many, context)
            cursor = context["cursor"]
            rows.append(cursor.rowcount if cursor.description is not None else 0)
            return result

        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(count_rows):
            if scenario.method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, body or {}, content_type="application/json")
        queries = list(captured.captured_queries)  # before the next request resets the log
        # One request at a time, nothing else running in this process: what it costs alone.
        alone = []
        for _ in range(ALONE_REPEATS):
            path_, headers_, body_ = scenario.make(rng)
            started = time.perf_counter()
            if scenario.method == "GET":
                client.get(path_)
            else:
                client.post(path_, body_ or {}, content_type="application/json")
            alone.append(time.perf_counter() - started)
        # BEGIN and COMMIT are logged by Django but don't pass through execute(); they are
        # round trips all the same, as are SAVEPOINT / RELEASE SAVEPOINT.
        control = sum(1 for q in queries if _is_control(q["sql"]))
        scenario.result.update(
            {
                "queries": len(queries) - control,
                "round_trips": len(queries),
                "max_rows": max(rows, default=0),
                "status_in_process": response.status_code,
                "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
                "alone_ms": statistics.median(alone) * 1000,
            }
        )
        if response.status_code != scenario.expect:
            print(
                f"  ! {scenario.name}: {path} answered {response.status_code} in-process: "
                f"{response.content[:300]!r}"
            )
        if show:
            print(f"\n-- {scenario.name}: {path} -> {response.status_code}, {len(queries)} queries")
            counts = iter(rows)
            for query in queries:
                n = "" if query["sql"] in ("BEGIN", "COMMIT", "ROLLBACK") else next(counts, "?")
                print(f"   {float(query['time']) * 1000:6.2f} ms {n:>5} rows  {query['sql'][:400]}")


def profile(items: list[Scenario], session_cookie: str, names: str, repeats: int = 50) -> None:
    """cProfile `repeats` in-process requests of each named scenario: where the time goes."""
    import cProfile
    import pstats

    from django.test import Client

    for scenario in items:
        if scenario.name not in {n.strip() for n in names.split(",")}:
            continue
        rng = random.Random(2)
        client = Client(raise_request_exception=False, SERVER_NAME="127.0.0.1")
        client.cookies["sessionid"] = session_cookie

        def once(client=client, scenario=scenario, rng=rng):
            path, headers, body = scenario.make(rng)
            extra = {
                "HTTP_" + k.upper().replace("-", "_"): v
                for k, v in headers.items()
                if k != "Cookie"
            }
            if scenario.method == "GET":
                return client.get(path, **extra)
            return client.post(path, body or {}, content_type="application/json", **extra)

        for _ in range(3):
            once()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeats):
            once()
        profiler.disable()
        print(
            f"\n-- profile of {repeats} x {scenario.name} (in-process, profiler overhead "
            f"included), by cumulative time:"
        )
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(15)


def _is_control(sql: str) -> bool:
    return sql in ("BEGIN", "COMMIT", "ROLLBACK") or sql.startswith(
        ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    )


def session_for(user) -> str:
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    return client.cookies["sessionid"].value


def explain_inbox(data: dict) -> None:
    from django.db import connection

    from tickets.selectors import tickets_for_staff

    model = _model(random.Random(5))
    searches = (("inbox", ""), (f"search {model}", model), ("search common", SEARCH_COMMON))
    for label, search in searches:
        tickets = tickets_for_staff(
            data["organization"], user=data["agent"], view="all", status="open", search=search
        )
        for what, query in (("page 20", tickets[950:1000].query), ("count", None)):
            if query is None:  # what QuerySet.count() sends: no joins, no ordering
                sql, params = tickets.order_by().values("pk").query.sql_with_params()
                sql = f"SELECT COUNT(*) FROM ({sql}) sub"  # noqa: S608 - Django's own SQL
            else:
                sql, params = query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
            print(f"\n-- EXPLAIN ANALYZE {label}, {what}:\n{plan}")


# The server ---------------------------------------------------------------------------------


def cpu_busy(seconds: float = 2.0) -> float:
    """The share of the machine's CPU time spent busy over `seconds` (from /proc/stat)."""

    def sample():
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return sum(values) - idle, sum(values)

    busy0, total0 = sample()
    time.sleep(seconds)
    busy1, total1 = sample()
    return (busy1 - busy0) / max(1, total1 - total0)


def wait_quiet(minutes: float, threshold: float = 0.15) -> float:
    """Wait (up to `minutes`) until other work leaves the machine nearly idle; the last share."""
    deadline = time.monotonic() + minutes * 60
    busy = cpu_busy()
    while busy > threshold and time.monotonic() < deadline:
        print(f"  machine {busy:.0%} busy with other work; waiting...", flush=True)
        time.sleep(10)
        busy = cpu_busy()
    return busy


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int, threads: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        **SERVER_ENV,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_THREADS": str(threads),
        "GUNICORN_LOG_LEVEL": "warning",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "docker/gunicorn.conf.py",
            "csportal.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/floor/json", timeout=2):  # noqa: S310
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # gunicorn's graceful stop, workers included
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# Load ---------------------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection, as lean as it can be: on a 2-core machine every
    cycle the load generator spends is taken from the server it measures."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body) -> int:
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        data = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
        for attempt in (1, 2):  # a server may close an idle keep-alive connection
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                self.writer.write(data)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> int:
        header = await self.reader.readuntil(b"\r\n\r\n")
        lines = header.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip().lower()
        if "content-length" in fields:
            await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding") == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await self.reader.read()
            self.close()
        if fields.get("connection") == "close":
            self.close()
        return status

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def load(base: str, scenario: Scenario, concurrency: int, warmup: float, duration: float):
    parts = urlsplit(base)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    recording = False
    stop_at = time.perf_counter() + 3600

    async def client(n: int):
        rng = random.Random(n)
        connection = Connection(parts.hostname, parts.port)
        try:
            while time.perf_counter() < stop_at:
                path, headers, body = scenario.make(rng)
                started = time.perf_counter()
                try:
                    status = await asyncio.wait_for(
                        connection.request(scenario.method, path, headers, body), 30
                    )
                except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                    status = type(exc).__name__
                    connection.close()
                elapsed = time.perf_counter() - started
                if recording:
                    latencies.append(elapsed)
                    if status != scenario.expect:
                        errors[str(status)] = errors.get(str(status), 0) + 1
        finally:
            connection.close()

    tasks = [asyncio.create_task(client(n)) for n in range(concurrency)]
    await asyncio.sleep(warmup)
    recording = True
    cpu_before, began = time.process_time(), time.perf_counter()
    await asyncio.sleep(duration)
    recording = False
    measured = time.perf_counter() - began
    client_cpu = time.process_time() - cpu_before
    stop_at = 0.0
    await asyncio.gather(*tasks)
    return latencies, errors, measured, client_cpu


def _run(coroutine):
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def run_load(base, items, levels, warmup, duration, rounds) -> None:
    """Each scenario at each concurrency level, `rounds` times over (results pooled)."""
    pooled = {
        (s.name, c): {"latencies": [], "errors": {}, "seconds": 0.0, "cpu": 0.0}
        for s in items
        for c in levels
    }
    for round_ in range(rounds):
        for concurrency in levels:
            for scenario in items:
                latencies, errors, seconds, cpu = _run(
                    load(base, scenario, concurrency, warmup, duration)
                )
                into = pooled[scenario.name, concurrency]
                into["latencies"] += latencies
                into["seconds"] += seconds
                into["cpu"] += cpu
                for key, value in errors.items():
                    into["errors"][key] = into["errors"].get(key, 0) + value
                print(
                    f"  round {round_ + 1}, {concurrency:2d} clients: {scenario.name:17} "
                    f"{len(latencies) / seconds:8.1f} req/s  p95 "
                    f"{percentile(latencies, 95) * 1000:7.1f} ms  errors "
                    f"{sum(errors.values())}",
                    flush=True,
                )
    for scenario in items:
        for concurrency in levels:
            into = pooled[scenario.name, concurrency]
            values = into["latencies"]
            scenario.load[concurrency] = {
                "requests": len(values),
                "rps": len(values) / into["seconds"],
                "p50_ms": percentile(values, 50) * 1000,
                "p95_ms": percentile(values, 95) * 1000,
                "p99_ms": percentile(values, 99) * 1000,
                "mean_ms": statistics.fmean(values) * 1000 if values else float("nan"),
                "errors": sum(into["errors"].values()),
                "error_kinds": into["errors"],
                "client_cpu": into["cpu"] / into["seconds"],
            }


# Report -------------------------------------------------------------------------------------


def verdicts(items: list[Scenario], levels: list[int]) -> list[tuple[str, bool, str]]:
    by_name = {s.name: s for s in items}
    out = []
    for concurrency in levels:
        for s in items:
            r = s.load.get(concurrency)
            if r is None or s.target not in ("inbox", "detail"):
                continue
            limit = TARGET_INBOX_P95_MS if s.target == "inbox" else TARGET_DETAIL_P95_MS
            out.append(
                (
                    f"{s.name} p95 < {limit:.0f} ms at {concurrency} clients",
                    r["p95_ms"] < limit and not r["errors"],
                    f"{r['p95_ms']:.1f} ms",
                )
            )
        nine, floor = by_name.get("floor 9 trips"), by_name.get("floor insert")
        if nine and floor and concurrency in nine.load and concurrency in floor.load:
            ratio = nine.load[concurrency]["rps"] / floor.load[concurrency]["rps"]
            out.append(
                (
                    f"(yardstick) floor 9 trips at {concurrency} clients: the issue saw 26-33%",
                    None,
                    f"{ratio:.1%} of floor insert req/s",
                )
            )
        create = by_name.get("api create")
        if create and floor and concurrency in create.load and concurrency in floor.load:
            c, f = create.load[concurrency], floor.load[concurrency]
            ratio = c["rps"] / f["rps"]
            out.append(
                (
                    f"api create >= {TARGET_CREATE_RATIO:.0%} of floor insert req/s at "
                    f"{concurrency} clients",
                    ratio >= TARGET_CREATE_RATIO and not c["errors"],
                    f"{ratio:.1%} ({c['rps']:.0f} / {f['rps']:.0f} req/s)",
                )
            )
    return out


def report(items, data, args, levels, machine) -> dict:
    print()
    print(
        f"{data['tickets']:,} tickets ({data['open_tickets']:,} open) in PostgreSQL, "
        f"database {data['database_size']}; gunicorn gthread {args.workers} workers x "
        f"{args.threads} threads; {args.warmup:g} s warm-up + {args.duration:g} s x "
        f"{args.rounds} round(s) per scenario; {machine}"
    )
    print(
        "queries: SQL statements of one request (in-process); trips: with BEGIN/COMMIT/"
        "SAVEPOINT; rows: most rows one query returned; 1x ms: one request alone, in-process;"
        " client: CPU share the load generator used"
    )
    header = (
        f"{'scenario':17} {'clients':>7} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'queries':>7} {'trips':>5} {'rows':>5} {'1x ms':>6} "
        f"{'errors':>6} {'client':>6}"
    )
    print(header)
    print("-" * len(header))
    for concurrency in levels:
        for s in items:
            r, q = s.load.get(concurrency), s.result
            if r is None:
                continue
            print(
                f"{s.name:17} {concurrency:7d} {r['rps']:8.1f} {r['p50_ms']:7.1f} "
                f"{r['p95_ms']:7.1f} {r['p99_ms']:7.1f} {q['queries']:7d} "
                f"{q['round_trips']:5d} {q['max_rows']:5d} {q['alone_ms']:6.1f} "
                f"{r['errors']:6d} {r['client_cpu']:6.0%}"
            )
        print()
    checks = verdicts(items, levels)
    for label, ok, value in checks:
        print(f"{'info' if ok is None else 'PASS' if ok else 'FAIL'}  {label}: {value}")
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine,
        "settings": {
            **{k: getattr(args, k) for k in ("workers", "threads", "warmup", "duration", "rounds")},
            "concurrency": levels,
        },
        "data": {k: data[k] for k in ("tickets", "open_tickets", "database_size", "long_ticket")},
        "scenarios": {
            s.name: {"in_process": s.result, "load": {str(c): r for c, r in s.load.items()}}
            for s in items
        },
        "checks": [{"check": label, "pass": ok, "value": value} for label, ok, value in checks],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--concurrency", default="4,16", help="clients per scenario; a comma list runs each level"
    )
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4, help="WEB_CONCURRENCY")
    parser.add_argument("--threads", type=int, default=4, help="GUNICORN_THREADS")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--reseed", action="store_true", help="drop the database and seed anew")
    parser.add_argument("--show-queries", action="store_true")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the inbox")
    parser.add_argument("--no-load", action="store_true", help="queries only, no HTTP load")
    parser.add_argument("--profile", default="", help="cProfile these scenarios in-process")
    parser.add_argument(
        "--wait-quiet", type=float, default=0, help="wait up to this many minutes for an idle CPU"
    )
    parser.add_argument(
        "--keep-broken", action="store_true", help="load scenarios that fail in-process too"
    )
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]

    prepare_database(args.reseed)
    import django

    django.setup()
    from django.db import connection

    data = ensure_data(args.reseed)
    cookie = session_for(data["agent"])
    items = scenarios(data, cookie)
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        items = [s for s in items if s.name in wanted]
    # The in-process timings below are skewed as much as the load by other work.
    busy_before = wait_quiet(args.wait_quiet) if args.wait_quiet else cpu_busy()
    count_queries(items, data, cookie, args.show_queries)
    broken = [s for s in items if s.result["status_in_process"] != s.expect]
    if broken and not args.keep_broken:
        print(f"skipping what does not answer yet: {', '.join(s.name for s in broken)}")
        items = [s for s in items if s not in broken]
    if args.explain:
        explain_inbox(data)
    if args.profile:
        profile(items, cookie, args.profile)
    machine = f"{os.cpu_count()} cores, PostgreSQL {connection.pg_version // 10000}"
    connection.close()
    if args.no_load:
        for s in items:
            r = s.result
            print(
                f"{s.name:17} {r['queries']:3d} queries {r['round_trips']:3d} trips, "
                f"max {r['max_rows']} rows, {r['sql_ms']} ms SQL, alone {r['alone_ms']:.1f} ms, "
                f"HTTP {r['status_in_process']}"
            )
        clean_up()
        return

    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    port = free_port()
    log = results_dir / "tickets_load-gunicorn.log"
    busy_before = max(busy_before, wait_quiet(args.wait_quiet) if args.wait_quiet else cpu_busy())
    server = start_server(port, args.workers, args.threads, log)
    try:
        run_load(f"http://127.0.0.1:{port}", items, levels, args.warmup, args.duration, args.rounds)
    finally:
        stop_server(server)
    machine += f"; CPU {busy_before:.0%} busy with other work just before"
    summary = report(items, data, args, levels, machine)
    out = results_dir / f"tickets_load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(summary, indent=2, default=str))
    print(f"\nresults: {out.relative_to(ROOT)}; server log: {log.relative_to(ROOT)}")
    clean_up()


if __name__ == "__main__":
    main()
