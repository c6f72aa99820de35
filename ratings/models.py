from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import OrganizationScopedQuerySet

# How long people may write, held alike by the models, the forms and the API.
COMMENT_MAX_LENGTH = 4000  # a review's comment, the provider's answer to it
NOTE_MAX_LENGTH = 300  # a thank-you's note, why a review is flagged

# A review or a gift is about one ticket, visit or chat, or none of them.
ONE_SUBJECT_AT_MOST = (
    Q(ticket__isnull=True, visit__isnull=True)
    | Q(ticket__isnull=True, conversation__isnull=True)
    | Q(visit__isnull=True, conversation__isnull=True)
)


class Review(models.Model):
    """A customer's stars and words about a provider, optionally about one of its people."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="reviews"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_written"
    )
    # What the review is about, at most one of them (or the provider as a whole).
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews"
    )
    visit = models.ForeignKey(
        "technicians.ServiceRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
    )
    conversation = models.ForeignKey(
        "chat.Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews_as_agent",
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews_as_technician",
    )
    stars = models.PositiveSmallIntegerField(
        _("stars"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=COMMENT_MAX_LENGTH)
    language = models.CharField(_("language"), max_length=10, blank=True)
    sentiment = models.FloatField(
        _("sentiment"), default=0.0, help_text=_("-1 negative … 1 positive")
    )
    # The decay weight fixed at posting time (see ratings.scoring), stored so an edit or a
    # deletion takes back exactly what was added.
    weight = models.FloatField(default=1.0)
    is_flagged = models.BooleanField(_("flagged for a manager"), default=False)
    flag_reason = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)

    objects = OrganizationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "ticket"],
                condition=Q(ticket__isnull=False),
                name="review_once_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["customer", "visit"],
                condition=Q(visit__isnull=False),
                name="review_once_per_visit",
            ),
            models.UniqueConstraint(
                fields=["customer", "conversation"],
                condition=Q(conversation__isnull=False),
                name="review_once_per_conversation",
            ),
            models.CheckConstraint(condition=ONE_SUBJECT_AT_MOST, name="review_one_subject"),
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5), name="review_stars_1_5"
            ),
        ]
        indexes = [
            # The provider page and dashboard: one organization's newest reviews.
            models.Index(fields=["organization", "-created_at"], name="review_org_recent"),
        ]

    def __str__(self) -> str:
        return _("%(stars)s★ for %(organization)s by %(customer)s") % {
            "stars": self.stars,
            "organization": self.organization,
            "customer": self.customer,
        }


class ReviewResponse(models.Model):
    """The provider's public answer to a review; one per review."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="response")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("response"), max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return _("Response to review %(id)s") % {"id": self.review_id}


class TargetKind(models.TextChoices):
    ORGANIZATION = "organization", _("Organization")
    AGENT = "agent", _("Agent")
    TECHNICIAN = "technician", _("Technician")


class Score(models.Model):
    """Running sums from which a target's points score is computed at any moment.

    Kept by atomic F() additions on every review, edit, deletion and response, so
    concurrent reviews never lose an update; `manage.py recompute_scores` rebuilds them.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="scores"
    )
    kind = models.CharField(max_length=20, choices=TargetKind.choices)
    # The agent or technician; null for the organization's own score.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    count = models.PositiveIntegerField(default=0)
    stars_total = models.PositiveIntegerField(default=0)
    weight_sum = models.FloatField(default=0.0)
    weighted_stars = models.FloatField(default=0.0)
    weighted_sentiment = models.FloatField(default=0.0)
    # The distribution, one counter per star so each stays an atomic F() addition.
    stars_1 = models.PositiveIntegerField(default=0)
    stars_2 = models.PositiveIntegerField(default=0)
    stars_3 = models.PositiveIntegerField(default=0)
    stars_4 = models.PositiveIntegerField(default=0)
    stars_5 = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    response_seconds = models.FloatField(default=0.0)
    # The points as of the last change, for sorting providers; pages compute them afresh.
    points = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Two partial constraints, not nulls_distinct, which SQLite lacks.
            models.UniqueConstraint(
                fields=["organization", "kind"],
                condition=Q(person__isnull=True),
                name="score_unique_organization",
            ),
            models.UniqueConstraint(
                fields=["organization", "kind", "person"],
                condition=Q(person__isnull=False),
                name="score_unique_person",
            ),
        ]
        indexes = [models.Index(fields=["kind", "-points"], name="score_ranking")]

    def __str__(self) -> str:
        return _("%(kind)s score of %(target)s") % {
            "kind": self.get_kind_display(),
            "target": self.person or self.organization,
        }


class ScoreSnapshot(models.Model):
    """A target's points once a day, for the trend charts."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="snapshots")
    day = models.DateField()
    points = models.FloatField()
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["score", "day"], name="snapshot_once_a_day")]

    def __str__(self) -> str:
        return f"{self.score} {self.day}: {self.points:.1f}"


class GiftKind(models.TextChoices):
    COFFEE = "coffee", _("A coffee")
    FLOWERS = "flowers", _("Flowers")
    STAR = "star", _("A gold star")
    CAKE = "cake", _("A piece of cake")


class Gift(models.Model):
    """A customer's thank-you to an agent or technician, with a note."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="gifts"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gifts_sent"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gifts_received"
    )
    kind = models.CharField(_("gift"), max_length=20, choices=GiftKind.choices)
    note = models.CharField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
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
    conversation = models.ForeignKey(
        "chat.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=ONE_SUBJECT_AT_MOST, name="gift_one_subject"),
        ]

    def __str__(self) -> str:
        return _("%(gift)s for %(recipient)s") % {
            "gift": self.get_kind_display(),
            "recipient": self.recipient,
        }
