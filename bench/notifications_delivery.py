"""How fast one worker delivers queued SMS notifications, and what one delivery costs.

Queues N notifications for the locmem SMS transport, then either
  --mode celery: enqueues a task per notification and times one real Celery worker
                 (solo pool, one process) draining them through the broker, or
  --mode direct: calls the delivery service in a loop (the worker's work minus the broker).
Also counts the queries of one delivery on its own (a single-notification task).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csportal_bench \
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/notifications_delivery.py

Target (issue #4): one worker delivers at least 500 a second on this machine.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csportal.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-use-0123456789")
os.environ["SMS_BACKEND"] = "locmem"
# Its rate-limit counters (one per number, kept an hour) stay out of the keys the test
# suite and a development server use on the same Redis.
os.environ.setdefault("CACHE_KEY_PREFIX", "csportal-bench")
os.environ.setdefault("SMS_RATE_PER_RECIPIENT_PER_HOUR", "1000000000")
os.environ.setdefault("SMS_RATE_PER_ORGANIZATION_PER_HOUR", "1000000000")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Organization  # noqa: E402
from notifications import services  # noqa: E402
from notifications.models import Channel, Notification, Status  # noqa: E402


def queue(count: int, organization: Organization, run: str) -> list[int]:
    Notification.objects.bulk_create(
        [
            Notification(
                organization=organization,
                channel=Channel.SMS,
                address=f"+1415555{i % 10000:04d}",
                kind="general",
                title="Your technician is on the way",
                body="Tom will arrive at 10:30.",
                dedupe_key=f"bench:{run}:{i}",
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    return list(
        Notification.objects.filter(dedupe_key__startswith=f"bench:{run}:")
        .order_by("id")
        .values_list("id", flat=True)
    )


def queries_per_delivery(organization: Organization) -> int:
    [notification_id] = queue(1, organization, f"q{time.time_ns()}")
    with CaptureQueriesContext(connection) as captured:
        services.notification_deliver(notification_id=notification_id)
    return len(captured.captured_queries)


def run_direct(ids: list[int]) -> float:
    started = time.perf_counter()
    for start in range(0, len(ids), services.DELIVERY_BATCH):
        services.notifications_deliver(
            notification_ids=ids[start : start + services.DELIVERY_BATCH]
        )
    return time.perf_counter() - started


def run_celery(ids: list[int]) -> float:
    # The same batches the sweeper enqueues for a backlog.
    services.delivery._enqueue(ids)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "csportal",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        started = None
        while True:
            sent = Notification.objects.filter(id__in=ids, status=Status.SENT).count()
            if started is None and sent:
                started = time.perf_counter()
            if sent == len(ids):
                return time.perf_counter() - started
            if worker.poll() is not None:
                raise SystemExit("the worker exited early")
            time.sleep(0.05)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--mode", choices=["celery", "direct"], default="celery")
    args = parser.parse_args()
    if args.mode == "celery" and not os.environ.get("REDIS_URL"):
        raise SystemExit("--mode celery needs REDIS_URL: the worker is a separate process")

    call_command("migrate", verbosity=0)
    organization, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    Notification.objects.filter(organization=organization).delete()

    queries = queries_per_delivery(organization)
    ids = queue(args.count, organization, f"run{time.time_ns()}")
    elapsed = run_direct(ids) if args.mode == "direct" else run_celery(ids)
    rate = args.count / elapsed
    print(f"database: {connection.vendor}; mode: {args.mode}; notifications: {args.count}")
    print(f"delivered all in {elapsed:.2f} s: {rate:.0f} per second (target >= 500)")
    print(f"queries per delivery: {queries}")


if __name__ == "__main__":
    main()
