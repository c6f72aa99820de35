"""`csportal.asgi:application` for the real-time benchmark, plus one probe the server does
not expose yet: `GET /bench/ws-tasks` answers how many asyncio tasks the process runs, by
coroutine name, and how many of them look like heartbeats (name contains "heartbeat").

Everything else goes to the application unchanged. The probe reads the event loop only
(asyncio.all_tasks), not the consumers' attributes, so a rewrite of csportal/consumers.py
keeps it working as long as its heartbeat coroutine's name says "heartbeat". Once the server
reports its running heartbeats and consumers itself (see bench/README.md), this file can go
and realtime_load.py can read that instead. `--no-probe` runs csportal.asgi untouched.
"""

import asyncio
import json
from collections import Counter

from csportal.asgi import application as csportal_application

PROBE_PATH = "/bench/ws-tasks"


def task_counts() -> dict:
    names = Counter()
    for task in asyncio.all_tasks():
        coroutine = task.get_coro()
        names[getattr(coroutine, "__qualname__", type(coroutine).__name__)] += 1
    heartbeats = sum(n for name, n in names.items() if "heartbeat" in name.lower())
    return {"tasks": sum(names.values()), "heartbeats": heartbeats, "by_name": dict(names)}


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == PROBE_PATH:
        body = json.dumps(task_counts()).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    await csportal_application(scope, receive, send)
