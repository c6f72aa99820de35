"""`/healthz`: is every part of the portal reachable from this process?"""

import asyncio
import ipaddress
import time
import uuid

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app as celery_app
from .clientip import client_ip


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)


def _check_channel_layer() -> None:
    # A layer of its own for each check: the shared one's receive() is bound to one event
    # loop, and gunicorn's threads each bring their own; sharing it wedged the check at 503.
    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)

    async def round_trip():
        try:
            channel = await layer.new_channel()
            await layer.send(channel, {"type": "healthz"})
            message = await asyncio.wait_for(layer.receive(channel), timeout=2)
            if message.get("type") != "healthz":
                raise RuntimeError("channel layer returned another message")
        finally:
            await layer.flush()  # the check's own layer: closes its connections

    async_to_sync(round_trip)()


def _check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {
    "database": _check_database,
    "cache": _check_cache,
    "channel_layer": _check_channel_layer,
    "broker": _check_broker,
}


@never_cache
@require_GET
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    healthy = all(result["ok"] for result in results.values())
    body = {"status": "ok" if healthy else "degraded"}
    # Which part failed and its error text (hosts, ports) is for operators only.
    if _is_internal(request):
        body["checks"] = results
    return JsonResponse(body, status=200 if healthy else 503)


def _is_internal(request) -> bool:
    try:
        address = ipaddress.ip_address(client_ip(request) or "")
    except ValueError:
        return False
    return address.is_loopback or any(
        address in ipaddress.ip_network(network) for network in settings.HEALTHZ_DETAIL_NETWORKS
    )
