"""Sensitivity codes: how a customer feels about being served, as staff judged it.

An organization's code table (`SensitivityCode` with its `Knack`s, the guidance for each
audience) starts as a copy of the default table shipped as data (organization None, the
reference method's classification); its managers edit the copy. Each judgement is an
`Assessment` of one customer by one person at one stage; the current disposition is derived
from that history (selectors.dispositions), never stored twice. Every read of a customer's
codes writes a `CodeRead`, which the organization's managers review.

Default texts are stored in English and shown in the reader's language (`shown`): a text an
organization wrote itself has no translation and shows as written.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

CODE_MAX = 8
LABEL_MAX = 120
DESCRIPTION_MAX = 500
KNACK_MAX = 1000
NOTE_MAX = 1000
REASON_MAX = 1000


def shown(text: str) -> str:
    """A stored text in the reader's language: the default table's English texts are in the
    catalog (sensitivity/defaults.py); an organization's own wording is shown as written."""
    return gettext(text) if text else text


class Category(models.TextChoices):
    POSITIVE = "positive", _("Positive")  # pleased: keep it that way
    EXPECTED = "expected", _("Expected")  # particular wishes a good service meets
    NEGATIVE = "negative", _("Negative")  # unhappy or at risk: handle with care


class Audience(models.TextChoices):
    RECEPTION = "reception", _("Reception")  # whoever takes the call or the request
    TECHNICIAN = "technician", _("Technician")  # whoever goes to the customer
    CONFIRMATION = "confirmation", _("Confirmation call")  # whoever calls after the visit


class Stage(models.TextChoices):
    INTAKE = "intake", _("Intake")  # a receptionist, taking a request
    VISIT = "visit", _("Visit")  # the technician, after meeting the customer
    CONFIRMATION = "confirmation", _("Confirmation call")  # the final code after the call


# The stages where someone met or spoke with the customer about the finished work: their
# judgement stands until the next of them (selectors.dispositions).
JUDGED_STAGES = (Stage.VISIT, Stage.CONFIRMATION)


class SensitivityCode(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sensitivity_codes",
        help_text=_("Empty for the default table that organizations start from."),
    )
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    code = models.CharField(_("code"), max_length=CODE_MAX)
    label = models.CharField(_("label"), max_length=LABEL_MAX)
    description = models.TextField(_("what to look for"), max_length=DESCRIPTION_MAX, blank=True)
    # A retired code stays on the assessments that used it but can't be picked any more.
    is_active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["category", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="sensitivity_code_unique_in_organization"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(organization__isnull=True),
                name="sensitivity_code_unique_default",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.label_shown}"

    @property
    def label_shown(self) -> str:
        return shown(self.label)

    @property
    def description_shown(self) -> str:
        return shown(self.description)


class Knack(models.Model):
    """How to handle a customer with this code, for one audience."""

    code = models.ForeignKey(SensitivityCode, on_delete=models.CASCADE, related_name="knacks")
    audience = models.CharField(_("for"), max_length=12, choices=Audience.choices)
    text = models.TextField(_("guidance"), max_length=KNACK_MAX)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "audience"], name="knack_one_per_audience")
        ]

    def __str__(self):
        return f"{self.code.code} ({self.audience})"

    @property
    def text_shown(self) -> str:
        return shown(self.text)


class Assessment(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="assessments"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    codes = models.ManyToManyField(SensitivityCode, related_name="assessments")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    visit = models.ForeignKey(
        "technicians.ServiceRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # A customer's newest assessment of each stage (selectors._counting): in the
            # window's order, and with the id it covers the query, so an index-only scan
            # reads a customer's history from a few index pages instead of one heap page
            # per assessment (1,037 assessments: 994 buffers without the id, 12 with it).
            models.Index(
                fields=["organization", "customer", "stage", "-created_at", "-id"],
                name="assessment_customer_stage",
            ),
            # The distribution over time (the managers' statistics).
            models.Index(fields=["organization", "created_at"], name="assessment_org_time"),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.stage} {self.created_at:%Y-%m-%d}"


class CallStatus(models.TextChoices):
    PENDING = "pending", _("To call")  # the visit is done; nobody has called yet
    DONE = "done", _("Called")  # the outcome is recorded


class CallOutcome(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")  # with the reason
    FURTHER_REQUEST = "further_request", _("Further request")  # a new visit request follows


class ConfirmationCall(models.Model):
    """The call a receptionist makes after a completed visit, one per visit."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="confirmation_calls"
    )
    visit = models.OneToOneField(
        "technicians.ServiceRequest", on_delete=models.CASCADE, related_name="sensitivity_call"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=8, choices=CallStatus.choices, default=CallStatus.PENDING)
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices, blank=True)
    reason = models.TextField(_("reason or request"), max_length=REASON_MAX, blank=True)
    further_visit = models.ForeignKey(
        "technicians.ServiceRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assessment = models.OneToOneField(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    called_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "status", "created_at"], name="call_list_order")
        ]

    def __str__(self):
        return f"call for visit {self.visit_id}"


class Place(models.TextChoices):
    DESK = "desk", _("Reception desk")
    VISIT = "visit", _("Visit page")
    CALLS = "calls", _("Confirmation calls")
    API = "api", _("API")


class CodeRead(models.Model):
    """Someone read a customer's codes: who, whose, where and when."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    place = models.CharField(max_length=8, choices=Place.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "-at"], name="code_read_log"),
            models.Index(fields=["organization", "customer", "-at"], name="code_read_customer"),
        ]

    def __str__(self):
        return f"{self.reader_id} read {self.customer_id} at {self.at:%Y-%m-%d %H:%M}"
