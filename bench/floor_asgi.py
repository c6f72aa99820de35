"""The bare floor of the real-time benchmark (bench/realtime_load.py): a plain Channels
consumer that joins one group and forwards what is sent to it, served by its own uvicorn with
the same flags and the same channels-redis pub/sub layer as `/ws/events/`.

No authentication, no database, no heartbeat, no presence: what a socket costs here is what
uvicorn, Channels and the Redis layer cost, so the distance from it to `/ws/events/` is what
our own code costs. The driver sends with `group_send` to GROUP at the same rate as the API
driver changes tickets, frames of the same shape and about the same size.

    uvicorn bench.floor_asgi:application   (DJANGO_SETTINGS_MODULE=bench.bench_settings)
"""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bench_settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

GROUP = "bench.floor"
MESSAGE_TYPE = "floor.event"


class FloorConsumer(AsyncWebsocketConsumer):
    groups = [GROUP]  # joined before connect() by Channels itself

    async def connect(self):
        await self.accept()
        await self.send(text_data='{"type": "hello", "cursor": 0}')

    async def floor_event(self, message):
        # Serialised here, as EventsConsumer.realtime_event's send_json does.
        await self.send(text_data=json.dumps(message["event"]))


async def _http(scope, receive, send):
    """Any GET answers 200: the benchmark waits for it before connecting."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"floor"})


application = ProtocolTypeRouter(
    {
        "http": _http,
        "websocket": URLRouter([path("ws/floor/", FloorConsumer.as_asgi())]),
    }
)
