from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import OrganizationScopedQuerySet


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the portal")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Browser push")


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")  # waiting for a worker (or for quiet hours to end)
    SENDING = "sending", _("Sending")  # claimed by a worker, provider call under way
    SENT = "sent", _("Sent")  # the provider accepted it
    DELIVERED = "delivered", _("Delivered")  # the provider reported delivery
    FAILED = "failed", _("Failed")  # gave up: permanent error or retries exhausted
    READ = "read", _("Read")  # the person opened it (in-app, or a read receipt)
    SUPPRESSED = "suppressed", _("Suppressed")  # not sent on purpose: opted out, no address


class NotificationQuerySet(OrganizationScopedQuerySet):
    def unread_in_app(self, user):
        return self.filter(recipient=user, channel=Channel.IN_APP, read_at__isnull=True)


class Notification(models.Model):
    """One message on one channel to one person or bare contact, with where it stands."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    address = models.CharField(
        _("address"),
        max_length=500,
        blank=True,
        help_text=_("Phone (E.164), email or push endpoint the message went to."),
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # The language title and body are worded in (the recipient's): an email's own words
    # around them are rendered in it. Empty on rows older than it: the portal's.
    language = models.CharField(_("language"), max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    provider_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Unique so a retried task or a repeated domain call can never make a second message.
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The bell: one person's unread in-app notifications, newest first.
            models.Index(
                fields=["recipient", "-id"],
                condition=Q(channel="in_app", read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["recipient", "channel", "-id"], name="notification_inbox"),
            # The sweeper: queued rows that are due, and stuck sends.
            models.Index(fields=["status", "not_before"], name="notification_due"),
            # Rate limits count recent SMS per address and per organization.
            models.Index(fields=["channel", "address", "created_at"], name="notification_addr"),
            models.Index(fields=["organization", "channel", "created_at"], name="notification_org"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.kind} → {self.recipient or self.address}"


class PendingNotification(models.Model):
    """A message a change asked for, not yet turned into `Notification`s.

    Written in the change's own transaction, so it commits or rolls back with the change;
    a worker chooses its channels and writes one `Notification` per channel
    (services.notify_after_commit).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    language = models.CharField(_("language"), max_length=10, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("pending notification")
        verbose_name_plural = _("pending notifications")

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.dedupe_key})"


class NotificationPreference(models.Model):
    """A person's channels for one kind of event; missing rows fall back to defaults."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=64)
    channels = models.JSONField(_("channels"), default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}: {', '.join(self.channels) or '-'}"


class OrganizationDefault(models.Model):
    """An organization's default channels for one kind, for staff and customers it notifies."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="notification_defaults"
    )
    kind = models.CharField(_("kind"), max_length=64)
    channels = models.JSONField(_("channels"), default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind"], name="notification_default_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.kind}: {', '.join(self.channels) or '-'}"


class QuietHours(models.Model):
    """Hours (in the person's zone) when SMS and push wait; in-app and email still arrive."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiet_hours"
    )
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("quiet hours")
        verbose_name_plural = _("quiet hours")

    def __str__(self) -> str:
        return f"{self.user}: {self.start:%H:%M}-{self.end:%H:%M}"


class PushSubscription(models.Model):
    """A browser's Web Push endpoint and keys, from PushManager.subscribe()."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} · {self.endpoint[:40]}"

    def as_subscription_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class SmsOptOut(models.Model):
    """A number that texted STOP: never messaged again until it texts START."""

    phone = models.CharField(_("phone"), max_length=20, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.phone


class InboundSms(models.Model):
    """An SMS Twilio posted to us, stored once per MessageSid so retries are harmless."""

    message_sid = models.CharField(_("message SID"), max_length=64, unique=True)
    from_number = models.CharField(_("from"), max_length=20)
    to_number = models.CharField(_("to"), max_length=20, blank=True)
    body = models.TextField(_("body"), blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    handled_by = models.CharField(_("handled by"), max_length=100, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("inbound SMS")
        verbose_name_plural = _("inbound SMS")

    def __str__(self) -> str:
        return f"{self.from_number}: {self.body[:40]}"
