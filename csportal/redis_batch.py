"""Redis commands a request sends after its commit, in one round trip per server.

A ticket opened through the API sent three after its commit, each on its own: the live
events' PUBLISHes, the organization's new inbox version and the notification drain's flag.
Each redis-py round trip cost about 0.1 ms of CPU, a tenth of the request (in-process
measurement, bench/tickets_load.py). Inside `batched()` (every request, through
BatchedRedisMiddleware) such commands wait and go when the block ends, in one pipeline per
Redis server; outside (workers, the shell) each goes at once.

Nothing waits for its replies inside the block: a caller that needs one passes `then`,
called with the command's replies once they are in. When a server fails, each caller's
`failed` gets the error (the default logs it) and the commands are lost, as the live sends
always were (at most once): what they announce is stored, and each caller says what
recovers it.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import redis

logger = logging.getLogger(__name__)

Commands = Callable[[redis.client.Pipeline], None]
Replies = Callable[[list], None]
Failed = Callable[[Exception], None]

_state = threading.local()


@contextmanager
def batched() -> Iterator[None]:
    if getattr(_state, "queue", None) is not None:  # an outer block sends them
        yield
        return
    _state.queue = queue = []
    try:
        yield
    finally:
        _state.queue = None
        _send(queue)


def flush() -> None:
    """Send what the block has queued so far: for a reader of what the request wrote."""
    queue = getattr(_state, "queue", None)
    if queue:
        _state.queue = []
        _send(queue)


def run(
    client: redis.Redis,
    commands: Commands,
    then: Replies | None = None,
    failed: Failed | None = None,
) -> None:
    """Queue `commands(pipeline)` for `client`'s server, or send them now outside a block."""
    item = (client, commands, then, failed or _log_failure)
    queue = getattr(_state, "queue", None)
    if queue is None:
        _send([item])
    else:
        queue.append(item)


def _log_failure(error: Exception) -> None:
    logger.warning("Redis commands after commit failed", exc_info=error)


def _server(client: redis.Redis) -> tuple:
    options = client.connection_pool.connection_kwargs
    return (options.get("host"), options.get("port"), options.get("path"), options.get("db", 0))


def _send(queue: list[tuple[redis.Redis, Commands, Replies | None, Failed]]) -> None:
    by_server: dict[tuple, list] = {}
    for item in queue:
        by_server.setdefault(_server(item[0]), []).append(item)
    for items in by_server.values():
        pipeline = items[0][0].pipeline(transaction=False)
        spans = []
        for _client, commands, then, _failed in items:
            start = len(pipeline)
            commands(pipeline)
            spans.append((start, len(pipeline), then))
        try:
            replies = pipeline.execute()
        except redis.RedisError as error:
            for *_item, failed in items:
                failed(error)
            continue
        for start, end, then in spans:
            if then is None:
                continue
            try:
                then(replies[start:end])
            except Exception:
                # The change is committed; its response must not fail for what follows.
                logger.exception("handling Redis replies after commit failed")
