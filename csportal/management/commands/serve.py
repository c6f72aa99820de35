import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand

from csportal import embedded, links
from csportal.celery import app as celery_app


class Command(BaseCommand):
    help = (
        "Serve pages, the API and WebSockets from one ASGI process. In the embedded mode "
        "(no REDIS_URL) a Celery worker and beat run inside it too."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-jobs",
            action="store_true",
            help="Don't run the in-process worker and beat (they run elsewhere).",
        )

    def handle(self, *args, host, port, no_jobs, **options):
        if not settings.PUBLIC_BASE_URL:
            # Links in the emails this process sends must point where it actually listens.
            links.EMBEDDED_BASE_URL = f"http://{host}:{port}"
        if settings.EMBEDDED and not no_jobs:
            embedded.start_worker(celery_app)
            embedded.start_beat(celery_app)
        self.stdout.write(f"csportal on http://{host}:{port}/")
        uvicorn.run(
            "csportal.asgi:application",
            host=host,
            port=port,
            lifespan="off",
            log_level="info",
            ws_max_size=1024 * 1024,
        )
