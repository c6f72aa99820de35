"""Real-time delivery measured from outside, in the production topology (issue 15).

gunicorn serves the API (bench/harness.py, as `web` runs it), uvicorn serves `/ws/` as `ws`
runs it (csportal.asgi:application, wrapped by bench/ws_asgi.py for one probe; --no-probe
runs it bare), over the channels-redis pub/sub layer, with a Celery worker and beat. Beside
it, a second uvicorn serves the bare floor (bench/floor_asgi.py): a plain Channels consumer
joined to one group, fed by `group_send` over the same layer at the same rate, to as many
sockets, in the same time window.

The socket client behaves like static/js/realtime.js: a session cookie and an Origin that
AllowedHostsOriginValidator accepts; on open it sends {"action": "resume", "since": cursor}
(the first time, the newest event id when the scenario starts, as a page rendered then
would show everything up to it); hello / heartbeat / pong carry the server's `cursor`, which
the client moves to when it is higher, forgetting the ids at or below it; events are deduped
by id (`seen`, bounded at 5,000 as in the page) and ids at or below the cursor are dropped; a
socket silent for 3 heartbeats + 5 s is dropped and reopened; reconnects back off 0.5-30 s
with jitter (at once after 4000). No REST catch-up: the server's resume and heartbeat send
what the layer dropped over the socket. Each event is recorded as live, as resent on a
resume (within RESUME_WINDOW s of a reopen), or as a heartbeat fill (received within
FILL_WINDOW s before a heartbeat frame, which the server sends right after its fill, and
more than FILL_LAG s after the event's `at`). The API driver (an agent
with a token) posts a progress note on one of 20 tickets of organization A at a fixed rate,
open loop, and notes the wall clock when each request starts; the note's body is its key, and
latency is the time the socket got the event minus that start (one machine, one clock).

Scenarios (one or more per run; the latency one when no other is named):

    --sockets 50 --rate 10 --duration 30   latency p50/p99, ours and the floor's, and their
                                           ratio; 50 sockets of organization B must get none
                                           of A's events (tenant isolation)
    --idle 1000 [--idle-seconds 60]        that many sockets connected and idle: CPU of each
                                           uvicorn process (a fraction of one core)
    --connect-storm 1000                   all at once: time until every hello, then until
                                           presence settles (no presence.changed for 2 s)
    --faults                               during a latency run: kill -9 and restart uvicorn,
                                           then CLIENT PAUSE 3000 on Redis (a private
                                           redis-server, so no one else's Redis stalls);
                                           events never received after resync, duplicates,
                                           and presence (PresenceConnection rows and the
                                           announced status) within one expiry period
    --drop 30                              30 sockets dropped with a TCP reset, half before
                                           the handshake finishes; ERROR lines in the ws log,
                                           beating consumers (probe), presence of those
                                           users, CPU back to idle

    .venv/bin/python bench/realtime_load.py --sockets 50 --rate 10 --duration 30
    .venv/bin/python bench/realtime_load.py --idle 1000 --connect-storm 1000
    .venv/bin/python bench/realtime_load.py --faults --duration 60
    .venv/bin/python bench/realtime_load.py --drop 30

Everything runs on this machine, traffic to 127.0.0.1 only; the load generator and both
drivers share one asyncio process with the sockets (its CPU share is reported). Database
csportal_rtbench (BENCH_DATABASE_URL), Redis db 5 with the prefix "rtbench"
(BENCH_REDIS_URL). Results: bench/results/realtime_load-<time>.json; logs beside them.
"""

import argparse
import asyncio
import base64
import contextlib
import json
import os
import random
import socket
import struct
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import harness

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/csportal_rtbench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
PREFIX = "rtbench"

ORG_A, ORG_B = "rtbench-a", "rtbench-b"
OTHER_SOCKETS = 50  # organization B's, for the isolation check
TICKETS = 20  # the driver spreads its notes over them: one ticket's row lock is not the test
MARKER = "rtbench"
WS_PATH, FLOOR_PATH, PROBE_PATH = "/ws/events/", "/ws/floor/", "/bench/ws-tasks"

# What static/js/realtime.js does.
SEEN_LIMIT = 5000
BACKOFF_BASE, BACKOFF_MAX = 0.5, 30.0
CLOSE_UNAUTHENTICATED, CLOSE_RECONNECT = 4401, 4000

# How an event reached the socket, told apart by time: the server sends no marker. Resent by
# a resume: within RESUME_WINDOW s of a reopen. A heartbeat fill: the server sends it just
# before the heartbeat frame, so received within FILL_WINDOW s before one, and late (more
# than FILL_LAG s after its `at`), which a live send within that window is not.
RESUME_WINDOW = 3.0
FILL_WINDOW, FILL_LAG = 0.5, 1.0

# Bounds: every loop ends.
MAX_CONNECTS = 40  # per socket and scenario
GONE = 5  # --faults: listeners whose tab closed while uvicorn was down (no reconnect)
DRIVER_IN_FLIGHT = 64
PRESENCE_QUIET = 2.0
EXPIRY_MARGIN = 5.0  # s past TTL + sweep: the sweep task's queueing and run
HELLO_LIMIT = 300.0
SETTLE_LIMIT = 600.0
CONNECT_GATE = 100  # handshakes at once outside the storm

WS_ERROR_MARKS = ("ERROR", "Traceback", "Exception in ASGI")


# Data ---------------------------------------------------------------------------------------


def ensure_data(listeners: int) -> dict:
    """Organization A with `listeners` agents (sockets) and one more who drives, 20 tickets;
    organization B with 50 agents. Created once, grown on demand; the runs' own rows
    (events, notes, notifications, sessions) are deleted first."""
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import ApiToken, CustomerProfile, Membership, Organization, Role, User
    from csportal.models import Event
    from notifications.models import Notification, PendingNotification
    from tickets.models import DEFAULT_SLA, Status, Ticket, TicketUpdate, UpdateKind

    harness.prepare_site()
    now = timezone.now()
    password = make_password(None)  # nobody signs in with a password here

    def staff(organization, prefix: str, count: int) -> list:
        have = User.objects.filter(email__startswith=prefix).count()
        if have < count:
            users = User.objects.bulk_create(
                [
                    User(email=f"{prefix}{i:04d}@bench.example", full_name=f"RT {prefix}{i:04d}")
                    for i in range(have, count)
                ]
            )
            for user in users:
                user.password = password
            User.objects.bulk_update(users, ["password"])
            Membership.objects.bulk_create(
                [
                    Membership(user=u, organization=organization, role=Role.AGENT, accepted_at=now)
                    for u in users
                ]
            )
        return list(User.objects.filter(email__startswith=prefix).order_by("email")[:count])

    with transaction.atomic():
        a, _ = Organization.objects.get_or_create(slug=ORG_A, defaults={"name": "Realtime A"})
        b, _ = Organization.objects.get_or_create(slug=ORG_B, defaults={"name": "Realtime B"})
        (driver,) = staff(a, "rt-driver-", 1)
        listeners_a = staff(a, "rt-a-", listeners)
        listeners_b = staff(b, "rt-b-", OTHER_SOCKETS)
        # Only a key's hash is stored: the harness makes the key from the user's id.
        if not ApiToken.objects.filter(user=driver, name=harness.SEEDED_KEYS_NAME).exists():
            ApiToken.objects.bulk_create(harness.bench_api_tokens([driver.pk], now))
        tickets = list(Ticket.objects.filter(organization=a).order_by("pk")[:TICKETS])
        for n in range(len(tickets), TICKETS):
            customer = User.objects.create(
                email=f"rt-customer-{n:04d}@bench.example", full_name=f"RT customer {n}"
            )
            CustomerProfile.objects.create(user=customer)
            first, resolution = DEFAULT_SLA["normal"]
            ticket = Ticket.objects.create(
                organization=a,
                customer=customer,
                subject=f"Realtime bench ticket {n}",
                body="The boiler keeps losing pressure.",
                status=Status.OPEN,
                priority="normal",
                assignee=driver,
                first_response_due=now + timedelta(minutes=first),
                resolution_due=now + timedelta(minutes=resolution),
                first_responded_at=now,
            )
            TicketUpdate.objects.create(
                ticket=ticket, kind=UpdateKind.CREATED, author=customer, body=ticket.body
            )
            tickets.append(ticket)

    # What earlier runs left: their notes (the timelines would grow run after run), events,
    # notifications and sessions. The database is the benchmark's own.
    TicketUpdate.objects.filter(ticket__organization=a, body__startswith=MARKER).delete()
    Event.objects.all().delete()
    Notification.objects.all().delete()
    PendingNotification.objects.all().delete()
    Session.objects.all().delete()
    reset_presence()
    return {
        "a": a.pk,
        "b": b.pk,
        "driver_token": harness.bench_api_key(driver.pk),
        "tickets": [t.pk for t in tickets],
        "users_a": listeners_a,
        "users_b": listeners_b,
        "ids_a": {u.pk for u in [driver, *listeners_a]},
    }


def reset_presence() -> None:
    """Everyone of the two organizations offline, between scenarios (after what the last
    one left has been measured): no connections, nothing announced or pending."""
    from accounts.models import Presence, PresenceConnection, PresenceStatus

    PresenceConnection.objects.filter(user__email__startswith="rt-").delete()
    Presence.objects.filter(user__email__startswith="rt-").update(
        status=PresenceStatus.OFFLINE, pending=False
    )


def presence_of(user_ids) -> dict:
    """These users' presence both ways: derived (from unexpired PresenceConnection rows, what
    routing reads) and announced (Presence.status, what colleagues were last told)."""
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Presence, PresenceConnection, PresenceStatus
    from accounts.presence import live_statuses

    ids = list(user_ids)
    now = timezone.now()
    derived = Counter(live_statuses(ids, now=now).values())
    announced = Counter(Presence.objects.filter(user_id__in=ids).values_list("status", flat=True))
    rows = PresenceConnection.objects.filter(user_id__in=ids)
    result = {
        "derived_not_offline": len(ids) - derived[PresenceStatus.OFFLINE],
        "announced_not_offline": sum(n for s, n in announced.items() if s != "offline"),
        "live_connections": rows.filter(expires_at__gt=now).count(),
        "expired_rows_not_swept": rows.filter(expires_at__lte=now).count(),
        "pending": Presence.objects.filter(user_id__in=ids, pending=True).count(),
    }
    connection.close()  # called from a worker thread too
    return result


def presence_right(state: dict, expected: int) -> bool:
    return state["derived_not_offline"] == state["announced_not_offline"] == expected


def newest_event_id() -> int:
    from django.db import connection
    from django.db.models import Max

    from csportal.models import Event

    newest = Event.objects.aggregate(n=Max("id"))["n"] or 0
    connection.close()
    return newest


async def in_thread(function, *args):
    """The ORM from inside the event loop: in a thread of its own."""
    return await asyncio.to_thread(function, *args)


# The topology -------------------------------------------------------------------------------


class Topology:
    """gunicorn, our uvicorn, the floor's uvicorn, a Celery worker and beat, (a private
    Redis for --faults); logs under bench/results/."""

    def __init__(self, args, env: dict, stamp: str):
        self.args, self.env, self.stamp = args, env, stamp
        self.processes: dict[str, subprocess.Popen] = {}
        self.ports: dict[str, int] = {}
        self.logs: dict[str, Path] = {}

    def log(self, name: str) -> Path:
        path = harness.RESULTS / f"realtime_load-{self.stamp}-{name}.log"
        self.logs[name] = path
        return path

    def start(self, floor: bool) -> None:
        harness.RESULTS.mkdir(exist_ok=True)
        self.ports["web"] = harness.free_port()
        self.processes["web"] = harness.start_server(
            self.ports["web"], self.args.workers, self.args.threads, self.log("web"), self.env
        )
        self.start_ws()
        if floor:
            port = self.ports["floor"] = harness.free_port()
            self.processes["floor"] = harness.start_process(
                harness.uvicorn_argv("bench.floor_asgi:application", port),
                self.log("floor"),
                self.env,
                f"http://127.0.0.1:{port}/",
                "the floor's uvicorn",
            )
        concurrency = f"--concurrency={self.args.celery_concurrency}"
        self.processes["worker"] = harness.start_process(
            harness.celery_argv("worker", concurrency, "--without-gossip", "--without-mingle"),
            self.log("worker"),
            self.env,
            "",
            "the Celery worker",
        )
        self.processes["beat"] = harness.start_process(
            harness.celery_argv(
                "beat",
                "--scheduler=django_celery_beat.schedulers:DatabaseScheduler",
                f"--pidfile={harness.RESULTS / 'realtime_load-beat.pid'}",
            ),
            self.log("beat"),
            self.env,
            "",
            "Celery beat",
        )

    def start_ws(self) -> None:
        port = self.ports.setdefault("ws", harness.free_port())
        app = "csportal.asgi:application" if self.args.no_probe else "bench.ws_asgi:application"
        self.processes["ws"] = harness.start_process(
            harness.uvicorn_argv(app, port),
            self.logs.get("ws") or self.log("ws"),
            self.env,
            f"http://127.0.0.1:{port}/bench/floor/json",
            "uvicorn",
        )

    def kill_ws(self) -> None:
        process = self.processes["ws"]
        os.killpg(process.pid, 9)
        process.wait()

    def pid(self, name: str) -> int:
        return self.processes[name].pid

    def stop(self) -> None:
        for name, process in reversed(self.processes.items()):
            if name == "web":
                harness.stop_server(process)
            else:
                harness.stop_process(process)

    def ws_log_errors(self) -> int:
        return count_error_lines(self.logs["ws"])


def count_error_lines(log: Path) -> int:
    with contextlib.suppress(OSError), log.open(errors="replace") as lines:
        return sum(1 for line in lines if any(mark in line for mark in WS_ERROR_MARKS))
    return 0


def start_private_redis(stamp: str) -> tuple[subprocess.Popen, int]:
    """A redis-server of the run's own: CLIENT PAUSE stalls every client of a server."""
    import redis

    port = harness.free_port()
    process = harness.start_process(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no"],
        harness.RESULTS / f"realtime_load-{stamp}-redis.log",
        {},
        "",
        "redis-server",
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(redis.ConnectionError):
            client.ping()
            return process, port
        time.sleep(0.1)
    harness.stop_process(process)
    raise SystemExit("the private redis-server did not answer")


# The socket client --------------------------------------------------------------------------


class Socket:
    """One tab's socket, as static/js/realtime.js handles it."""

    def __init__(self, run, path: str, session: str | None = None, gate=None):
        self.run, self.path, self.session, self.gate = run, path, session, gate
        self.resumes = session is not None  # the floor has nothing to resume from
        self.reconnects = True  # False: a tab closed when its socket drops
        self.stopping = False
        self.stop_event = asyncio.Event()
        self.ws = None
        # The page's config.cursor: everything up to it was on the page when it rendered.
        self.cursor = run.page_cursor if self.resumes else 0
        self.seen: dict[int, None] = {}  # insertion-ordered, bounded like the page's Set
        self.delivered: set[int] = set()  # every id delivered, unbounded: for the report
        self.markers: dict[str, tuple[float, str, float | None]] = {}
        self.types: Counter = Counter()
        self.errors: Counter = Counter()
        self.connects = self.hellos = self.heartbeats = 0
        self.opened_at = 0.0
        self.first_hello_at: float | None = None
        self.presence_frames = 0
        self.last_presence_at = 0.0
        self.presence_users: set[int] = set()
        self.dropped_at_or_below_cursor = 0
        self.dup_frames = self.dup_delivered = 0
        self.late: list[str] = []  # late markers since the last heartbeat: fills, maybe
        self.task = None

    def start(self):
        self.task = asyncio.create_task(self.main())
        return self.task

    # Connection ---------------------------------------------------------------------------

    async def open(self):
        from websockets.asyncio.client import connect

        port = self.run.port_of(self.path)
        headers = {"Cookie": f"sessionid={self.session}"} if self.session else {}
        return await connect(
            f"ws://127.0.0.1:{port}{self.path}",
            origin=f"http://127.0.0.1:{port}",
            additional_headers=headers,
            open_timeout=60,
            ping_interval=None,  # a browser sends no pings; uvicorn pings, the client answers
            close_timeout=2,
            max_queue=None,
        )

    async def main(self) -> None:
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        attempts = 0
        # The floor sends no heartbeat: an idle floor socket is not a dead one.
        stale_after = self.run.heartbeat * 3 + 5 if self.resumes else None
        while not self.stopping and self.connects < MAX_CONNECTS:
            self.connects += 1
            try:
                if self.gate is not None:
                    async with self.gate:
                        self.ws = await self.open()
                else:
                    self.ws = await self.open()
                attempts = 0
                self.opened_at = time.time()
                if self.resumes:
                    await self.ws.send(json.dumps({"action": "resume", "since": self.cursor}))
                while not self.stopping:
                    try:
                        raw = await asyncio.wait_for(self.ws.recv(), stale_after)
                    except TimeoutError:
                        self.errors["stale, reopened"] += 1
                        break
                    self.handle(json.loads(raw), time.time())
            except ConnectionClosed as closed:
                if not self.stopping:
                    code = closed.rcvd.code if closed.rcvd else "none"
                    self.errors[f"closed {code}"] += 1
                    if code == CLOSE_UNAUTHENTICATED:
                        return
                    if code == CLOSE_RECONNECT:
                        attempts = 0
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                self.errors[type(exc).__name__] += 1
            finally:
                if self.ws is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(self.ws.close(), 5)
                    self.ws = None
            if self.stopping or not self.reconnects:
                break
            ceiling = min(BACKOFF_MAX, BACKOFF_BASE * 2**attempts)
            attempts += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.stop_event.wait(), ceiling / 2 + random.random() * ceiling / 2
                )

    async def stop(self) -> None:
        self.stopping = True
        self.stop_event.set()
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        if self.task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self.task, 10)

    # Frames -------------------------------------------------------------------------------

    def handle(self, message: dict, now: float) -> None:
        kind = message.get("type")
        if kind in ("hello", "heartbeat", "pong"):
            if kind == "hello":
                self.hellos += 1
                self.first_hello_at = self.first_hello_at or now
            elif kind == "heartbeat":
                self.heartbeats += 1
                self.mark_fills(now)
            self.advance(message.get("cursor"))
        elif kind == "error":
            self.errors[f"error frame {message.get('code')}"] += 1
        elif isinstance(message.get("id"), int):
            self.deliver(message, now)

    def advance(self, cursor) -> None:
        if isinstance(cursor, int) and cursor > self.cursor:
            self.cursor = cursor
            self.seen = {i: None for i in self.seen if i > cursor}

    def deliver(self, event: dict, now: float) -> None:
        event_id = event["id"]
        if event_id <= self.cursor or event_id in self.seen:
            # Filtered, as the page filters it. Past the cursor, `delivered` tells a repeat
            # (fine) from an event the page never showed (lost: the report finds it missing).
            if event_id in self.delivered:
                self.dup_frames += 1
            else:
                self.dropped_at_or_below_cursor += 1
            return
        self.seen[event_id] = None
        if len(self.seen) > SEEN_LIMIT:
            del self.seen[next(iter(self.seen))]
        if event_id in self.delivered:
            self.dup_delivered += 1  # got past `seen`: the page would show it twice
        self.delivered.add(event_id)
        kind = event.get("type")
        self.types[kind] += 1
        data = event.get("data") or {}
        if kind == "presence.changed":
            self.presence_frames += 1
            self.last_presence_at = now
            self.presence_users.update(p.get("user") for p in data.get("people") or [])
        body = (data.get("update") or {}).get("body") or ""
        if body.startswith(MARKER) and body not in self.markers:
            at = event.get("at")
            at = datetime.fromisoformat(at).timestamp() if isinstance(at, str) else None
            resumed = self.connects > 1 and now - self.opened_at < RESUME_WINDOW
            self.markers[body] = (now, "resume" if resumed else "live", at)
            if not resumed and at is not None and now - at > FILL_LAG:
                self.late.append(body)

    def mark_fills(self, now: float) -> None:
        """The late events just before this heartbeat frame came with its fill."""
        for body in self.late:
            received, mode, at = self.markers[body]
            if mode == "live" and now - received < FILL_WINDOW:
                self.markers[body] = (received, "fill", at)
        self.late.clear()


# Drivers ------------------------------------------------------------------------------------


class ApiDriver:
    """An agent posting progress notes through the API, open loop at `rate` a second."""

    def __init__(self, run, token: str, tickets: list[int], stamp: str):
        self.run, self.token, self.tickets, self.stamp = run, token, tickets, stamp
        self.sent: dict[str, float] = {}  # marker -> wall clock at the request's start
        self.status: dict[str, object] = {}
        self.response_s: list[float] = []
        self.response_by_n: dict[int, float] = {}  # which requests were slow: cold or not
        self.skipped = 0
        self.pool: list = []
        self.in_flight = 0

    async def one(self, n: int) -> None:
        marker = f"{MARKER} {self.stamp} {n:06d}"
        path = f"/api/v1/tickets/{self.tickets[n % len(self.tickets)]}/updates/"
        headers = {"Authorization": f"Token {self.token}"}
        connection = (
            self.pool.pop() if self.pool else harness.Connection("127.0.0.1", self.run.ports["web"])
        )
        self.in_flight += 1
        started = time.time()
        self.sent[marker] = started
        try:
            status = await asyncio.wait_for(
                connection.request("POST", path, headers, {"kind": "progress", "body": marker}),
                30,
            )
        except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError) as exc:
            status = type(exc).__name__
            connection.close()
        self.response_s.append(time.time() - started)
        self.response_by_n[n] = self.response_s[-1]
        self.status[marker] = status
        self.in_flight -= 1
        self.pool.append(connection)

    async def drive(self, rate: float, duration: float) -> None:
        await paced(rate, duration, self.one, lambda: self.in_flight >= DRIVER_IN_FLIGHT, self)
        for connection in self.pool:
            connection.close()

    def delivered_ok(self) -> dict[str, float]:
        return {m: t for m, t in self.sent.items() if self.status.get(m) == 201}


class FloorDriver:
    """`group_send` to the floor's group over the same layer, at the same rate, frames of the
    same shape as a ticket.updated event."""

    def __init__(self, stamp: str, first_id: int = 1):
        self.stamp, self.first_id = stamp, first_id
        self.sent: dict[str, float] = {}
        self.errors: Counter = Counter()
        self.skipped = 0
        self.in_flight = 0

    async def one(self, n: int) -> None:
        from channels.layers import get_channel_layer

        from bench.floor_asgi import GROUP, MESSAGE_TYPE

        marker = f"{MARKER} floor {self.stamp} {n:06d}"
        started = time.time()
        event = {
            "type": "ticket.updated",
            "id": self.first_id + n,
            "at": datetime.fromtimestamp(started).astimezone().isoformat(),
            "data": floor_payload(n, marker),
        }
        self.in_flight += 1
        self.sent[marker] = started
        try:
            await asyncio.wait_for(
                get_channel_layer().group_send(GROUP, {"type": MESSAGE_TYPE, "event": event}), 10
            )
        except Exception as exc:  # noqa: BLE001 - counted, and the floor goes on
            self.errors[type(exc).__name__] += 1
        self.in_flight -= 1

    async def drive(self, rate: float, duration: float) -> None:
        await paced(rate, duration, self.one, lambda: self.in_flight >= DRIVER_IN_FLIGHT, self)

    def delivered_ok(self) -> dict[str, float]:
        return self.sent


def floor_payload(n: int, marker: str) -> dict:
    """The shape and about the size of tickets.services' staff ticket.updated payload."""
    now = datetime.now().astimezone().isoformat()
    return {
        "ticket": {
            "id": 1000 + n % TICKETS,
            "subject": f"Realtime bench ticket {n % TICKETS}",
            "status": "open",
            "status_label": "Open",
            "priority": "normal",
            "assignee": {"id": 1, "name": "RT rt-driver-0000"},
            "category": None,
            "customer": {"id": 2, "name": f"RT customer {n % TICKETS}"},
            "result": "",
            "updated_at": now,
            "overdue": False,
        },
        "update": {
            "id": 100000 + n,
            "kind": "progress",
            "kind_label": "Progress",
            "body": marker,
            "is_public": True,
            "author": "RT rt-driver-0000",
            "created_at": now,
            "data": {},
            "attachments": [],
        },
    }


async def paced(rate: float, duration: float, one, busy, driver) -> None:
    """Call one(n) every 1/rate seconds for `duration` (a task each: open loop); a call that
    would find `busy()` true is skipped and counted."""
    tasks = []
    began = time.monotonic()
    for n in range(int(rate * duration)):
        await asyncio.sleep(max(0.0, began + n / rate - time.monotonic()))
        if busy():
            driver.skipped += 1
            continue
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)


# Helpers for the scenarios ------------------------------------------------------------------


class Run:
    """What the sockets of one scenario share: ports, the heartbeat, counters."""

    def __init__(self, topology: Topology, heartbeat: float):
        self.topology = topology
        self.ports = topology.ports
        self.heartbeat = heartbeat
        self.page_cursor = 0  # set per scenario: the newest event id when it starts

    async def new_page(self) -> None:
        self.page_cursor = await in_thread(newest_event_id)

    def port_of(self, path: str) -> int:
        return self.ports["floor"] if path == FLOOR_PATH else self.ports["ws"]


async def wait_for_hellos(sockets: list[Socket], limit: float = HELLO_LIMIT) -> float | None:
    """Seconds until every socket had its first hello, or None past `limit`."""
    began = time.time()
    while time.time() - began < limit:
        if all(s.first_hello_at for s in sockets):
            return max(s.first_hello_at for s in sockets) - began
        await asyncio.sleep(0.05)
    return None


async def wait_presence_quiet(sockets: list[Socket], since: float, limit: float) -> float | None:
    """Wait until nobody's presence waits to be announced and no presence.changed frame came
    for PRESENCE_QUIET s; the time of the last one after `since` (since itself when none
    came), or None past `limit`. Quiet alone is not settled: a server busy with a storm of
    connects announces late, and its first frame may still be to come."""
    while time.time() - since < limit:
        last = max([since, *(s.last_presence_at for s in sockets)])
        if time.time() - last >= PRESENCE_QUIET and not await in_thread(presence_pending):
            return last
        await asyncio.sleep(0.1)
    return None


def presence_pending() -> bool:
    from django.db import connection

    from accounts.models import Presence

    pending = Presence.objects.filter(pending=True, user__email__startswith="rt-").exists()
    connection.close()  # called from a worker thread
    return pending


async def close_all(sockets: list[Socket]) -> None:
    for start in range(0, len(sockets), 200):
        await asyncio.gather(*(s.stop() for s in sockets[start : start + 200]))


def cpu_marks(topology: Topology) -> dict:
    marks = {"client": time.process_time(), "wall": time.monotonic()}
    for name in ("ws", "floor"):
        if name in topology.processes:
            with contextlib.suppress(OSError):
                marks[name] = harness.process_cpu_seconds(topology.pid(name))
    return marks


def cpu_between(before: dict, after: dict) -> dict:
    """CPU of each process over the window, as a fraction of one core (None for one that
    was restarted within it)."""
    wall = after["wall"] - before["wall"]
    shares = {
        name: round((after[name] - before[name]) / wall, 4)
        for name in before
        if name not in ("wall",) and name in after
    }
    return {name: share if share >= 0 else None for name, share in shares.items()}


def latency_summary(sockets: list[Socket], sent: dict[str, float]) -> dict:
    """Per (socket, event): live, a heartbeat fill, resent on a resume, or never; latency from
    the request's start (the floor's group_send)."""
    live, fill, resumed, every, at_lag, fan_out = [], [], [], [], [], []
    missing = sockets_missing = 0
    for s in sockets:
        lost = 0
        for marker, started in sent.items():
            got = s.markers.get(marker)
            if got is None:
                lost += 1
                continue
            received, mode, at = got
            latency = received - started
            every.append(latency)
            if mode == "resume":
                resumed.append(latency)
            elif mode == "fill":
                fill.append(latency)
            else:
                live.append(latency)
                if at is not None:
                    fan_out.append(received - at)
            if at is not None:
                at_lag.append(at - started)
        missing += lost
        sockets_missing += bool(lost)

    def ms(values, p):
        return round(harness.percentile(values, p) * 1000, 1) if values else None

    return {
        "sockets": len(sockets),
        "events": len(sent),
        "expected": len(sent) * len(sockets),
        "live": len(live),
        "heartbeat_fill": len(fill),
        "resumed": len(resumed),
        "missing": missing,
        "sockets_missing_some": sockets_missing,
        # Every delivered event, however it came: what a person sees.
        "p50_ms": ms(every, 50),
        "p99_ms": ms(every, 99),
        "max_ms": ms(every, 100),
        "live_p50_ms": ms(live, 50),
        "live_p99_ms": ms(live, 99),
        "fill_p50_ms": ms(fill, 50),
        "resumed_p50_ms": ms(resumed, 50),
        "commit_lag_p50_ms": ms(at_lag, 50),  # the event's `at` minus the request's start
        # Live: the socket's receive time minus the event's `at` (saved in the transaction,
        # just before the commit): the fan-out alone, what the floor measures.
        "from_at_p50_ms": ms(fan_out, 50),
        "from_at_p99_ms": ms(fan_out, 99),
        "duplicate_frames_filtered": sum(s.dup_frames for s in sockets),
        "duplicates_delivered": sum(s.dup_delivered for s in sockets),
        # Frames the client dropped as at or below its cursor, never delivered before.
        "dropped_unseen_at_or_below_cursor": sum(s.dropped_at_or_below_cursor for s in sockets),
        "reconnects": sum(max(0, s.connects - 1) for s in sockets),
        "errors": dict(sum((s.errors for s in sockets), Counter())),
    }


def sessions(data: dict, users) -> list[str]:
    keys = data.setdefault("sessions", {})
    missing = [u for u in users if u.pk not in keys]
    for user, key in zip(missing, harness.sessions_for(missing), strict=True):
        keys[user.pk] = key
    return [keys[u.pk] for u in users]


# Scenarios ----------------------------------------------------------------------------------


WARM_UP_REQUESTS = 32


async def warm_up(run: Run, data: dict, floor: list) -> None:
    """Untimed changes through every gunicorn worker and thread (and sends of the floor)
    before the measured window, as a server that has been up a while is: a worker's first
    requests open its pooled connections and prepare its statements, and were the only
    requests over 500 ms in a run (the first eight of 300)."""
    api = ApiDriver(run, data["driver_token"], data["tickets"], "warm-up")
    await asyncio.gather(*(api.one(n) for n in range(WARM_UP_REQUESTS)))
    for connection in api.pool:
        connection.close()
    if floor:
        floor_driver = FloorDriver("warm-up")
        await asyncio.gather(*(floor_driver.one(n) for n in range(WARM_UP_REQUESTS)))
    await asyncio.sleep(2)  # their events reach the sockets before the window opens


async def scenario_latency(run: Run, data: dict, args, faults: dict | None) -> dict:
    topology = run.topology
    gate = asyncio.Semaphore(CONNECT_GATE)
    users = data["users_a"][: args.sockets]
    await run.new_page()
    ours = [Socket(run, WS_PATH, key, gate) for key in data["keys_a"][: args.sockets]]
    others = [Socket(run, WS_PATH, key, gate) for key in data["keys_b"]]
    floor = [] if faults is not None else [Socket(run, FLOOR_PATH) for _ in range(args.sockets)]
    everyone = ours + others + floor
    gone_users = []
    if faults is not None:
        # Their tabs close while uvicorn is down: only their expiring connections can take
        # them offline. The rest are the listeners whose events are counted.
        for s in ours[-GONE:]:
            s.reconnects = False
        ours, users, gone_users = ours[:-GONE], users[:-GONE], users[-GONE:]
    for s in everyone:
        s.start()
    began = time.time()
    hellos = await wait_for_hellos(everyone)
    await wait_presence_quiet(ours + others, began, 120)
    errors_before = topology.ws_log_errors()

    stamp = time.strftime("%H%M%S")
    await warm_up(run, data, floor)
    api = ApiDriver(run, data["driver_token"], data["tickets"], stamp)
    # Ids after the warm-up's, which the floor's sockets have seen.
    floor_driver = FloorDriver(stamp, first_id=WARM_UP_REQUESTS + 1)
    before = cpu_marks(topology)
    jobs = [api.drive(args.rate, args.duration)]
    if floor:
        jobs.append(floor_driver.drive(args.rate, args.duration))
    if faults is not None:
        jobs.append(inject_faults(topology, args.duration, faults, gone_users))
    await asyncio.gather(*jobs)
    after = cpu_marks(topology)

    # Resync: what the layer dropped comes with the socket's next heartbeat, what a closed
    # socket missed with its resume; wait for that, a bounded time.
    expected = api.delivered_ok()
    resync_began = time.time()
    limit = run.heartbeat * 2 + 10
    while time.time() - resync_began < limit:
        if all(len(s.markers.keys() & expected.keys()) == len(expected) for s in ours):
            break
        await asyncio.sleep(0.2)
    resync_s = time.time() - resync_began
    floor_sent = floor_driver.delivered_ok()
    floor_began = time.time()
    while floor and time.time() - floor_began < 5:
        if all(len(s.markers) >= len(floor_sent) for s in floor):
            break
        await asyncio.sleep(0.1)

    ids_a = data["ids_a"]
    leaks = sum(s.types["ticket.updated"] + len(s.presence_users & ids_a) for s in others)
    presence_open = await in_thread(presence_of, [u.pk for u in users])
    await close_all(everyone)
    closed_at = time.time()
    # A last tab's close is announced after the grace, in the next batch.
    await asyncio.sleep(after_close_wait())
    presence_after = await in_thread(presence_of, [u.pk for u in users])
    beats_after = await probe(run)

    statuses = Counter(str(v) for v in api.status.values())
    result = {
        "settings": {"sockets": args.sockets, "rate": args.rate, "duration": args.duration},
        "all_hello_s": round(hellos, 2) if hellos is not None else None,
        "ours": latency_summary(ours, expected),
        "floor": latency_summary(floor, floor_sent) if floor else None,
        "driver": {
            "requests": len(api.sent),
            "statuses": dict(statuses),
            "skipped_busy": api.skipped,
            "response_p50_ms": round(harness.percentile(api.response_s, 50) * 1000, 1),
            "response_p99_ms": round(harness.percentile(api.response_s, 99) * 1000, 1),
            "slowest_requests": [
                {"n": n, "ms": round(seconds * 1000, 1)}
                for n, seconds in sorted(api.response_by_n.items(), key=lambda item: -item[1])[:8]
            ],
            "floor_send_errors": dict(floor_driver.errors),
        },
        "resync_wait_s": round(resync_s, 1),
        "isolation": {
            "other_org_sockets": len(others),
            "events_of_org_a_received": leaks,
            "frames_received_by_type": dict(sum((s.types for s in others), Counter())),
        },
        "cpu_share_of_one_core": cpu_between(before, after),
        "ws_log_error_lines_during": topology.ws_log_errors() - errors_before,
        # The listeners, every socket still open: all should be online both ways.
        "presence_before_close": presence_open,
        "presence_after_close": {"after_s": after_close_wait(), **presence_after},
        # Every socket is closed: any consumer still beating belongs to no socket.
        "beating_consumers_after_close": (beats_after or {}).get("beating_consumers"),
        "probe_after_close": beats_after,
    }
    floor_summary = result["floor"]
    if floor_summary and floor_summary["p50_ms"] and result["ours"]["p50_ms"]:
        result["ratio_ours_to_floor"] = {
            p: round(result["ours"][f"{p}_ms"] / floor_summary[f"{p}_ms"], 2)
            for p in ("p50", "p99")
        }
    if faults is not None:
        # How each event reached the listeners, by when it was sent: what a killed socket
        # missed comes with its resume, what the paused layer dropped with a heartbeat.
        bounds = [
            ("before the kill", 0, faults["killed_wall"]),
            ("kill to pause", faults["killed_wall"], faults["paused_wall"]),
            ("after the pause", faults["paused_wall"], float("inf")),
        ]
        result["by_phase"] = {
            name: latency_summary(ours, {m: t for m, t in expected.items() if lo <= t < hi})
            for name, lo, hi in bounds
        }
        result["gone_after_kill"] = await faults.pop("gone_watch")
        result["faults"] = faults
        result["presence_after_expiry"] = await presence_expiry(users, closed_at)
        result["beating_consumers_after_expiry"] = ((await probe(run)) or {}).get(
            "beating_consumers"
        )
        result["ws_log_error_lines_after_close"] = (
            topology.ws_log_errors() - errors_before - result["ws_log_error_lines_during"]
        )
    return result


async def inject_faults(topology: Topology, duration: float, out: dict, gone_users) -> None:
    """At 30% of the run kill -9 uvicorn and start it again; at 65% pause Redis for 3 s.
    From the kill on, watch the presence of the listeners who do not come back."""
    began = time.monotonic()
    await asyncio.sleep(duration * 0.3)
    killed = time.monotonic()
    out["killed_wall"] = time.time()
    await asyncio.to_thread(topology.kill_ws)
    out["gone_watch"] = asyncio.create_task(presence_expiry(gone_users, out["killed_wall"]))
    await asyncio.sleep(topology.args.ws_down)
    await asyncio.to_thread(topology.start_ws)
    out["uvicorn_killed_at_s"] = round(killed - began, 1)
    out["uvicorn_back_after_s"] = round(time.monotonic() - killed, 2)
    await asyncio.sleep(max(0.0, began + duration * 0.65 - time.monotonic()))
    pause = await asyncio.create_subprocess_exec(
        "redis-cli", "-p", str(topology.redis_port), "CLIENT", "PAUSE", "3000",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(pause.communicate(), 10)
    out["redis_paused_at_s"] = round(time.monotonic() - began, 1)
    out["paused_wall"] = time.time()
    out["redis_pause_answer"] = output.decode().strip()


def after_close_wait() -> float:
    """Seconds after the last socket closed by which presence should say so: the grace, the
    announcement's batch, and a second of margin."""
    from django.conf import settings

    return settings.PRESENCE_GRACE_SECONDS + settings.PRESENCE_BATCH_SECONDS + 1.0


def expiry_period() -> float:
    """How long a connection nobody closed may count: PRESENCE_TTL_SECONDS after its last
    renewal, then up to PRESENCE_SWEEP_SECONDS until beat's sweep drops and announces it,
    plus EXPIRY_MARGIN for the sweep task's queueing and run."""
    from django.conf import settings

    sweep = settings.CELERY_BEAT_SCHEDULE["accounts-sweep-presence"]["schedule"]
    return settings.PRESENCE_TTL_SECONDS + sweep + EXPIRY_MARGIN


async def presence_expiry(users, closed_at: float) -> dict:
    """Presence of these users after their sockets closed (or their server died): every
    second until none is online either way, or one expiry period and 10 s have passed."""
    limit = expiry_period() + 10
    ids = [u.pk for u in users]
    samples = []
    while True:
        state = await in_thread(presence_of, ids)
        samples.append({"after_s": round(time.time() - closed_at, 1), **state})
        if presence_right(state, 0) or time.time() - closed_at > limit:
            break
        await asyncio.sleep(1)
    last = samples[-1]
    return {
        "expiry_period_s": expiry_period(),
        "watched_up_to_s": limit,
        "users": len(ids),
        "all_offline_after_s": last["after_s"] if presence_right(last, 0) else None,
        "still_derived_not_offline": last["derived_not_offline"],
        "still_announced_not_offline": last["announced_not_offline"],
        "samples": samples,
    }


async def scenario_idle(run: Run, data: dict, count: int, seconds: float) -> dict:
    topology = run.topology
    gate = asyncio.Semaphore(CONNECT_GATE)
    await run.new_page()
    ours = [Socket(run, WS_PATH, key, gate) for key in data["keys_a"][:count]]
    floor = [Socket(run, FLOOR_PATH, None, gate) for _ in range(count)]
    baseline_before = cpu_marks(topology)
    await asyncio.sleep(5)
    baseline = cpu_between(baseline_before, cpu_marks(topology))
    began = time.time()
    for s in ours + floor:
        s.start()
    hellos = await wait_for_hellos(ours + floor)
    settled = await wait_presence_quiet(ours, began, SETTLE_LIMIT)
    heartbeats_before = sum(s.heartbeats for s in ours)
    presence_before = sum(s.presence_frames for s in ours)
    before = cpu_marks(topology)
    await asyncio.sleep(seconds)
    after = cpu_marks(topology)
    rss = {name: round(harness.process_rss_mb(topology.pid(name)), 1) for name in ("ws", "floor")}
    online = await in_thread(presence_of, [u.pk for u in data["users_a"][:count]])
    await close_all(ours + floor)
    return {
        "sockets": count,
        "seconds": seconds,
        "all_hello_s": round(hellos, 2) if hellos is not None else None,
        "presence_settled_s": round(settled - began, 1) if settled else None,
        "cpu_share_of_one_core_idle": cpu_between(before, after),
        "cpu_share_of_one_core_no_sockets": baseline,
        "rss_mb": rss,
        "heartbeats_received": sum(s.heartbeats for s in ours) - heartbeats_before,
        "presence_frames_during": sum(s.presence_frames for s in ours) - presence_before,
        "presence_while_connected": online,
        "errors": dict(sum((s.errors for s in ours), Counter())),
        "floor_errors": dict(sum((s.errors for s in floor), Counter())),
    }


async def scenario_storm(run: Run, data: dict, count: int) -> dict:
    users = data["users_a"][:count]
    await run.new_page()
    sockets = [Socket(run, WS_PATH, key) for key in data["keys_a"][:count]]
    before = cpu_marks(run.topology)
    began = time.time()
    for s in sockets:
        s.start()
    hellos = await wait_for_hellos(sockets)
    settled = await wait_presence_quiet(sockets, began, SETTLE_LIMIT)
    after = cpu_marks(run.topology)
    hello_times = [s.first_hello_at - began for s in sockets if s.first_hello_at]
    online = await in_thread(presence_of, [u.pk for u in users])
    frames = sum(s.presence_frames for s in sockets)
    await close_all(sockets)
    return {
        "sockets": count,
        "all_hello_s": round(hellos, 2) if hellos is not None else None,
        "hello_p50_s": round(harness.percentile(hello_times, 50), 2) if hello_times else None,
        "hello_p99_s": round(harness.percentile(hello_times, 99), 2) if hello_times else None,
        "presence_settled_s": round(settled - began, 1) if settled else None,
        # presence.changed events delivered (deduped), over all sockets: up to N x N.
        "presence_frames": frames,
        "cpu_share_of_one_core": cpu_between(before, after),
        "presence_after_settle": online,
        "presence_right_after_settle": presence_right(online, count),
        "connects": sum(s.connects for s in sockets),
        "errors": dict(sum((s.errors for s in sockets), Counter())),
    }


def upgrade_request(port: int, session: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {WS_PATH} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        f"Origin: http://127.0.0.1:{port}",
        f"Cookie: sessionid={session}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def drop_one(port: int, session: str, after: float | None) -> float | None:
    """Open a socket and reset it (RST, no close frame): after the hello when `after` is
    None (the time the handshake and hello took), else `after` s into the handshake."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    took = None
    try:
        started = time.monotonic()
        writer.write(upgrade_request(port, session))
        await writer.drain()
        if after is None:
            data = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            while b'"hello"' not in data:
                chunk = await asyncio.wait_for(reader.read(4096), 30)
                if not chunk:
                    break
                data += chunk
            took = time.monotonic() - started
        else:
            await asyncio.sleep(after)
    finally:
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
    return took


async def probe(run: Run) -> dict | None:
    """The ws process's own count of beating consumers (bench/ws_asgi.py), None when it does
    not answer one."""
    connection = harness.Connection("127.0.0.1", run.ports["ws"])
    try:
        status = await asyncio.wait_for(connection.request("GET", PROBE_PATH, {}, None), 5)
        if status != 200:
            return None
        counts = json.loads(connection.body)
        return {
            "beating_consumers": counts["beating_consumers"],
            "heartbeat_tasks": counts["heartbeat_tasks"],
            "tasks": counts["tasks"],
        }
    except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
        return None
    finally:
        connection.close()


async def ws_quiet(topology: Topology, limit: float = 60, threshold: float = 0.03) -> float:
    """Wait (up to `limit` s) for what an earlier scenario left the ws process doing; its CPU
    share over the last 5 s."""
    began = time.monotonic()
    while True:
        before = cpu_marks(topology)
        await asyncio.sleep(5)
        share = cpu_between(before, cpu_marks(topology)).get("ws", 0.0)
        if share < threshold or time.monotonic() - began > limit:
            return share


async def scenario_drop(run: Run, data: dict, count: int, observe: float) -> dict:
    topology = run.topology
    users = data["users_a"][:count]
    keys = data["keys_a"][:count]
    await ws_quiet(topology)
    errors_before = topology.ws_log_errors()
    idle_cpu = await ws_quiet(topology, limit=0)
    probe_before = await probe(run)

    half = count // 2
    dropped_at = time.time()
    took = await asyncio.gather(*(drop_one(run.ports["ws"], k, None) for k in keys[:half]))
    took = [t for t in took if t is not None]
    # The others are reset somewhere inside the handshake: spread over the time a whole one
    # took, so some land before the accept, some between it and the hello.
    span = max(took) if took else 0.05
    delays = [span * (n + 0.5) / (count - half) for n in range(count - half)]
    results = await asyncio.gather(
        *(drop_one(run.ports["ws"], k, d) for k, d in zip(keys[half:], delays, strict=True)),
        return_exceptions=True,
    )
    connect_failures = sum(isinstance(r, BaseException) for r in results)

    samples = []
    last = cpu_marks(topology)
    while time.time() - dropped_at < observe:
        await asyncio.sleep(5)
        now = cpu_marks(topology)
        samples.append(
            {
                "after_s": round(time.time() - dropped_at, 1),
                "ws_cpu": cpu_between(last, now).get("ws"),
                "probe": await probe(run),
                "presence": await in_thread(presence_of, [u.pk for u in users]),
                "ws_log_error_lines": topology.ws_log_errors() - errors_before,
            }
        )
        last = now
    end = samples[-1] if samples else {}
    return {
        "sockets": count,
        "reset_after_hello": half,
        "reset_mid_handshake": count - half,
        "handshake_to_hello_ms_max": round(span * 1000, 1),
        "mid_handshake_connect_failures": connect_failures,
        "ws_cpu_idle_before": idle_cpu,
        "probe_before": probe_before,
        "observed_s": observe,
        "samples": samples,
        "end": {
            "beating_consumers": (end.get("probe") or {}).get("beating_consumers"),
            "presence": end.get("presence"),
            "ws_cpu": end.get("ws_cpu"),
            "ws_log_error_lines": end.get("ws_log_error_lines"),
        },
    }


# The report ---------------------------------------------------------------------------------


def print_report(result: dict) -> None:
    print(f"\n{result['machine']}")
    for name in ("latency", "faults"):
        latency = result["scenarios"].get(name)
        if latency:
            print_latency(name, latency)
    idle = result["scenarios"].get("idle")
    if idle:
        print(
            f"\nidle: {idle['sockets']} sockets each side for {idle['seconds']:g} s: CPU "
            f"{idle['cpu_share_of_one_core_idle']} (no sockets: "
            f"{idle['cpu_share_of_one_core_no_sockets']}); RSS MB {idle['rss_mb']}; "
            f"presence frames during {idle['presence_frames_during']}"
        )
    storm = result["scenarios"].get("connect_storm")
    if storm:
        print(
            f"\nconnect storm: {storm['sockets']} sockets: every hello in "
            f"{storm['all_hello_s']} s (p50 {storm['hello_p50_s']}, p99 {storm['hello_p99_s']}); "
            f"presence settled at {storm['presence_settled_s']} s after "
            f"{storm['presence_frames']} presence frames; {storm['presence_after_settle']}"
        )
    drop = result["scenarios"].get("drop")
    if drop:
        end = drop["end"]
        print(
            f"\ndrop: {drop['reset_after_hello']} reset after hello, "
            f"{drop['reset_mid_handshake']} mid-handshake; after {drop['observed_s']:g} s: "
            f"beating consumers {end['beating_consumers']}, presence {end['presence']}, "
            f"ws CPU {end['ws_cpu']} (idle before {drop['ws_cpu_idle_before']}), "
            f"ERROR lines in the ws log {end['ws_log_error_lines']}"
        )
    print()
    harness.print_checks(result["checks"])


def print_latency(name: str, latency: dict) -> None:
    s = latency["settings"]
    print(
        f"\n{name}: {s['sockets']} sockets x {s['rate']:g} changes/s x {s['duration']:g} s"
        " (ms from the API request's start / the floor's group_send to the socket)"
    )
    print(
        f"{'':8} {'events':>6} {'live':>6} {'fill':>6} {'resume':>6} {'missing':>7} "
        f"{'p50':>7} {'p99':>7} {'max':>7} {'dups':>5} {'reconn':>6}"
    )
    for side in ("ours", "floor"):
        r = latency.get(side)
        if not r:
            continue
        print(
            f"{side:8} {r['events']:6d} {r['live']:6d} {r['heartbeat_fill']:6d} "
            f"{r['resumed']:6d} {r['missing']:7d} {r['p50_ms'] or 0:7.1f} "
            f"{r['p99_ms'] or 0:7.1f} {r['max_ms'] or 0:7.1f} "
            f"{r['duplicates_delivered']:5d} {r['reconnects']:6d}"
        )
    if "ratio_ours_to_floor" in latency:
        ratio = latency["ratio_ours_to_floor"]
        print(f"ours / floor: p50 x{ratio['p50']}, p99 x{ratio['p99']}")
    ours = latency["ours"]
    print(
        f"ours from the event's `at` (fan-out only): p50 {ours['from_at_p50_ms']} ms, "
        f"p99 {ours['from_at_p99_ms']} ms; API request p50 "
        f"{latency['driver']['response_p50_ms']} ms; {ours['duplicate_frames_filtered']} "
        f"frames filtered by `seen`, {ours['dropped_unseen_at_or_below_cursor']} unseen "
        "dropped at or below the cursor"
    )
    iso = latency["isolation"]
    print(
        f"isolation: {iso['other_org_sockets']} sockets of B got "
        f"{iso['events_of_org_a_received']} of A's events"
    )
    print(f"CPU (share of one core): {latency['cpu_share_of_one_core']}")
    print(
        f"presence before closing {latency['presence_before_close']}; "
        f"after closing {latency['presence_after_close']}; beating consumers "
        f"{latency['beating_consumers_after_close']}"
    )
    if "faults" in latency:
        print(f"faults: {latency['faults']}")
        for phase, r in latency["by_phase"].items():
            print(
                f"  sent {phase}: {r['events']} events, live {r['live']}, heartbeat fill "
                f"{r['heartbeat_fill']}, resumed {r['resumed']}, missing {r['missing']}, "
                f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms"
            )
        p = latency["presence_after_expiry"]
        print(
            f"presence after closing: all offline both ways after {p['all_offline_after_s']} s "
            f"(expiry period {p['expiry_period_s']} s); still online derived "
            f"{p['still_derived_not_offline']}, announced {p['still_announced_not_offline']}; "
            f"beating consumers {latency['beating_consumers_after_expiry']}; ws log error "
            f"lines after closing {latency['ws_log_error_lines_after_close']}"
        )
        gone = latency["gone_after_kill"]
        print(
            f"the {gone['users']} who never came back after the kill: offline both ways "
            f"{gone['all_offline_after_s']} s after it; samples {gone['samples'][-3:]}"
        )


def checks(scenarios: dict) -> list[harness.Check]:
    out: list[harness.Check] = []
    for name in ("latency", "faults"):
        r = scenarios.get(name)
        if not r:
            continue
        leaks = r["isolation"]["events_of_org_a_received"]
        out.append((f"{name}: organization B got none of A's events", leaks == 0, str(leaks)))
        ours = r["ours"]
        out.append((f"{name}: no event lost after resync", not ours["missing"], ours["missing"]))
        out.append(
            (
                f"{name}: no duplicate delivered",
                not ours["duplicates_delivered"],
                ours["duplicates_delivered"],
            )
        )
        beats = r["beating_consumers_after_close"]
        out.append(
            (
                f"{name}: no consumer beating after closing (probe)",
                None if beats is None else beats == 0,
                "no probe" if beats is None else beats,
            )
        )
        listeners = r["ours"]["sockets"]
        before = r["presence_before_close"]
        out.append(
            (
                f"{name}: listeners online both ways before closing",
                presence_right(before, listeners),
                f"{before['derived_not_offline']}/{before['announced_not_offline']}",
            )
        )
        after = r["presence_after_close"]
        out.append(
            (
                f"{name}: listeners offline both ways {after['after_s']:g} s after closing",
                presence_right(after, 0),
                f"{after['derived_not_offline']}/{after['announced_not_offline']}",
            )
        )
        if "presence_after_expiry" in r:
            p = r["presence_after_expiry"]
            out.append(
                (
                    f"{name}: listeners offline both ways within one expiry period",
                    p["all_offline_after_s"] is not None
                    and p["all_offline_after_s"] <= p["expiry_period_s"],
                    p["all_offline_after_s"],
                )
            )
            gone = r["gone_after_kill"]
            out.append(
                (
                    f"{name}: the {gone['users']} who never came back offline both ways "
                    f"within one expiry period ({gone['expiry_period_s']:g} s) of the kill",
                    gone["all_offline_after_s"] is not None
                    and gone["all_offline_after_s"] <= gone["expiry_period_s"],
                    gone["all_offline_after_s"],
                )
            )
        if r.get("ratio_ours_to_floor"):
            ratio = r["ratio_ours_to_floor"]["p99"]
            out.append((f"{name}: p99 within 3x the floor's", ratio <= 3, f"x{ratio}"))
        if name == "latency" and ours["p50_ms"] is not None and r["settings"]["sockets"] <= 50:
            out.append((f"{name}: p50 < 50 ms", ours["p50_ms"] < 50, ours["p50_ms"]))
            out.append((f"{name}: p99 < 250 ms", ours["p99_ms"] < 250, ours["p99_ms"]))
    idle = scenarios.get("idle")
    if idle:
        share = idle["cpu_share_of_one_core_idle"].get("ws")
        out.append(("idle: ws CPU < 10% of a core", share is not None and share < 0.1, share))
    storm = scenarios.get("connect_storm")
    if storm:
        hello, settled = storm["all_hello_s"], storm["presence_settled_s"]
        out.append(("connect storm: every hello < 15 s", hello is not None and hello < 15, hello))
        out.append(
            (
                "connect storm: presence settled < 30 s",
                settled is not None and settled < 30,
                settled,
            )
        )
        online = storm["presence_after_settle"]
        out.append(
            (
                "connect storm: everyone online both ways once settled",
                storm["presence_right_after_settle"],
                f"{online['derived_not_offline']}/{online['announced_not_offline']}",
            )
        )
    drop = scenarios.get("drop")
    if drop:
        end = drop["end"]
        out.append(
            (
                "drop: no ERROR line in the ws log",
                not end["ws_log_error_lines"],
                end["ws_log_error_lines"],
            )
        )
        beats = end["beating_consumers"]
        out.append(
            (
                "drop: no consumer left beating (probe)",
                None if beats is None else beats == 0,
                "no probe" if beats is None else beats,
            )
        )
        presence = end["presence"]
        out.append(
            (
                "drop: dropped users offline both ways",
                None if presence is None else presence_right(presence, 0),
                None
                if presence is None
                else f"{presence['derived_not_offline']}/{presence['announced_not_offline']}",
            )
        )
    return out


# Main ---------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sockets", type=int, default=50, help="listening staff sockets")
    parser.add_argument("--rate", type=float, default=10.0, help="ticket changes a second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of changes")
    parser.add_argument("--latency", action="store_true", help="with another scenario too")
    parser.add_argument("--idle", type=int, default=0, help="idle sockets (and as many floor)")
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--connect-storm", type=int, default=0)
    parser.add_argument("--faults", action="store_true")
    parser.add_argument(
        "--ws-down", type=float, default=0.0, help="--faults: seconds uvicorn stays down"
    )
    parser.add_argument("--drop", type=int, default=0)
    parser.add_argument(
        "--observe", type=float, default=0, help="seconds after the drop (one expiry period)"
    )
    parser.add_argument("--heartbeat", type=float, default=15.0, help="REALTIME_HEARTBEAT_SECONDS")
    parser.add_argument(
        "--presence-ttl", type=float, default=0, help="PRESENCE_TTL_SECONDS (3 heartbeats)"
    )
    parser.add_argument("--presence-sweep", type=float, default=5.0, help="PRESENCE_SWEEP_SECONDS")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn WEB_CONCURRENCY")
    parser.add_argument("--threads", type=int, default=4, help="GUNICORN_THREADS")
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument("--no-probe", action="store_true", help="uvicorn runs csportal.asgi bare")
    args = parser.parse_args()
    run_latency = args.latency or not (args.idle or args.connect_storm or args.faults or args.drop)

    stamp = time.strftime("%Y%m%d-%H%M%S")
    harness.RESULTS.mkdir(exist_ok=True)
    redis_process = redis_port = None
    redis_url = REDIS_URL
    if args.faults:
        redis_process, redis_port = start_private_redis(stamp)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = {
        **harness.server_env(DATABASE_URL, redis_url),
        "CHANNEL_LAYER_PREFIX": PREFIX,
        "CACHE_KEY_PREFIX": PREFIX,
        "REALTIME_HEARTBEAT_SECONDS": str(args.heartbeat),
        "PRESENCE_TTL_SECONDS": str(args.presence_ttl or 3 * args.heartbeat),
        "PRESENCE_SWEEP_SECONDS": str(args.presence_sweep),
    }
    os.environ.update(env)
    sockets_needed = max(args.sockets, args.idle, args.connect_storm, args.drop)
    fds = harness.raise_fd_limit(4 * sockets_needed + 1024)

    harness.prepare_database(DATABASE_URL, reseed=False)
    import django

    django.setup()
    from django.db import connection

    data = ensure_data(sockets_needed)
    data["keys_a"] = sessions(data, data["users_a"])
    data["keys_b"] = sessions(data, data["users_b"])
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    machine = (
        f"{os.cpu_count()} cores, PostgreSQL {connection.pg_version // 10000}; load average "
        f"{load} and CPU {harness.cpu_busy():.0%} busy just before"
    )
    connection.close()

    topology = Topology(args, env, stamp)
    topology.redis_port = redis_port
    scenarios: dict = {}
    try:
        topology.start(floor=run_latency or bool(args.idle))
        run = Run(topology, args.heartbeat)

        def between():
            reset_presence()
            from django.db import connection

            connection.close()

        if run_latency:
            print("latency...", flush=True)
            scenarios["latency"] = harness._run(scenario_latency(run, data, args, None))
            between()
        if args.idle:
            print(f"idle {args.idle}...", flush=True)
            scenarios["idle"] = harness._run(scenario_idle(run, data, args.idle, args.idle_seconds))
            between()
        if args.connect_storm:
            print(f"connect storm {args.connect_storm}...", flush=True)
            scenarios["connect_storm"] = harness._run(scenario_storm(run, data, args.connect_storm))
            between()
        if args.drop:
            print(f"drop {args.drop}...", flush=True)
            observe = args.observe or expiry_period()
            scenarios["drop"] = harness._run(scenario_drop(run, data, args.drop, observe))
            between()
        if args.faults:
            print("faults...", flush=True)
            scenarios["faults"] = harness._run(scenario_latency(run, data, args, {}))
            between()
    finally:
        topology.stop()
        if redis_process is not None:
            harness.stop_process(redis_process)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine,
        "settings": {
            **{
                k: getattr(args, k)
                for k in ("heartbeat", "workers", "threads", "celery_concurrency")
            },
            "presence_ttl": float(env["PRESENCE_TTL_SECONDS"]),
            "presence_sweep": args.presence_sweep,
            "expiry_period": expiry_period(),
            "probe": not args.no_probe,
            "fd_limit": fds,
            "redis": "private redis-server" if args.faults else "shared, db 5, prefix rtbench",
        },
        "scenarios": scenarios,
        "ws_log_error_lines_total": count_error_lines(topology.logs["ws"]),
        "worker_log_error_lines_total": count_error_lines(topology.logs["worker"]),
    }
    result["checks"] = [
        {"check": label, "pass": ok, "value": value} for label, ok, value in checks(scenarios)
    ]
    out = harness.save_result("realtime_load", result, stamp)
    result["checks"] = checks(scenarios)
    print_report(result)
    logs = f"bench/results/realtime_load-{stamp}-*.log"
    print(f"\nresults: {out.relative_to(harness.ROOT)}; logs: {logs}")


if __name__ == "__main__":
    sys.exit(main())
