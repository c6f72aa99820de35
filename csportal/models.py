from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """One real-time event for one group, kept so a client can replay what it missed.

    The row is the truth; the channel-layer message sent after commit is only a fast path.
    """

    group = models.CharField(_("group"), max_length=120)
    type = models.CharField(_("type"), max_length=64)
    data = models.JSONField(_("data"), default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        # Replay and the heartbeat's "newest id" both read one group's ids in order.
        indexes = [models.Index(fields=["group", "id"], name="event_group_id")]

    def __str__(self) -> str:
        return f"{self.type} → {self.group} #{self.pk}"

    def as_message(self) -> dict:
        return {
            "type": self.type,
            "id": self.pk,
            "at": self.created_at.isoformat(),
            "data": self.data,
        }
