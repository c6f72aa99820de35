"""The events socket on the real ASGI server (uvicorn), with real clients that misbehave:
sockets dropped mid-stream and mid-handshake, sessions that log out, events the layer drops."""

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
import websockets
from django.conf import settings
from django.db import connections, transaction
from django.test import Client
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Presence, PresenceConnection
from accounts.presence import live_statuses, presence_announce, presence_expire
from accounts.tests.factories import PASSWORD
from csportal import consumers, realtime
from csportal.realtime import org_staff_group, publish
from tests.browser import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

DROPPED = 30


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def socket_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://") + "/ws/events/"


def headers_for(client: Client) -> dict:
    return {
        "Cookie": f"sessionid={client.cookies['sessionid'].value}",
        "Origin": "http://127.0.0.1",
    }


async def close_code(socket) -> int:
    """Read until the server closes the socket; the code it closed with."""
    try:
        while True:
            await asyncio.wait_for(socket.recv(), timeout=5)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code


def publishing(organization, stop: threading.Event) -> threading.Thread:
    """A thread publishing to the staff of `organization` as fast as it can until `stop`."""

    def run():
        try:
            while not stop.is_set():
                with transaction.atomic():
                    publish("ticket.updated", {"n": 1}, groups=[org_staff_group(organization.pk)])
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_sockets_dropped_mid_stream_and_mid_handshake_leave_no_consumer_beating_nor_online(
    live_asgi_server, organization, agent, caplog
):
    headers = headers_for(signed_in(agent))
    url = socket_url(live_asgi_server)

    async def drop_them():
        opened = []
        for _ in range(DROPPED // 2):
            socket = await websockets.connect(url, additional_headers=headers)
            await socket.recv()  # hello
            opened.append(socket)
        # Events keep coming while the clients vanish without a close frame, so some are
        # sent to a socket whose client has already gone.
        for socket in opened:
            socket.transport.abort()
        # The other half are dropped while their handshake is still under way.
        host, port = live_asgi_server.removeprefix("http://").split(":")
        for _ in range(DROPPED - DROPPED // 2):
            _reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(
                b"GET /ws/events/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + f"Cookie: {headers['Cookie']}\r\nOrigin: http://127.0.0.1\r\n\r\n".encode()
            )
            await writer.drain()
            writer.transport.abort()

    stop = threading.Event()
    publisher = publishing(organization, stop)
    try:
        with caplog.at_level(logging.ERROR):
            asyncio.run(drop_them())
            settled = wait_until(lambda: consumers.beating_consumers() == 0)
            # A few heartbeats more: nothing beats again, nothing is logged.
            time.sleep(3)
    finally:
        stop.set()
        publisher.join()

    assert settled, f"{consumers.beating_consumers()} consumers still beating"
    assert consumers.beating_consumers() == 0
    assert wait_until(lambda: not PresenceConnection.objects.exists(), timeout=5)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_logging_out_closes_that_sessions_socket_within_a_second(live_asgi_server, agent):
    client = signed_in(agent)
    other_session = signed_in(agent)

    async def log_out_while_connected():
        url = socket_url(live_asgi_server)
        async with (
            websockets.connect(url, additional_headers=headers_for(client)) as socket,
            websockets.connect(url, additional_headers=headers_for(other_session)) as other,
        ):
            await socket.recv()
            await other.recv()
            started = time.monotonic()
            response = await asyncio.to_thread(client.post, "/logout/")
            assert response.status_code == 302
            code = await close_code(socket)
            elapsed = time.monotonic() - started
            return code, elapsed, other.state == websockets.State.OPEN

    code, elapsed, other_still_open = asyncio.run(log_out_while_connected())

    assert code == realtime.CLOSE_UNAUTHENTICATED
    assert elapsed < 1.0
    assert other_still_open
    connections.close_all()


def test_a_new_password_closes_every_socket_and_only_the_changing_sessions_may_reconnect(
    live_asgi_server, agent
):
    this_browser = signed_in(agent)
    other_browser = signed_in(agent)
    url = socket_url(live_asgi_server)
    new_password = "violet-harbour-lantern-42"

    async def change_password_while_connected():
        async with (
            websockets.connect(url, additional_headers=headers_for(this_browser)) as mine,
            websockets.connect(url, additional_headers=headers_for(other_browser)) as theirs,
        ):
            await mine.recv()
            await theirs.recv()
            response = await asyncio.to_thread(
                this_browser.post,
                "/me/settings/password/",
                {
                    "current_password": PASSWORD,
                    "new_password": new_password,
                    "new_password_again": new_password,
                },
            )
            assert response.status_code == 302
            closed = (await close_code(mine), await close_code(theirs))
        async with websockets.connect(url, additional_headers=headers_for(this_browser)) as mine:
            greeting = json.loads(await asyncio.wait_for(mine.recv(), timeout=5))
        async with websockets.connect(url, additional_headers=headers_for(other_browser)) as theirs:
            refused = await close_code(theirs)
        return closed, greeting, refused

    closed, greeting, refused = asyncio.run(change_password_while_connected())

    assert closed == (realtime.CLOSE_RECONNECT, realtime.CLOSE_RECONNECT)
    assert greeting == {"type": "hello"}
    assert refused == realtime.CLOSE_UNAUTHENTICATED
    connections.close_all()


def test_a_socket_of_a_logged_out_session_is_refused_with_the_code_a_browser_can_read(
    live_asgi_server, agent
):
    client = signed_in(agent)
    headers = headers_for(client)
    client.post("/logout/")

    async def reconnect():
        async with websockets.connect(
            socket_url(live_asgi_server), additional_headers=headers
        ) as s:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(s.recv(), timeout=5)
            return closed.value.rcvd.code

    assert asyncio.run(reconnect()) == realtime.CLOSE_UNAUTHENTICATED


def test_a_killed_server_leaves_nobody_online_once_its_connections_expire(
    transactional_db, agent, tmp_path
):
    """uvicorn in a process of its own, killed with its socket open: nothing it could do on
    the way out, yet within one expiry period its person is offline and announced so."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{database['NAME']}"
    else:
        url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    ttl = 2.0
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "csportal.settings",
        "DEBUG": "1",
        "DATABASE_URL": url,
        "REALTIME_HEARTBEAT_SECONDS": "0.5",
        "PRESENCE_TTL_SECONDS": str(ttl),
    }
    env.pop("REDIS_URL", None)  # its own in-memory layer: nothing else talks to it
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "csportal.asgi:application", "--port", str(port),
         "--lifespan", "off", "--log-level", "warning"],
        env=env, cwd=settings.BASE_DIR,
    )  # fmt: skip
    try:
        assert wait_until(lambda: _accepts(port), timeout=30), "the server did not start"
        headers = headers_for(signed_in(agent))

        async def connect_and_hold():
            socket_ = await websockets.connect(
                f"ws://127.0.0.1:{port}/ws/events/", additional_headers=headers
            )
            await socket_.recv()  # hello
            return socket_

        loop = asyncio.new_event_loop()
        held = loop.run_until_complete(connect_and_hold())
        assert wait_until(lambda: PresenceConnection.objects.filter(user=agent).exists())
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        killed_at = timezone.now()
        held.transport.abort()
        loop.close()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)

    still_online = live_statuses([agent.pk], now=killed_at)[agent.pk]
    after_expiry = killed_at + timedelta(seconds=ttl)
    sweep_now = presence_expire(now=after_expiry)
    presence_announce(now=after_expiry)

    assert still_online == "online"
    assert live_statuses([agent.pk], now=after_expiry)[agent.pk] == "offline"
    assert sweep_now == 1
    assert Presence.objects.get(user=agent).status == "offline"


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_new_password_closes_the_persons_sockets_and_their_old_session_stays_out(
    live_asgi_server, agent
):
    headers = headers_for(signed_in(agent))
    url = socket_url(live_asgi_server)

    async def change_password_while_connected():
        async with websockets.connect(url, additional_headers=headers) as socket_:
            await socket_.recv()
            await asyncio.to_thread(
                account_services.user_set_password, user=agent, password="a fresh one 4 you"
            )
            closed_with = await close_code(socket_)
        async with websockets.connect(url, additional_headers=headers) as again:
            return closed_with, await close_code(again)

    closed_with, reconnected_with = asyncio.run(change_password_while_connected())
    connections.close_all()

    assert closed_with == realtime.CLOSE_RECONNECT
    assert reconnected_with == realtime.CLOSE_UNAUTHENTICATED
