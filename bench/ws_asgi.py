"""`csportal.asgi:application` for the real-time benchmark, plus one probe: `GET
/bench/ws-tasks` answers the process's own `csportal.consumers.beating_consumers()` (the
consumers whose heartbeat still runs; one that outlived its socket stays counted) and, as a
cross-check that costs one pass over the loop, its asyncio tasks by coroutine name.

Everything else goes to the application unchanged. `--no-probe` runs csportal.asgi untouched.
"""

import asyncio
import json
from collections import Counter

from csportal.asgi import application as csportal_application
from csportal.consumers import beating_consumers

PROBE_PATH = "/bench/ws-tasks"


def probe() -> dict:
    names = Counter()
    for task in asyncio.all_tasks():
        coroutine = task.get_coro()
        names[getattr(coroutine, "__qualname__", type(coroutine).__name__)] += 1
    heartbeat_tasks = sum(n for name, n in names.items() if "heartbeat" in name.lower())
    return {
        "beating_consumers": beating_consumers(),
        "heartbeat_tasks": heartbeat_tasks,
        "tasks": sum(names.values()),
        "by_name": dict(names),
    }


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == PROBE_PATH:
        body = json.dumps(probe()).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    await csportal_application(scope, receive, send)
