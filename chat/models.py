from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import OrganizationScopedQuerySet
from csportal.dates import format_datetime


class ConversationStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")  # the visitor asked; no agent has taken it yet
    ACTIVE = "active", _("Active")  # an agent is answering
    CLOSED = "closed", _("Closed")  # ended by either side


class Conversation(models.Model):
    """A live chat with a provider: a visitor's or a signed-in customer's, and the agent
    who answers it (the one a rating after the chat is about)."""

    # No single-column indexes on organization and customer: the composite indexes below
    # lead with them and serve the same lookups.
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="conversations",
        db_index=False,
    )
    # Signed-in customers only; a visitor on a third-party site has no account.
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
        db_index=False,
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations_answered",
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ConversationStatus.choices,
        default=ConversationStatus.WAITING,
    )
    started_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = OrganizationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ConversationStatus.CLOSED) | Q(closed_at__isnull=False),
                name="conversation_closed_has_time",
            ),
        ]
        indexes = [
            # A customer's chats, newest first (what they may rate).
            models.Index(fields=["customer", "-started_at"], name="conversation_customer_recent"),
            models.Index(fields=["organization", "status"], name="conversation_org_status"),
        ]

    def __str__(self) -> str:
        return self.subject or _("Chat of %(day)s") % {"day": format_datetime(self.started_at)}
