"""gunicorn for the `web` service: pages and the API (WSGI), behind the Caddy proxy.

Sync Django views ran 4.6x faster under gunicorn than under uvicorn on the development
machine, so only /ws/ goes to the ASGI server. Sizing keeps PostgreSQL under its default
100 connections: each process has its own psycopg pool (DATABASE_POOL_MAX, default 10)
but a gthread process never holds more connections than it has threads, so `web` needs
at most WEB_CONCURRENCY x GUNICORN_THREADS (16 by default).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # noqa: S104 - inside the container network

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Django and the apps are imported once, in the master; each worker is a fork of it. Nothing
# at import opens a connection: the psycopg pool (which starts threads), Redis clients and
# the Celery connection are all made on first use, in the worker, after the fork.
preload_app = True

# A worker that answers nothing for this long is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Longer than the proxy's upstream keep-alive (60s in docker/Caddyfile), so the proxy
# closes an idle connection first and never sends a request down one gunicorn just closed.
keepalive = 75
# Recycle workers now and then so a slow leak can't grow without bound. Not every 2,000
# requests: at a few hundred requests a second that replaced a worker every half minute,
# and each replacement (importing Django, compiling templates again) took the CPU from the
# requests around it: the bare JSON view of bench/tickets_load.py went from 1,320 to 2,340
# requests a second, the staff ticket page's p95 from 50.8 to 32.1 ms.
max_requests = 10000
max_requests_jitter = 1000

# Only the proxy reaches this port (no published ports), and Caddy replaces any
# X-Forwarded-* a client sent, so the forwarded scheme can be trusted.
forwarded_allow_ips = "*"

# Worker heartbeat files on a RAM disk: /tmp in a container may sit on a slow overlay
# filesystem and stall the heartbeat. They hold no data, so a shared directory is fine.
worker_tmp_dir = "/dev/shm"  # noqa: S108
# The runtime control socket would be created under $HOME; nothing here uses it.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
