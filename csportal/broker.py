"""Celery's Redis transport, publishing through one client per channel.

kombu's Redis channel builds a new `redis.Redis` for every message it publishes, and
redis-py 8 fills each new client's table of ~170 response callbacks: a quarter of the CPU
of `task.delay()` here. A client is safe to share (each command takes a connection from the
pool), so the channel keeps one for as long as its pool lives. Selected by
CELERY_BROKER_TRANSPORT when the broker is Redis.
"""

from contextlib import contextmanager

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _shared_client = None

    @contextmanager
    def conn_or_acquire(self, client=None):
        if client:
            yield client
            return
        pool = self.pool
        if self._shared_client is None or self._shared_client.connection_pool is not pool:
            self._shared_client = self._create_client()
        yield self._shared_client


class Transport(kombu_redis.Transport):
    Channel = Channel
