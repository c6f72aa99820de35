"""What the HTTP load benchmarks share (tickets_load.py, ratings_load.py).

A benchmark script names its database, seeds it, lists its scenarios and its verdicts, and
hands the rest to `run_benchmark`:

- the database: created when missing (`prepare_database`), migrated, static files collected
  (`prepare_site`);
- queries per request: each scenario called once in-process (django.test.Client, the same
  settings and data) under CaptureQueriesContext, then timed alone (`count_queries`), and
  cProfile on demand (`profile`);
- the server: gunicorn exactly as `web` in docker-compose runs it (`-c docker/gunicorn.conf.py
  csportal.wsgi:application`, DEBUG=0) with DJANGO_SETTINGS_MODULE=bench.bench_settings, on
  a free loopback port (`start_server`, `stop_server`);
- the load: N keep-alive clients in one asyncio process (a minimal HTTP/1.1 client: it takes
  about a tenth of a core at 1,300 requests/s, which it would otherwise take from the
  server), a warm-up and then a fixed time per scenario, closed loop, at each concurrency
  level (`run_load`); latency is from sending the request to the last byte of the response;
- the machine: how busy the CPU was with other work (`cpu_busy`, `wait_quiet`);
- the report: a table per concurrency level, the verdicts, and a JSON file under
  bench/results/.

realtime_load.py takes the server, the other processes of the topology (`start_process`,
`uvicorn_argv`, `celery_argv`, `process_cpu_seconds`), sessions (`sessions_for`), the fd limit
and `save_result` from here.

Import it as `import harness`: a script's own folder is on sys.path when it runs, and this
module puts the project root there for Django.
"""

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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"  # the JSON results are committed; logs and profiles not

ALONE_REPEATS = 21
NAME_WIDTH = 17


def server_env(database_url: str, redis_url: str) -> dict:
    """What the server runs with; the benchmark process takes it too, for seeding and for
    counting queries with the same settings."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-secret-key-not-for-production-use-0123456789",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CHANNEL_LAYER_PREFIX": "csportal-bench",
        "CACHE_KEY_PREFIX": "csportal-bench",
        "LOG_LEVEL": "WARNING",
    }


# The database, before Django connects -----------------------------------------------------


def prepare_database(database_url: str, reseed: bool) -> None:
    """Create the benchmark's own database when missing (dropped first with `reseed`)."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    conn = psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reseed:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


STATIC_IGNORE = ["django_htmx/ext/*"]


def prepare_site() -> None:
    """Migrate, and collect the static files the pages link to (bench_settings' own copy)
    when a source is newer than the collected manifest."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not _static_collected():
        # DEBUG=0 serves hashed names from the manifest. django-htmx 1.29 ships hx-sse-2.js,
        # whose import of "django_htmx/htmx" the manifest storage cannot resolve:
        # collectstatic fails on it in production too (reported); no page here loads it, so
        # it is left out.
        call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=STATIC_IGNORE)


def _static_collected() -> bool:
    """Whether the manifest is newer than every static source. Collecting rewrites hashed
    files in place, and a gunicorn worker of another benchmark that boots meanwhile (they
    share the folder, and workers are recycled) fails on a file that is briefly missing."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    collected = manifest.stat().st_mtime
    for finder in get_finders():
        for path, storage in finder.list(STATIC_IGNORE):
            if os.stat(storage.path(path)).st_mtime > collected:
                return False
    return True


def empty_celery_queue(redis_url: str) -> None:
    """Drop the tasks the run queued: no worker consumes them here."""
    try:
        import redis

        redis.Redis.from_url(redis_url).delete("celery")
    except Exception as exc:  # noqa: BLE001 - a leftover queue is harmless
        print(f"(could not empty the bench Celery queue: {exc})")


def database_size() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return cursor.fetchone()[0]


def session_for(user) -> str:
    """A session cookie value for `user`, for the pages."""
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    return client.cookies["sessionid"].value


# Only an API key's hash is stored, so the load scripts make each key from its user's id
# and can make it again on the next run against the same seeded database.
SEEDED_KEYS_NAME = "bench"


def bench_api_key(user_id: int) -> str:
    return f"bench-api-key-{user_id}"


def bench_api_tokens(user_ids, now) -> list:
    """Unsaved ApiTokens for `user_ids`, with the keys of `bench_api_key`."""
    from datetime import timedelta

    from accounts.models import ApiToken
    from accounts.tokens import api_key_hash

    # A seeded database serves runs for months, past the usual expiry.
    expires_at = now + timedelta(days=10 * 365)
    return [
        ApiToken(
            user_id=user_id,
            name=SEEDED_KEYS_NAME,
            key_hash=api_key_hash(bench_api_key(user_id)),
            created_at=now,
            expires_at=expires_at,
        )
        for user_id in user_ids
    ]


def bench_api_keys(users) -> dict[int, str]:
    """{user id: API key} for those of `users` (a queryset) that were seeded a token."""
    from accounts.models import ApiToken

    user_ids = list(
        ApiToken.objects.filter(name=SEEDED_KEYS_NAME, user__in=users).values_list(
            "user_id", flat=True
        )
    )
    if not user_ids:
        raise SystemExit("seeded before hashed API tokens: run with --reseed")
    return {user_id: bench_api_key(user_id) for user_id in user_ids}


# Scenarios ----------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    method: str
    expect: int
    make: Callable  # (rng) -> (path, headers, json body or None)
    target: str = ""  # what the script's verdicts look for
    result: dict = field(default_factory=dict)  # in-process: queries, rows, time alone
    load: dict = field(default_factory=dict)  # per concurrency level: req/s, percentiles


def _call(client, scenario: Scenario, rng):
    """One request of `scenario` through the test client, with the scenario's headers (a
    Cookie header becomes the client's session cookie)."""
    path, headers, body = scenario.make(rng)
    extra = {}
    for name, value in headers.items():
        if name == "Cookie":
            client.cookies["sessionid"] = value.partition("sessionid=")[2]
        else:
            extra["HTTP_" + name.upper().replace("-", "_")] = value
    if scenario.method == "GET":
        return path, client.get(path, **extra)
    return path, client.post(path, body or {}, content_type="application/json", **extra)


def _client():
    from django.test import Client

    return Client(raise_request_exception=False, SERVER_NAME="127.0.0.1")


def is_control(sql: str) -> bool:
    """BEGIN, COMMIT, savepoints: logged by Django, round trips, but no statement of the view."""
    return sql in ("BEGIN", "COMMIT", "ROLLBACK") or sql.startswith(
        ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    )


def count_queries(items: list[Scenario], show: bool) -> None:
    """Each scenario once in-process under CaptureQueriesContext, then ALONE_REPEATS times
    timed; "max_rows" is the most rows one query returned, which shows a page that reads a
    whole table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rng = random.Random(1)
    for scenario in items:
        client = _client()
        rows: list[int] = []

        def count_rows(execute, sql, params, many, context, rows=rows):
            result = execute(sql, params, many, context)
            cursor = context["cursor"]
            rows.append(cursor.rowcount if cursor.description is not None else 0)
            return result

        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(count_rows):
            path, response = _call(client, scenario, rng)
        queries = list(captured.captured_queries)  # before the next request resets the log
        # One request at a time, nothing else running in this process: what it costs alone.
        alone = []
        for _ in range(ALONE_REPEATS):
            started = time.perf_counter()
            _call(client, scenario, rng)
            alone.append(time.perf_counter() - started)
        # BEGIN and COMMIT are logged by Django but don't pass through execute(); they are
        # round trips all the same, as are SAVEPOINT / RELEASE SAVEPOINT.
        control = sum(1 for q in queries if is_control(q["sql"]))
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


def profile(items: list[Scenario], names: str, repeats: int = 50) -> None:
    """cProfile `repeats` in-process requests of each named scenario: where the time goes."""
    import cProfile
    import pstats

    wanted = {n.strip() for n in names.split(",")}
    for scenario in items:
        if scenario.name not in wanted:
            continue
        rng = random.Random(2)
        client = _client()
        for _ in range(3):
            _call(client, scenario, rng)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeats):
            _call(client, scenario, rng)
        profiler.disable()
        print(
            f"\n-- profile of {repeats} x {scenario.name} (in-process, profiler overhead "
            f"included), by cumulative time:"
        )
        RESULTS.mkdir(exist_ok=True)
        dump = RESULTS / f"profile-{scenario.name.replace(' ', '-')}.prof"
        profiler.dump_stats(dump)
        print(f"(whole profile, for pstats: {dump.relative_to(ROOT)})")
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(15)


def explain_request(scenario: Scenario) -> None:
    """EXPLAIN ANALYZE each SELECT that one in-process request of `scenario` sends."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        path, response = _call(_client(), scenario, random.Random(3))
    print(f"\n-- EXPLAIN ANALYZE, {scenario.name}: {path} -> {response.status_code}")
    for query in captured.captured_queries:
        sql = query["sql"]  # with its parameters in it, as the database ran it
        if not sql.lstrip("(").startswith("SELECT"):  # a UNION starts with "(SELECT"
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
        print(f"\n   {sql[:300]}\n{plan}")


# The machine and the server -----------------------------------------------------------------


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


def settle(limit: float = 30.0, threshold: float = 0.15) -> float:
    """Wait (up to `limit` seconds) for what a scenario left running to finish: autovacuum
    after the insert floors, a checkpoint. Every scenario then starts from a quiet machine;
    without it, the page scenarios after the insert floors ran at half their speed."""
    started = time.monotonic()
    while cpu_busy(1.0) > threshold and time.monotonic() - started < limit:
        pass
    return time.monotonic() - started


CPU_PARTS = ("app", "db", "redis")


def _cpu_by_part(server_pid: int | None) -> dict[str, float]:
    """CPU seconds used so far by the web server's processes (the gunicorn master and its
    workers), by PostgreSQL's and by Redis's, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = dict.fromkeys(CPU_PARTS, 0.0)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                name, _, rest = stat.read().rpartition(")")
        except OSError:
            continue
        fields = rest.split()
        # Own time plus that of children already reaped: the master's and the postmaster's
        # hold the workers and backends that ended during the window.
        parent, seconds = int(fields[1]), sum(int(v) for v in fields[11:15]) / ticks
        command = name.partition("(")[2]
        if server_pid and server_pid in (int(pid), parent):
            used["app"] += seconds
        elif command.startswith("postgres"):
            used["db"] += seconds
        elif command.startswith("redis-server"):
            used["redis"] += seconds
    return used


def busy_now(wait_minutes: float) -> float:
    return wait_quiet(wait_minutes) if wait_minutes else cpu_busy()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int, threads: int, log: Path, env: dict) -> subprocess.Popen:
    """gunicorn as `web` runs it; returns once /bench/floor/json answers."""
    env = {
        **os.environ,
        **env,
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


def start_process(argv: list[str], log: Path, env: dict, ready: str, what: str) -> subprocess.Popen:
    """Another server of the topology (uvicorn, a Celery worker), in its own session and
    logging to `log`; returns once an HTTP GET of `ready` gets any answer (no URL: at once)."""
    import urllib.error
    import urllib.request

    process = subprocess.Popen(
        argv,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while ready and time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(ready, timeout=2):  # noqa: S310 - loopback only
                return process
        except urllib.error.HTTPError:
            return process  # it answered
        except OSError:
            time.sleep(0.2)
    if ready:
        stop_process(process)
        raise SystemExit(f"{what} did not answer within 60 s; see {log}")
    return process


def uvicorn_argv(app: str, port: int) -> list[str]:
    """uvicorn as `ws` in docker-compose runs it, on a loopback port."""
    return [
        str(Path(sys.executable).parent / "uvicorn"),
        app,
        "--host=127.0.0.1",
        f"--port={port}",
        "--proxy-headers",
        "--forwarded-allow-ips=*",
        "--lifespan=off",
        "--ws-max-size=1048576",
        "--workers=1",
        "--ws-per-message-deflate=false",
        "--log-level=warning",
    ]


def celery_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "csportal", *args, "--loglevel=WARNING"]


def stop_process(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM its whole session (a Celery worker's children too), SIGKILL after `timeout`."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        process.wait()


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used (its threads included), from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def raise_fd_limit(wanted: int) -> int:
    """Raise this process's open-file limit towards `wanted` (each socket is one); the
    limit in force afterwards."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def sessions_for(users) -> list[str]:
    """A session key per user, saved the way a login saves it (session_for's fast path, for
    the thousand sockets of the real-time benchmark: no test client, no login signals)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend

    backend = next(
        path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
    )
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for user in users:
        store = store_class()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    return keys


# Load ---------------------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection, as lean as it can be: on a 2-core machine every
    cycle the load generator spends is taken from the server it measures."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None
        self.body = b""  # of the last response, for a caller that reads it (realtime_load.py)

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
            self.body = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding") == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunks.append((await self.reader.readexactly(size + 2))[:size])
                if size == 0:
                    break
            self.body = b"".join(chunks)
        else:
            self.body = await self.reader.read()
            self.close()
        if fields.get("connection") == "close":
            self.close()
        return status

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def load(
    base: str,
    scenario: Scenario,
    concurrency: int,
    warmup: float,
    duration: float,
    server_pid: int | None = None,
):
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
    parts_before = _cpu_by_part(server_pid)
    cpu_before, began = time.process_time(), time.perf_counter()
    await asyncio.sleep(duration)
    recording = False
    measured = time.perf_counter() - began
    client_cpu = time.process_time() - cpu_before
    parts_after = _cpu_by_part(server_pid)
    stop_at = 0.0
    await asyncio.gather(*tasks)
    parts = {part: parts_after[part] - parts_before[part] for part in CPU_PARTS}
    return latencies, errors, measured, client_cpu, parts


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


def _width(items: list[Scenario]) -> int:
    return max([NAME_WIDTH, *(len(s.name) for s in items)])


def run_load(base, items, levels, warmup, duration, rounds, server=None) -> None:
    """Each scenario at each concurrency level, `rounds` times over (results pooled); stops
    when the `server` process has exited (a worker that failed to boot takes the master
    down, and every request after that fails at once)."""
    width = _width(items)
    pooled = {
        (s.name, c): {
            "latencies": [],
            "errors": {},
            "seconds": 0.0,
            "cpu": 0.0,
            "parts": dict.fromkeys(CPU_PARTS, 0.0),
        }
        for s in items
        for c in levels
    }
    for round_ in range(rounds):
        for concurrency in levels:
            for scenario in items:
                if server is not None and server.poll() is not None:
                    raise SystemExit(f"gunicorn exited ({server.returncode}) during the load")
                waited = settle()
                if waited > 1.5:
                    print(f"  (waited {waited:.0f} s for the machine to settle)", flush=True)
                latencies, errors, seconds, cpu, parts = _run(
                    load(base, scenario, concurrency, warmup, duration, server and server.pid)
                )
                into = pooled[scenario.name, concurrency]
                into["latencies"] += latencies
                into["seconds"] += seconds
                into["cpu"] += cpu
                for part, used in parts.items():
                    into["parts"][part] += used
                for key, value in errors.items():
                    into["errors"][key] = into["errors"].get(key, 0) + value
                print(
                    f"  round {round_ + 1}, {concurrency:2d} clients: {scenario.name:{width}} "
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
                # CPU milliseconds per request, by process: where the machine's time goes.
                **{
                    f"{part}_cpu_ms": into["parts"][part] * 1000 / max(1, len(values))
                    for part in CPU_PARTS
                },
            }


# Verdicts and the report --------------------------------------------------------------------

Check = tuple[str, bool | None, str]  # (what, passed or None for information, the figure)


def p95_checks(items: list[Scenario], levels: list[int], limits: dict[str, float]) -> list[Check]:
    """p95 under `limits[scenario.target]` ms, without errors, at each level."""
    out = []
    for concurrency in levels:
        for s in items:
            r = s.load.get(concurrency)
            if r is None or s.target not in limits:
                continue
            limit = limits[s.target]
            out.append(
                (
                    f"{s.name} p95 < {limit:.0f} ms at {concurrency} clients",
                    r["p95_ms"] < limit and not r["errors"],
                    f"{r['p95_ms']:.1f} ms",
                )
            )
    return out


def rps_ratio(items: list[Scenario], name: str, floor: str, concurrency: int):
    """(req/s of `name` / req/s of `floor`, its load figures, the floor's) at one level, or
    None when either did not run there."""
    by_name = {s.name: s for s in items}
    a, b = by_name.get(name), by_name.get(floor)
    if not (a and b and concurrency in a.load and concurrency in b.load):
        return None
    mine, floors = a.load[concurrency], b.load[concurrency]
    return mine["rps"] / floors["rps"], mine, floors


def print_in_process(items: list[Scenario]) -> None:
    width = _width(items)
    for s in items:
        r = s.result
        print(
            f"{s.name:{width}} {r['queries']:3d} queries {r['round_trips']:3d} trips, "
            f"max {r['max_rows']} rows, {r['sql_ms']} ms SQL, alone {r['alone_ms']:.1f} ms, "
            f"HTTP {r['status_in_process']}"
        )


def print_table(items: list[Scenario], levels: list[int]) -> None:
    print(
        "queries: SQL statements of one request (in-process); trips: with BEGIN/COMMIT/"
        "SAVEPOINT; rows: most rows one query returned; 1x ms: one request alone, in-process;"
        " client: CPU share the load generator used; cpu ms/req: CPU time per request of the"
        " web server, PostgreSQL and Redis under the load"
    )
    width = _width(items)
    header = (
        f"{'scenario':{width}} {'clients':>7} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'queries':>7} {'trips':>5} {'rows':>5} {'1x ms':>6} "
        f"{'errors':>6} {'client':>6}  {'cpu ms/req app+db+redis':>23}"
    )
    print(header)
    print("-" * len(header))
    for concurrency in levels:
        for s in items:
            r, q = s.load.get(concurrency), s.result
            if r is None:
                continue
            print(
                f"{s.name:{width}} {concurrency:7d} {r['rps']:8.1f} {r['p50_ms']:7.1f} "
                f"{r['p95_ms']:7.1f} {r['p99_ms']:7.1f} {q['queries']:7d} "
                f"{q['round_trips']:5d} {q['max_rows']:5d} {q['alone_ms']:6.1f} "
                f"{r['errors']:6d} {r['client_cpu']:6.0%}  "
                f"{r['app_cpu_ms']:6.2f} {r['db_cpu_ms']:6.2f} {r['redis_cpu_ms']:6.2f}"
            )
        print()


def print_checks(checks: list[Check]) -> None:
    for label, ok, value in checks:
        print(f"{'info' if ok is None else 'PASS' if ok else 'FAIL'}  {label}: {value}")


def add_arguments(parser, *, explain: str) -> None:
    """The options every load benchmark takes."""
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
    parser.add_argument("--explain", action="store_true", help=explain)
    parser.add_argument("--no-load", action="store_true", help="queries only, no HTTP load")
    parser.add_argument("--profile", default="", help="cProfile these scenarios in-process")
    parser.add_argument(
        "--wait-quiet", type=float, default=0, help="wait up to this many minutes for an idle CPU"
    )
    parser.add_argument(
        "--keep-broken", action="store_true", help="load scenarios that fail in-process too"
    )


def levels_of(args) -> list[int]:
    return [int(c) for c in args.concurrency.split(",")]


def run_benchmark(
    args,
    *,
    name: str,
    env: dict,
    items: list[Scenario],
    heading: Callable[[str], str],
    checks: Callable[[list[Scenario], list[int]], list[Check]],
    summary: Callable[[], dict],
    explain: Callable[[list[Scenario]], None] | None = None,
    in_process: Callable[[], None] | None = None,
    after_load: Callable[[], list[Check]] | None = None,
    clean_up: Callable[[], None] = lambda: None,
) -> None:
    """Everything after seeding: in-process queries (and the script's own in-process
    measurements), then gunicorn under load, the report, the verdicts and
    bench/results/<name>-<time>.json.

    heading(machine) is the report's first line; checks(items, levels) the verdicts;
    explain(items), with --explain, shows plans of the scenarios that run;
    summary() what the JSON keeps of the data (after the load); after_load() checks the
    data the load left, before clean_up() removes it.
    """
    from django.db import connection

    levels = levels_of(args)
    if args.only:
        wanted = {n.strip() for n in args.only.split(",")}
        items = [s for s in items if s.name in wanted]
    # The in-process timings below are skewed as much as the load by other work.
    busy_before = busy_now(args.wait_quiet)
    count_queries(items, args.show_queries)
    broken = [s for s in items if s.result["status_in_process"] != s.expect]
    if broken and not args.keep_broken:
        print(f"skipping what does not answer yet: {', '.join(s.name for s in broken)}")
        items = [s for s in items if s not in broken]
    if in_process:
        in_process()
    if args.explain and explain:
        explain(items)
    if args.profile:
        profile(items, args.profile)
    machine = f"{os.cpu_count()} cores, PostgreSQL {connection.pg_version // 10000}"
    connection.close()
    if args.no_load:
        print_in_process(items)
        clean_up()
        return

    RESULTS.mkdir(exist_ok=True)
    port = free_port()
    log = RESULTS / f"{name}-gunicorn.log"
    busy_before = max(busy_before, busy_now(args.wait_quiet))
    server = start_server(port, args.workers, args.threads, log, env)
    try:
        base = f"http://127.0.0.1:{port}"
        run_load(base, items, levels, args.warmup, args.duration, args.rounds, server)
    except SystemExit:
        print(f"see {log}")
        clean_up()
        raise
    finally:
        stop_server(server)
    machine += f"; CPU {busy_before:.0%} busy with other work just before"
    verdicts = after_load() if after_load else []
    print()
    print(heading(machine))
    print_table(items, levels)
    verdicts = checks(items, levels) + verdicts
    print_checks(verdicts)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine,
        "settings": {
            **{k: getattr(args, k) for k in ("workers", "threads", "warmup", "duration", "rounds")},
            "concurrency": levels,
        },
        **summary(),
        "scenarios": {
            s.name: {"in_process": s.result, "load": {str(c): r for c, r in s.load.items()}}
            for s in items
        },
        "checks": [{"check": label, "pass": ok, "value": value} for label, ok, value in verdicts],
    }
    out = save_result(name, result)
    print(f"\nresults: {out.relative_to(ROOT)}; server log: {log.relative_to(ROOT)}")
    clean_up()


def save_result(name: str, result: dict, stamp: str = "") -> Path:
    """bench/results/<name>-<stamp, by default the time now>.json."""
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{name}-{stamp or time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    return out
