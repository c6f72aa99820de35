"""The availability search in-process, before and after a change: no server, no load, so
it can run on a shared machine, where only the ratios and the CPU time mean much.

The searches are technicians_load.py's own (the same generators, a fixed seed), against
its database (seeded by technicians_load.py when missing). Each search is asked of
`technicians.availability` as it is in this checkout and, with --before REV, of the module
as it was at git revision REV (loaded beside it), one after the other in alternating order;
both answers must be the same. For each: wall time and this process's CPU time of
`availability.search()` alone, its queries, and the whole `GET /api/v1/availability/`
through the test client (token, validation, serialization). --day also times the
technician's Today page the same way.

    .venv/bin/python bench/technicians_search.py --before 6b06fb5 --searches 300 --day

Results go to bench/results/technicians_search-<time>.json.
"""

import argparse
import importlib.util
import random
import statistics
import subprocess
import tempfile
import time
import zoneinfo
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import harness
import technicians_load  # sets the benchmark's environment on import

SCENARIOS = ("availability direct", "availability alternatives")


def module_at(revision: str):
    """technicians/availability.py as it was at `revision`, importable beside today's."""
    source = subprocess.run(
        ["git", "show", f"{revision}:technicians/availability.py"],
        cwd=harness.ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "availability_before.py"
    path.write_text(source)
    # A submodule of technicians, so its relative imports resolve to today's app.
    spec = importlib.util.spec_from_file_location("technicians.availability_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _commit(revision: str) -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", revision],
        cwd=harness.ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def answer_key(found) -> tuple:
    """What a customer is shown; the two modules' dataclasses never compare equal."""

    def offer(o):
        return (o.profile.pk, o.booked_minutes, o.rating)

    def slots(items):
        return [(s.start, s.end, offer(s.offer)) for s in items]

    area = found.area.pk if found.area is not None else None
    free = [offer(o) for o in found.free]
    return (
        found.start,
        found.end,
        found.product.pk,
        area,
        free,
        *map(slots, (found.before, found.after)),
    )


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 2),
        "mean_ms": round(statistics.mean(ordered), 2),
    }


def measure(scenario, versions: dict, organization, count: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    import technicians.api.views as api_views

    zone = zoneinfo.ZoneInfo(organization.timezone)
    rng = random.Random(7)
    requests = [scenario.make(rng) for _ in range(count)]
    now = timezone.now()
    wall: dict = {name: [] for name in versions}
    cpu: dict = {name: [] for name in versions}
    queries: dict = {name: [] for name in versions}
    http: dict = {name: [] for name in versions}
    differing = 0
    client = Client(SERVER_NAME="127.0.0.1")
    for n, (path, headers, _) in enumerate(requests):
        query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        wish = (
            query["postal_code"],
            query["skill"],
            datetime.fromisoformat(query["start"]).replace(tzinfo=zone),
            datetime.fromisoformat(query["end"]).replace(tzinfo=zone),
        )
        order = list(versions.items())
        if n % 2:
            order.reverse()  # neither goes first every time
        answers = {}
        for name, module in order:
            with CaptureQueriesContext(connection) as captured:
                started, cpu_started = time.perf_counter(), time.process_time()
                answers[name] = answer_key(module.search(organization, *wish, now=now))
                wall[name].append((time.perf_counter() - started) * 1000)
                cpu[name].append((time.process_time() - cpu_started) * 1000)
            queries[name].append(len(captured.captured_queries))
        differing += any(answer != answers["now"] for answer in answers.values())
        for name, module in order:
            api_views.availability = module
            started = time.perf_counter()
            response = client.get(path, HTTP_AUTHORIZATION=headers["Authorization"])
            http[name].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
    api_views.availability = versions["now"]
    return {
        "searches": count,
        "answers_differing": differing,
        **{
            name: {
                "search": summary(wall[name]),
                "search_cpu": summary(cpu[name]),
                "queries": [min(queries[name]), max(queries[name])],
                "queries_mean": round(statistics.mean(queries[name]), 2),
                "get_in_process": summary(http[name]),
            }
            for name in versions
        },
    }


def measure_day(scenario, count: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    rng = random.Random(3)
    wall, queries = [], []
    for _ in range(count):
        path, headers, _ = scenario.make(rng)
        client.cookies["sessionid"] = headers["Cookie"].partition("sessionid=")[2]
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            wall.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        queries.append(len(captured.captured_queries))
    return {"requests": count, "get_in_process": summary(wall), "queries": max(queries)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default="", help="a git revision to compare with")
    parser.add_argument("--searches", type=int, default=200, help="per scenario")
    parser.add_argument("--day", action="store_true", help="time the Today page too")
    args = parser.parse_args()

    harness.prepare_database(technicians_load.DATABASE_URL, reseed=False)
    import django

    django.setup()
    from technicians import availability

    data = technicians_load.ensure_data()
    items = {s.name: s for s in technicians_load.scenarios(data)}
    versions = {"now": availability}
    if args.before:
        versions = {"before": module_at(args.before), "now": availability}
    busy = harness.cpu_busy()
    result: dict = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "before": _commit(args.before) if args.before else None,
        "now": _commit("HEAD"),
        "machine": f"CPU {busy:.0%} busy with other work just before",
        "scenarios": {},
    }
    for name in SCENARIOS:
        measured = measure(items[name], versions, data["organization"], args.searches)
        result["scenarios"][name] = measured
        print(
            f"\n{name}: {args.searches} searches, "
            f"answers differing: {measured['answers_differing']}"
        )
        for version in versions:
            m = measured[version]
            wall, cpu, page = m["search"], m["search_cpu"], m["get_in_process"]
            print(
                f"  {version:6} search() {wall['p50_ms']:6.2f} / {wall['p95_ms']:6.2f} ms "
                f"p50/p95 (CPU {cpu['p50_ms']:.2f} / {cpu['p95_ms']:.2f}), "
                f"{m['queries_mean']:.2f} queries; GET {page['p50_ms']:6.2f} / "
                f"{page['p95_ms']:6.2f} ms"
            )
    if args.day:
        day = measure_day(items["technician day"], args.searches)
        result["scenarios"]["technician day"] = day
        page = day["get_in_process"]
        print(
            f"\ntechnician day: {page['p50_ms']:.2f} / {page['p95_ms']:.2f} ms p50/p95, "
            f"{day['queries']} queries"
        )
    result["machine_after"] = f"CPU {harness.cpu_busy():.0%} busy with other work just after"
    out = harness.save_result("technicians_search", result)
    print(f"\nresults: {out.relative_to(harness.ROOT)}")


if __name__ == "__main__":
    main()
