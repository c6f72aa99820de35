"""Telling people things: which channels, to which address, and delivery on each.

sending      notify / notify_contact: one Notification row per channel, once per dedupe key
pending      notify_after_commit: a pending row, turned into notifications after commit
preferences  channels per kind, quiet hours, browser push subscriptions
inapp        the in-app inbox: publishing, marking read
delivery     SMS, email and push: claiming, sending, retrying, provider reports
consent      SMS STOP / START
"""

from .consent import START_WORDS, STOP_WORDS, sms_consent_from_reply
from .delivery import (
    DELIVERIES_GROUP,
    DELIVERIES_ROLES,
    DELIVERY_BATCH,
    TWILIO_STATUS,
    deliveries_group,
    may_watch_deliveries,
    notification_deliver,
    notification_record_provider_status,
    notifications_deliver,
    notifications_dispatch_due,
)
from .inapp import notification_mark_all_read, notification_mark_read
from .pending import (
    DRAIN_QUEUED_KEY,
    DRAIN_QUEUED_SECONDS,
    drain_after_commit,
    notify_after_commit,
    pending_notification,
    pending_notifications_drain,
)
from .preferences import (
    channels_for,
    organization_default_set,
    preference_set,
    push_subscribe,
    push_unsubscribe,
    quiet_hours_set,
    quiet_until,
)
from .sending import QUIET_CHANNELS, notify, notify_contact

__all__ = [
    "DELIVERIES_GROUP",
    "DELIVERIES_ROLES",
    "DELIVERY_BATCH",
    "DRAIN_QUEUED_KEY",
    "DRAIN_QUEUED_SECONDS",
    "QUIET_CHANNELS",
    "START_WORDS",
    "STOP_WORDS",
    "TWILIO_STATUS",
    "channels_for",
    "deliveries_group",
    "drain_after_commit",
    "may_watch_deliveries",
    "notification_deliver",
    "notification_mark_all_read",
    "notification_mark_read",
    "notification_record_provider_status",
    "notifications_deliver",
    "notifications_dispatch_due",
    "notify",
    "notify_after_commit",
    "notify_contact",
    "organization_default_set",
    "pending_notification",
    "pending_notifications_drain",
    "preference_set",
    "push_subscribe",
    "push_unsubscribe",
    "quiet_hours_set",
    "quiet_until",
    "sms_consent_from_reply",
]
