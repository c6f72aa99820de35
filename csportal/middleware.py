from . import redis_batch


class BatchedRedisMiddleware:
    """The Redis commands a request queues after its commits (live events, cache versions)
    go in one round trip per server when it ends (csportal.redis_batch)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with redis_batch.batched():
            return self.get_response(request)
