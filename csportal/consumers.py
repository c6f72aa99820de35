"""`/ws/events/`: one socket per tab, fed by `csportal.realtime.publish`. A signed-in
person's joins their groups by right; a visitor's (a public page) only public groups.

The socket delivers each event live as the channel layer brings it, and its heartbeat sends
whatever the layer dropped: the events of its groups above its cursor that it has not sent.
The client drops the few duplicates by id.

It imports no app: a user's groups and their presence come through the registries of
`csportal.realtime` (filled by accounts).
"""

import asyncio
import contextlib
import logging
import time
import weakref
from dataclasses import dataclass, field
from importlib import import_module
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from . import realtime

logger = logging.getLogger(__name__)


# A socket joins at most this many groups on request (object and public groups): a page
# follows a handful; more is a client filling the channel layer.
MAX_SUBSCRIPTIONS = 50

# The session, the user and their memberships are read again every so many beats (services
# that change them close the sockets at once): a lost close message or a change made behind
# the services' back still ends the socket within two minutes, without queries every beat.
RIGHTS_CHECK_EVERY = 8

CLOSE_UNAUTHENTICATED = realtime.CLOSE_UNAUTHENTICATED
CLOSE_RECONNECT = realtime.CLOSE_RECONNECT


def _session_is_current(session_key: str | None, user) -> bool:
    """Whether the login session the socket was opened with still signs in this user: not
    logged out, not expired, and the password not changed since."""
    if not session_key:
        return False
    store: SessionBase = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    data = store.load()
    if str(data.get(SESSION_KEY)) != str(user.pk) or BACKEND_SESSION_KEY not in data:
        return False
    return constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash())


def _opened_as_visitor(scope) -> bool:
    """Whether the page that opened the socket was rendered for a visitor who is not signed
    in (`realtime.VISITOR_SOCKET`), as a public page is."""
    return "visitor" in parse_qs(scope.get("query_string", b"").decode("latin-1"))


# The consumers whose heartbeat runs, for the health check and the tests: a consumer that
# outlived its socket would stay here.
_beating: weakref.WeakSet = weakref.WeakSet()


def beating_consumers() -> int:
    return len(_beating)


@dataclass
class Beat:
    """What one heartbeat found, read in one hop to the database thread."""

    still_allowed: bool
    groups: set[str] = field(default_factory=set)
    missed: list[dict] = field(default_factory=list)
    cursor: int = 0


class EventsConsumer(AsyncJsonWebsocketConsumer):
    async def __call__(self, scope, receive, send):
        # However the consumer ends (a disconnect, an error sending to a client that has
        # gone), it lets go of its heartbeat, groups and presence. Without this, a send that
        # failed after the client left ended the consumer without disconnect() and left its
        # heartbeat beating and its person online.
        async def send_or_stop(message):
            try:
                await send(message)
            except (OSError, RuntimeError) as error:
                # The client is gone (uvicorn's ClientDisconnected is an OSError; a send
                # after the close is a RuntimeError): end quietly, not with a traceback.
                raise StopConsumer from error

        try:
            await super().__call__(scope, receive, send_or_stop)
        finally:
            await self._release()

    async def dispatch(self, message):
        # Events touch no database: Channels' dispatch would first hop to the database
        # thread to close old connections, on every frame, queueing behind heartbeats.
        if message["type"] == realtime.CHANNEL_MESSAGE_TYPE:
            await self.realtime_event(message)
            return
        await super().dispatch(message)

    async def connect(self):
        self.user = self.scope.get("user")
        self.released = False
        self.heartbeat = None
        self.groups_joined: set[str] = set()
        self.object_groups: set[str] = set()
        self.counts_in_presence = False
        self.presence = realtime.presence_hooks()
        self.away = False
        self.cursor = 0
        self.sent: set[int] = set()
        # Accepted before refusing, so the browser sees the close code (a refused handshake
        # is a bare HTTP 403) and stops retrying.
        await self.accept()
        self.signed_in = self.user is not None and self.user.is_authenticated
        self.session_key = None
        groups: set[str] = set()
        if self.signed_in:
            session = self.scope.get("session")
            self.session_key = session.session_key if session is not None else None
            groups = await database_sync_to_async(self._groups_by_right)(self.user)
        elif not _opened_as_visitor(self.scope):
            # A signed-in page whose session is gone (logged out, a new password): its tab
            # must hear so, not carry on as a visitor that hears nothing.
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        # A visitor who is not signed in joins nothing by right: only the public groups its
        # page asks for (csportal.realtime.may_join).
        await self._join(groups)
        self.counts_in_presence = realtime.counts_in_presence(groups)
        self.cursor, _latest = await _marks.read()
        if self.counts_in_presence:
            await database_sync_to_async(self.presence.connect)(
                user=self.user, channel=self.channel_name, now=timezone.now()
            )
            _announcer.soon()
        # No cursor yet: the client's resume may set the socket back to an older one, and a
        # client that moved up to this one first would drop what the resume brings.
        self.awaiting_resume = True
        await self.send_json({"type": "hello"})
        self.heartbeat = asyncio.create_task(self._heartbeat_loop())
        _beating.add(self)

    def _groups_by_right(self, user) -> set[str]:
        groups = set(realtime.groups_by_right(user))
        if self.session_key:
            groups.add(realtime.session_group(self.session_key))
        return groups

    async def disconnect(self, code):
        await self._release()

    async def _release(self) -> None:
        if getattr(self, "released", True):
            return
        self.released = True
        _beating.discard(self)
        if self.heartbeat is not None:
            self.heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.heartbeat
        for group in self.groups_joined:
            with contextlib.suppress(Exception):
                await self.channel_layer.group_discard(group, self.channel_name)
        if self.counts_in_presence:
            _renewals.forget(self.channel_name)
            await database_sync_to_async(self.presence.disconnect)(
                user=self.user, channel=self.channel_name, now=timezone.now()
            )
            _announcer.after_grace()

    @classmethod
    async def decode_json(cls, text_data):
        # A malformed frame is the client's bug: answer it rather than drop the socket.
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None

    async def receive_json(self, content, **kwargs):
        action = content.get("action") if isinstance(content, dict) else None
        if action == "presence" and self.counts_in_presence:
            status = content.get("status")
            if status in ("online", "away"):
                self.away = status == "away"
                await database_sync_to_async(self.presence.set)(
                    user=self.user, channel=self.channel_name, away=self.away, now=timezone.now()
                )
                _announcer.soon()
        elif action == "resume":
            await self._resume(content.get("since"))
        elif action == "subscribe":
            await self._subscribe(str(content.get("group", "")))
        elif action == "ping":
            await self.send_json({"type": "pong", **self._cursor_frame(0)})
        else:
            await self.send_json({"type": "error", "code": "unknown_action"})

    async def realtime_event(self, message):
        event = message["event"]
        if event["id"] > self.cursor:
            if event["id"] in self.sent:
                return
            self.sent.add(event["id"])
        await self.send_json(event)

    async def realtime_close(self, message):
        await self.close(code=message.get("code", CLOSE_RECONNECT))
        raise StopConsumer

    async def _resume(self, since) -> None:
        """The client's cursor from before a reconnect or a page load: send it everything
        after that, as the heartbeat would have."""
        if not isinstance(since, int) or isinstance(since, bool) or since < 0:
            await self.send_json({"type": "error", "code": "bad_cursor"})
            return
        self.cursor = since
        self.sent = {event_id for event_id in self.sent if event_id > since}
        await self._fill_gaps()
        self.awaiting_resume = False

    async def _subscribe(self, group: str) -> None:
        if group not in self.object_groups and len(self.object_groups) >= MAX_SUBSCRIPTIONS:
            await self.send_json({"type": "error", "code": "too_many_groups", "group": group})
            return
        allowed = await database_sync_to_async(realtime.may_join)(self.user, group)
        if not allowed:
            await self.send_json({"type": "error", "code": "forbidden", "group": group})
            return
        self.object_groups.add(group)
        await self._join({group})
        await self.send_json({"type": "subscribed", "group": group})

    async def _join(self, groups: set[str]) -> None:
        for group in groups - self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.add(group)

    async def _fill_gaps(self) -> None:
        floor, _latest = await _marks.read()
        beat = await database_sync_to_async(self._read_beat)(floor=floor, check_rights=False)
        if not await self._apply(beat):
            raise StopConsumer

    async def _heartbeat_loop(self) -> None:
        beats = 0
        while True:
            await asyncio.sleep(settings.REALTIME_HEARTBEAT_SECONDS)
            beats += 1
            try:
                if not await self._beat(check_rights=beats % RIGHTS_CHECK_EVERY == 0):
                    return
                await self.send_json({"type": "heartbeat", **self._cursor_frame(beats)})
            except asyncio.CancelledError:
                raise
            except StopConsumer:
                return  # The client is gone; its disconnect releases the rest.
            except Exception:
                logger.exception("heartbeat failed for user %s", getattr(self.user, "pk", None))

    async def _beat(self, *, check_rights: bool) -> bool:
        """Renew presence, send what the layer dropped, check rights when it is their turn.
        Returns whether the socket stays open.

        Most beats of a quiet socket touch no database of their own: the renewal is batched
        per process, and when the socket has sent everything up to the newest event there
        is nothing it can have missed."""
        if self.counts_in_presence:
            await _renewals.renew(self.presence, self.channel_name)
        floor, latest = await _marks.read()
        if not check_rights and self.cursor >= latest:
            return True
        beat = await database_sync_to_async(self._read_beat)(floor=floor, check_rights=check_rights)
        return await self._apply(beat)

    def _cursor_frame(self, beats: int) -> dict:
        """The cursor, once the client can no longer be waiting to resume from an older one
        (it resumes on open; one that has not by the second beat never will)."""
        if self.awaiting_resume and beats < 2:
            return {}
        self.awaiting_resume = False
        return {"cursor": self.cursor}

    async def _apply(self, beat: Beat) -> bool:
        """Send what the layer dropped; close instead when the socket's rights changed.
        Returns whether the socket stays open."""
        if not beat.still_allowed:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return False
        if beat.groups != self.groups_joined:
            # A role or an organization was lost or gained: start over with the new rights.
            await self.close(code=CLOSE_RECONNECT)
            return False
        for event in beat.missed:
            # The live copy may have come while the beat was reading.
            if event["id"] in self.sent:
                continue
            self.sent.add(event["id"])
            await self.send_json(event)
        self.cursor = max(self.cursor, beat.cursor)
        self.sent = {event_id for event_id in self.sent if event_id > self.cursor}
        return True

    def _read_beat(self, *, floor: int, check_rights: bool) -> Beat:
        """What a heartbeat reads, in one hop to a database thread: the events the layer
        dropped (above the cursor, not sent) and, when `check_rights`, whether the session
        still stands and the groups it may be in now. `floor` was read before: whatever
        commits after that is above it or found here."""
        groups = self.groups_joined
        if check_rights and not self.signed_in:
            groups = {g for g in self.object_groups if realtime.may_join(None, g)}
        elif check_rights:
            user = get_user_model().objects.filter(pk=self.user.pk, is_active=True).first()
            if user is None or (
                self.session_key and not _session_is_current(self.session_key, user)
            ):
                return Beat(still_allowed=False)
            groups = self._groups_by_right(user)
            groups |= {g for g in self.object_groups if realtime.may_join(user, g)}
            if self.counts_in_presence:
                # A connection swept while this server was too busy to renew it comes back.
                self.presence.renew(
                    user=user, channel=self.channel_name, away=self.away, now=timezone.now()
                )
        missed = realtime.missed_events(self.groups_joined, above=self.cursor, sent=self.sent)
        complete = len(missed) < realtime.REPLAY_LIMIT
        return Beat(
            still_allowed=True,
            groups=groups,
            missed=[event.as_message() for event in missed],
            # Past a full page, the rest comes with the next beat.
            cursor=max(self.cursor, floor) if complete else self.cursor,
        )


class _Marks:
    """The settled floor and the newest event id, read at most once a second per process
    and shared by every socket's heartbeat: marks a moment old only make a beat more
    cautious (a lower floor) or read once more (a newer event found next time)."""

    def __init__(self):
        self._read_at = -1.0
        self._value = (0, 0)
        self._reading: asyncio.Future | None = None

    async def read(self) -> tuple[int, int]:
        if time.monotonic() - self._read_at < 1.0:
            return self._value
        if self._reading is None or self._reading.get_loop() is not asyncio.get_running_loop():
            self._reading = asyncio.ensure_future(database_sync_to_async(self._fetch)())
        reading = self._reading
        try:
            self._value = await asyncio.shield(reading)
            self._read_at = time.monotonic()
        finally:
            if self._reading is reading and reading.done():
                self._reading = None
        return self._value

    @staticmethod
    def _fetch() -> tuple[int, int]:
        now = timezone.now()
        # The floor first: an event that commits in between is above it.
        floor = realtime.settled_floor(now=now)
        return floor, realtime.newest_event_id()


_marks = _Marks()


class _Renewals:
    """The heartbeats' presence renewals of one process, written together at most once a
    second: a thousand sockets' beats are one UPDATE, not 67 a second."""

    def __init__(self):
        self._due: set[str] = set()
        self._written_at = -1.0
        self._writing = False

    async def renew(self, hooks: realtime.PresenceHooks, channel: str) -> None:
        self._due.add(channel)
        if self._writing or time.monotonic() - self._written_at < 1.0:
            return
        self._writing = True
        due, self._due = self._due, set()
        try:
            await database_sync_to_async(hooks.renew_many)(channels=due, now=timezone.now())
        finally:
            self._writing = False
            self._written_at = time.monotonic()

    def forget(self, channel: str) -> None:
        self._due.discard(channel)


_renewals = _Renewals()


class _Announcer:
    """Announces this process's presence changes in batches (PresenceHooks): at most one
    announcement of each kind waits at a time, so a thousand sockets connecting at once make
    a few events for everyone, not a thousand each."""

    def __init__(self):
        self._waiting: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.TimerHandle]] = {}

    def soon(self) -> None:
        self._schedule("soon", settings.PRESENCE_BATCH_SECONDS)

    def after_grace(self) -> None:
        self._schedule("grace", settings.PRESENCE_GRACE_SECONDS + settings.PRESENCE_BATCH_SECONDS)

    def _schedule(self, kind: str, delay: float) -> None:
        loop = asyncio.get_running_loop()
        waiting_loop, waiting = self._waiting.get(kind, (None, None))
        # A timer of a loop that has ended (one per test) would never fire.
        if waiting_loop is loop and not waiting.cancelled():
            return
        self._waiting[kind] = (loop, loop.call_later(delay, self._fire, kind))

    def _fire(self, kind: str) -> None:
        self._waiting.pop(kind, None)
        asyncio.ensure_future(self._announce())

    async def _announce(self) -> None:
        try:
            still_pending = await database_sync_to_async(_announce_now)()
        except Exception:
            logger.exception("presence announcement failed")
            return
        if still_pending:
            self.after_grace()


def _announce_now() -> bool:
    """Announce what changed; whether someone is still pending (within their grace)."""
    hooks = realtime.presence_hooks()
    if hooks is None:
        return False
    hooks.announce(now=timezone.now())
    return hooks.pending()


_announcer = _Announcer()
