from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import OrganizationScopedQuerySet


class Status(models.TextChoices):
    NEW = "new", _("New")  # nobody has answered yet
    OPEN = "open", _("Open")  # being worked
    PENDING = "pending", _("Waiting on customer")  # the ball is in the customer's court
    RESOLVED = "resolved", _("Resolved")  # a result was given; the customer may follow up
    CLOSED = "closed", _("Closed")  # finished; a follow-up reopens it


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING)

# How long people may write, held alike by the models, the forms, the API and the services.
SUBJECT_MAX_LENGTH = 200
# A ticket's description, a reply, an internal note, a result.
TEXT_MAX_LENGTH = 10_000

# Which status may follow which; enforced by services.ticket_change_status.
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED},
    Status.OPEN: {Status.PENDING, Status.RESOLVED, Status.CLOSED},
    Status.PENDING: {Status.OPEN, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: {Status.OPEN},
}


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")


class Category(models.Model):
    """What a ticket is about (a product or a kind of problem); routes by its skill."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="ticket_categories"
    )
    name = models.CharField(_("name"), max_length=100)
    skill = models.SlugField(
        _("skill"),
        max_length=50,
        blank=True,
        help_text=_("Agents with this skill get these tickets."),
    )

    objects = OrganizationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="category_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class TicketQuerySet(OrganizationScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now=None):
        now = now or timezone.now()
        return self.open().filter(
            Q(first_responded_at__isnull=True, first_response_due__lte=now)
            | Q(resolution_due__lte=now)
        )


class Ticket(models.Model):
    """A customer's question, complaint or work order, from request to result."""

    # No single-column indexes on organization, customer and assignee: the composite
    # indexes below lead with them and serve the same lookups, and every ticket written
    # paid for three more index entries.
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="tickets", db_index=False
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH)
    body = models.TextField(_("description"), max_length=TEXT_MAX_LENGTH)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        db_index=False,
    )
    result = models.TextField(_("result"), blank=True, max_length=TEXT_MAX_LENGTH)
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("last reopened at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # The agent inbox and the queue: one organization's tickets by status, newest first.
            models.Index(
                fields=["organization", "status", "-updated_at"], name="ticket_org_status"
            ),
            models.Index(fields=["assignee", "status", "-updated_at"], name="ticket_assignee"),
            models.Index(fields=["customer", "-created_at"], name="ticket_customer"),
            # The inbox's "mine" and "queue" counts and routing's open load per agent.
            models.Index(
                fields=["organization", "assignee"],
                condition=Q(status__in=["new", "open", "pending"]),
                name="ticket_open_by_assignee",
            ),
            # The reminder sweep reads only open tickets by their due times.
            models.Index(
                fields=["resolution_due"],
                condition=Q(status__in=["new", "open", "pending"]),
                name="ticket_open_resolution_due",
            ),
            models.Index(
                fields=["first_response_due"],
                condition=Q(status__in=["new", "open", "pending"], first_responded_at__isnull=True),
                name="ticket_open_response_due",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        if not self.is_open:
            return False
        late_answer = (
            self.first_responded_at is None
            and self.first_response_due
            and self.first_response_due <= now
        )
        late_result = self.resolution_due and self.resolution_due <= now
        return bool(late_answer or late_result)


class AgentLoad(models.Model):
    """How many open tickets an agent has at an organization, for routing.

    Kept by the database, not by the services: triggers on the ticket table add and take
    away as tickets are written, moved and closed (migration 0005), so a bulk update or a
    deletion keeps it true too. Routing reads one row per candidate where it counted every
    open ticket of each (at 1,000 open tickets per agent, half of PostgreSQL's time per new
    ticket). `manage.py recount_agent_load` checks it against a fresh count.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    open_tickets = models.IntegerField(_("open tickets"), default=0)

    class Meta:
        verbose_name = _("agent load")
        verbose_name_plural = _("agent loads")
        constraints = [
            models.UniqueConstraint(fields=["organization", "agent"], name="agent_load_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} at {self.organization_id}: {self.open_tickets}"


class UpdateKind(models.TextChoices):
    CREATED = "created", _("Opened")
    PROGRESS = "progress", _("Progress note")  # public, to the customer
    INTERNAL = "internal", _("Internal note")  # staff only, never the customer
    STATUS = "status", _("Status changed")
    PRIORITY = "priority", _("Priority changed")
    ASSIGNMENT = "assignment", _("Assigned")
    RESULT = "result", _("Result")
    FOLLOW_UP = "follow_up", _("Customer follow-up")
    STATUS_REQUEST = "status_request", _("Customer asked for an update")
    REMINDER = "reminder", _("Reminder")
    ESCALATION = "escalation", _("Escalated")


class TicketUpdate(models.Model):
    """One entry on a ticket's append-only timeline."""

    # The files the services wrote with this entry, so publishing it reads none back.
    saved_attachments: list["Attachment"]

    # Indexed by ticket_update_timeline (ticket, id), which leads with it.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="updates", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UpdateKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("text"), blank=True, max_length=TEXT_MAX_LENGTH)
    is_public = models.BooleanField(_("visible to the customer"), default=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket update")
        verbose_name_plural = _("ticket updates")
        indexes = [models.Index(fields=["ticket", "id"], name="ticket_update_timeline")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind}"


def attachment_path(instance, filename: str) -> str:
    # Never the uploader's name: it could collide, traverse or carry markup.
    return f"tickets/{instance.ticket_id}/{timezone.now():%Y%m}/{instance.token}"


class Attachment(models.Model):
    """A file on a ticket, stored under a random name and served only as a download."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    update = models.ForeignKey(
        TicketUpdate, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    is_public = models.BooleanField(default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.filename


class SlaPolicy(models.Model):
    """How fast an organization promises to answer and to resolve, per priority."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="sla_policies"
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(_("first response within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["organization", "priority"], name="sla_unique_priority")
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.priority}"


# Until a manager sets a policy: minutes to first response and to resolution.
DEFAULT_SLA: dict[str, tuple[int, int]] = {
    Priority.LOW: (8 * 60, 5 * 24 * 60),
    Priority.NORMAL: (4 * 60, 3 * 24 * 60),
    Priority.HIGH: (60, 24 * 60),
    Priority.URGENT: (15, 4 * 60),
}


class ReminderSettings(models.Model):
    """When overdue tickets are chased, and when the managers are brought in."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="ticket_reminder_settings"
    )
    interval_minutes = models.PositiveIntegerField(_("remind again every (minutes)"), default=60)
    escalate_after = models.PositiveSmallIntegerField(
        _("escalate to managers after this many reminders"), default=3
    )

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self) -> str:
        return _("%(organization)s: every %(minutes)s min") % {
            "organization": self.organization,
            "minutes": self.interval_minutes,
        }


class DuePoint(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")


class Reminder(models.Model):
    """The n-th reminder for one due point of one ticket: unique, so it is sent once."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="reminders")
    due_point = models.CharField(max_length=20, choices=DuePoint.choices)
    # The ticket's reopen count when sent: a reopened ticket's new due times start afresh.
    cycle = models.PositiveSmallIntegerField(default=0)
    sequence = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "due_point", "cycle", "sequence"], name="reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.due_point} {self.cycle}.{self.sequence}"
