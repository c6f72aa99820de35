"""`/ws/events/`: one authenticated socket per tab, fed by `csportal.realtime.publish`."""

import asyncio
import contextlib
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from accounts import selectors as account_selectors
from accounts import services as account_services

from . import realtime

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401


class EventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.groups_joined: set[str] = set()
        self.object_groups: set[str] = set()
        self.is_staff_member = False
        await self._sync_groups()
        await self.accept()
        # Remembered apart from is_staff_member, which the heartbeat may change: the count
        # must go down on disconnect exactly when it went up here.
        self.counts_in_presence = self.is_staff_member
        self.away = False
        if self.counts_in_presence:
            await database_sync_to_async(account_services.presence_connect)(user=self.user)
        await self.send_json({"type": "hello", "latest": await self._latest()})
        self.heartbeat = asyncio.create_task(self._heartbeat_loop())

    async def disconnect(self, code):
        heartbeat = getattr(self, "heartbeat", None)
        if heartbeat is not None:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)
        if getattr(self, "counts_in_presence", False):
            await database_sync_to_async(account_services.presence_disconnect)(
                user=self.user, was_away=self.away
            )

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
                await database_sync_to_async(account_services.presence_set)(
                    user=self.user, status=status, was_away=self.away
                )
                self.away = status == "away"
        elif action == "subscribe":
            await self._subscribe(str(content.get("group", "")))
        elif action == "ping":
            await self.send_json({"type": "pong", "latest": await self._latest()})
        else:
            await self.send_json({"type": "error", "code": "unknown_action"})

    async def realtime_event(self, message):
        await self.send_json(message["event"])

    async def _subscribe(self, group: str) -> None:
        allowed = await database_sync_to_async(realtime.may_join_object_group)(self.user, group)
        if not allowed:
            await self.send_json({"type": "error", "code": "forbidden", "group": group})
            return
        self.object_groups.add(group)
        if group not in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.add(group)
        await self.send_json({"type": "subscribed", "group": group})

    async def _sync_groups(self) -> None:
        """Join the groups the user may see now and leave the ones they lost (role removed)."""
        wanted = set(await database_sync_to_async(account_selectors.realtime_groups_for)(self.user))
        self.is_staff_member = len(wanted) > 1
        # Object groups are asked again too: whoever loses a role loses its objects' events.
        self.object_groups = await database_sync_to_async(self._still_allowed)(self.object_groups)
        wanted |= self.object_groups
        for group in wanted - self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        for group in self.groups_joined - wanted:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = wanted

    def _still_allowed(self, groups: set[str]) -> set[str]:
        return {group for group in groups if realtime.may_join_object_group(self.user, group)}

    async def _latest(self) -> int:
        return await database_sync_to_async(realtime.latest_event_id)(self.groups_joined)

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(settings.REALTIME_HEARTBEAT_SECONDS)
            try:
                await database_sync_to_async(self.user.refresh_from_db)(fields=["is_active"])
                if not self.user.is_active:
                    await self.close(code=CLOSE_UNAUTHENTICATED)
                    return
                await self._sync_groups()
                if self.is_staff_member:
                    await database_sync_to_async(account_services.presence_touch)(user=self.user)
                await self.send_json({"type": "heartbeat", "latest": await self._latest()})
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("heartbeat failed for user %s", self.user.pk)
