"""Celery worker and beat inside the server process, for the embedded (no Redis) mode.

Celery's memory transport only reaches consumers in the same process, so the one ASGI
process that serves pages and sockets also runs one worker thread and one beat thread.
"""

import logging
import threading

from celery.beat import EmbeddedService
from celery.worker import WorkController

logger = logging.getLogger(__name__)


class _ThreadWorker(WorkController):
    def __init__(self, *args, **kwargs):
        self.ready = threading.Event()
        super().__init__(*args, **kwargs)

    def on_consumer_ready(self, consumer):
        self.ready.set()


def start_worker(app, *, wait: float = 30.0) -> WorkController:
    """Start a solo-pool worker on a daemon thread and return once it consumes."""
    app.finalize()
    app.set_current()
    app.set_default()
    worker = _ThreadWorker(
        app=app,
        pool="solo",
        concurrency=1,
        hostname="embedded@csportal",
        without_heartbeat=True,
        without_mingle=True,
        without_gossip=True,
        ready_callback=None,
    )
    threading.Thread(target=worker.start, name="celery-worker", daemon=True).start()
    if not worker.ready.wait(wait):
        raise RuntimeError("the embedded Celery worker did not start")
    logger.info("embedded Celery worker running")
    return worker


def start_beat(app):
    # beat.Service defaults to the shelve-file scheduler; name ours (django-celery-beat's,
    # from settings) or the schedule managers edit in the admin would be ignored.
    beat = EmbeddedService(app, thread=True, scheduler_cls=app.conf.beat_scheduler)
    beat.start()
    logger.info("embedded Celery beat running")
    return beat
