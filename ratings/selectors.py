"""Reads for the rating pages and API; the joins each list needs are made here."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Membership, Organization, Role, User
from chat.models import Conversation
from csportal.dates import format_date
from technicians.models import ServiceRequest
from tickets.models import Status as TicketStatus
from tickets.models import Ticket

from . import services
from .models import Gift, GiftKind, Review, Score, ScoreSnapshot, TargetKind
from .services import score_points

RECENT_REVIEWS = 20
# How many of the newest reviews about them an agent's start page shows.
REVIEWS_ABOUT_ME = 5
# What a review row shows: its people and its response, joined so a list costs one query.
REVIEW_JOINS = ("customer", "agent", "technician", "response", "response__author")


def provider_ranking() -> QuerySet[Score]:
    """Organizations that have been reviewed, best points first."""
    return (
        Score.objects.filter(kind=TargetKind.ORGANIZATION, person=None, count__gt=0)
        .select_related("organization")
        .order_by(F("points").desc(nulls_last=True), "organization__name")
    )


def organization_score(organization: Organization) -> Score | None:
    return Score.objects.filter(
        organization=organization, kind=TargetKind.ORGANIZATION, person=None
    ).first()


def score_summary(score: Score | None) -> dict:
    """Points (computed now), count and the distribution with each star's share in percent."""
    count = score.count if score else 0
    distribution = []
    for stars in range(5, 0, -1):
        n = getattr(score, f"stars_{stars}") if score else 0
        distribution.append(
            {"stars": stars, "count": n, "percent": round(100 * n / count) if count else 0}
        )
    return {
        "points": score_points(score) if score and count else None,
        "count": count,
        "distribution": distribution,
    }


PUBLIC_REVIEWS = 10


@dataclass
class ReviewsPage:
    reviews: list[Review]
    has_more: bool


def recent_reviews(
    organization: Organization, *, before: Review | None = None, limit: int = PUBLIC_REVIEWS
) -> ReviewsPage:
    """The public page's newest reviews (or those just older than `before`): each with its
    author and the provider's answer, which is all the page shows of them. Joining more
    (the organization, agent, technician and the answer's author, as REVIEW_JOINS do) made
    PostgreSQL spend 3.2 ms planning the seven-table join for a 0.3 ms scan
    (bench/ratings_load.py, 1,000,000 reviews); with three tables it plans in 0.2 ms."""
    reviews = Review.objects.filter(organization=organization)
    if before is not None:
        reviews = reviews.filter(
            Q(created_at__lt=before.created_at) | Q(created_at=before.created_at, pk__lt=before.pk)
        )
    rows = list(
        reviews.select_related("customer", "response").order_by("-created_at", "-pk")[: limit + 1]
    )
    return ReviewsPage(reviews=rows[:limit], has_more=len(rows) > limit)


def own_review_id(customer: User, organization: Organization) -> int | None:
    """The id of the customer's latest review of the organization, for the link to it."""
    if not customer.is_authenticated:
        return None
    return (
        Review.objects.filter(customer=customer, organization=organization)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )


def reviews_for_staff(organization: Organization) -> QuerySet[Review]:
    """Unanswered reviews first, then newest first."""
    return (
        Review.objects.filter(organization=organization)
        .select_related("organization", *REVIEW_JOINS)
        .annotate(
            answered=ExpressionWrapper(Q(response__isnull=False), output_field=BooleanField())
        )
        .order_by("answered", "-created_at", "-pk")
    )


def reviews_by_customer(customer: User) -> QuerySet[Review]:
    return (
        Review.objects.filter(customer=customer)
        .select_related("organization", *REVIEW_JOINS)
        .order_by("-created_at", "-pk")
    )


# What a review may be about -------------------------------------------------------------


@dataclass(frozen=True)
class Reviewable:
    """A ticket, visit or chat of the customer's: what a review or a thank-you is about."""

    field: str  # the Review field it goes in: ticket, visit or conversation
    pk: int
    text: str
    at: datetime
    organization_slug: str
    organization_name: str

    @property
    def value(self) -> str:
        """How the review form's select names it."""
        return f"{self.field}-{self.pk}"

    @property
    def label(self) -> str:
        day = format_date(self.at)
        if self.field == "ticket":
            return f"#{self.pk} {self.text}"
        if self.field == "visit":
            return _("Visit: %(summary)s, %(day)s") % {"summary": self.text, "day": day}
        if self.text:
            return _("Chat: %(subject)s, %(day)s") % {"subject": self.text, "day": day}
        return _("Chat of %(day)s") % {"day": day}

    @property
    def feedback_url(self) -> str:
        return reverse(f"ratings:{FEEDBACK_URL_NAMES[self.field]}", args=[self.pk])

    def fetch(self):
        """The ticket, visit or chat itself; None when it is gone."""
        model = _SUBJECTS[self.field][0]
        return model.objects.filter(pk=self.pk).first()


FEEDBACK_URL_NAMES = {
    "ticket": "ticket-feedback",
    "visit": "visit-feedback",
    "conversation": "chat-feedback",
}
SUBJECT_GROUPS = {
    "ticket": _lazy("Requests"),
    "visit": _lazy("Visits"),
    "conversation": _lazy("Chats"),
}
# The review form lists this many of each, newest first.
SUBJECT_CHOICES_LIMIT = 50


# Per kind: its model and the fields a choice shows (text, time).
_SUBJECTS: dict[str, tuple[type[Ticket | ServiceRequest | Conversation], str, str]] = {
    "ticket": (Ticket, "subject", "created_at"),
    "visit": (ServiceRequest, "summary", "completed_at"),
    "conversation": (Conversation, "subject", "started_at"),
}


def _unreviewed(field: str, customer_id: int, **filters) -> QuerySet:
    """The customer's tickets, visits or chats (`field` says which) in which a provider
    served them (services.served_filter) and that they have not reviewed, leaving out
    those of providers they are staff of (services.is_staff_of)."""
    model = _SUBJECTS[field][0]
    reviewed = Review.objects.filter(customer_id=customer_id, **{field: OuterRef("pk")})
    own_staff = Membership.objects.filter(
        user_id=customer_id, organization_id=OuterRef("organization_id")
    )
    return model.objects.filter(
        services.served_filter(field), customer_id=customer_id, **filters
    ).filter(~Exists(reviewed), ~Exists(own_staff))


def review_subjects(customer: User, organization: Organization) -> list[Reviewable]:
    """What the customer's review of the organization may be about, newest first: their
    answered tickets, completed visits and answered chats with it that they have not
    reviewed; nothing when they are its staff."""
    # Three small queries, one per kind: one UNION of them cost more to build and compile
    # in Python than the two round trips it saves (bench/ratings_load.py, profiled).
    subjects = []
    for field, (_model, text, at) in _SUBJECTS.items():
        rows = (
            _unreviewed(field, customer.pk, organization_id=organization.pk)
            .order_by(f"-{at}", "-pk")
            .values_list("pk", text, at)[:SUBJECT_CHOICES_LIMIT]
        )
        subjects += [
            Reviewable(field, pk, label, when, organization.slug, organization.name)
            for pk, label, when in rows
        ]
    return sorted(subjects, key=lambda subject: (subject.at, subject.pk), reverse=True)


# "Waiting for your rating" looks this far back.
AWAITING_DAYS = 30
AWAITING_LIMIT = 10


def awaiting_rating(customer: User, *, limit: int = AWAITING_LIMIT) -> list[Reviewable]:
    """The customer's answered tickets resolved or closed, visits completed and chats
    answered in the last AWAITING_DAYS, of any provider but those they are staff of, that
    they have not rated yet: the latest first, in one UNION query."""
    since = timezone.now() - timedelta(days=AWAITING_DAYS)
    finished_at = {
        "ticket": Coalesce("resolved_at", "closed_at"),
        "visit": F("completed_at"),
        "conversation": Coalesce("answered_at", "started_at"),
    }
    parts = []
    for field, (_model, text, _at) in _SUBJECTS.items():
        rows = _unreviewed(field, customer.pk)
        if field == "ticket":
            rows = rows.filter(status__in=(TicketStatus.RESOLVED, TicketStatus.CLOSED))
        parts.append(
            rows.annotate(
                kind=Value(field, output_field=CharField()),
                ident=F("pk"),
                text=F(text),
                at=finished_at[field],
                org_slug=F("organization__slug"),
                org_name=F("organization__name"),
            )
            .filter(at__gte=since)
            .values_list("kind", "ident", "text", "at", "org_slug", "org_name")
        )
    first, *rest = parts
    rows = first.union(*rest, all=True).order_by("-at", "-ident")[:limit]
    return [Reviewable(*row) for row in rows]


# Trends and the managers' scores dashboard ----------------------------------------------

HISTORY_DAYS = 90
HISTORY_MAX_DAYS = 366
PERSON_KINDS = (TargetKind.AGENT, TargetKind.TECHNICIAN)


_NOT_READ = object()


def score_history(
    organization: Organization,
    *,
    days: int = HISTORY_DAYS,
    kind: str = TargetKind.ORGANIZATION,
    person: User | None = None,
    today: date | None = None,
    score=_NOT_READ,
) -> dict:
    """A target's daily points over the last `days` days up to `today`, oldest first: the
    snapshots of the days before, and for today, when the window ends today, the points as
    they are now. Today's snapshot was taken once, at the day's first run of the daily task,
    and every review since would leave the chart's end behind the score shown beside it.
    `score`: the target's Score row (or None) when the caller has read it already."""
    # Snapshot days are dates in the default time zone, where the daily task runs; the
    # window counts on that calendar, not on the viewer's, which pages may have switched.
    current = timezone.localdate(timezone=timezone.get_default_timezone())
    end = today or current
    start = end - timedelta(days=days - 1)
    snapshots = ScoreSnapshot.objects.filter(
        score__organization=organization,
        score__kind=kind,
        score__person=person,
        day__range=(start, end),
    ).order_by("day")
    history = list(snapshots.values("day", "points", "count"))
    if end == current:
        if score is _NOT_READ:
            score = Score.objects.filter(
                organization=organization, kind=kind, person=person
            ).first()
        points = score_points(score) if score is not None and score.count else None
        if points is not None:
            history = [row for row in history if row["day"] != end]
            history.append({"day": end, "points": points, "count": score.count})
    return {
        "kind": kind,
        "person": person.pk if person else None,
        "days": days,
        "start": start,
        "end": end,
        "history": history,
    }


# How long the public page's score and chart may lag what no review announces: the points
# drift with time (older reviews weigh less) and with other providers' reviews (the prior).
PUBLIC_TREND_SECONDS = 600


def person_kind(membership: Membership) -> str:
    """Which of a person's scores is theirs by role: technicians are rated as technicians,
    everyone else who answers customers as an agent."""
    if membership.role == Role.TECHNICIAN:
        return TargetKind.TECHNICIAN
    return TargetKind.AGENT


@dataclass
class ScoreRow:
    kind: str
    person: User | None
    points: float | None = None
    count: int = 0
    responded: int = 0
    median_response: timedelta | None = None

    @property
    def kind_label(self) -> str:
        return str(TargetKind(self.kind).label)

    @property
    def response_rate(self) -> float | None:
        return self.responded / self.count if self.count else None

    @property
    def median_response_text(self) -> str:
        if self.median_response is None:
            return ""
        if self.median_response < timedelta(minutes=1):
            # timesince would say "0 minutes", which reads as no wait at all.
            return _("less than a minute")
        start = timezone.now()
        return timesince(start, now=start + self.median_response, depth=2)


def _median_response_times(organization: Organization, field: str | None) -> dict:
    """Median time from a review to its response, per value of `field` (agent, technician)
    or, with None, for the whole organization; keyed by that value (or the organization id).

    The database ranks each group's waits with a window and returns only the middle one or
    two rows of each group, so what comes back grows with the people, never the reviews.
    """
    reviews = Review.objects.filter(organization=organization, response__isnull=False)
    if field is not None:
        reviews = reviews.filter(**{f"{field}__isnull": False})
    group = [F(field)] if field else None
    middle = (
        reviews.annotate(
            wait=ExpressionWrapper(
                F("response__created_at") - F("created_at"), output_field=DurationField()
            )
        )
        .annotate(
            position=Window(RowNumber(), partition_by=group, order_by=[F("wait"), F("pk")]),
            size=Window(Count("pk"), partition_by=group),
        )
        # Rows at position n/2 to n/2 + 1: the middle row when n is odd, both when it is even.
        .filter(position__gte=F("size") / 2.0, position__lte=F("size") / 2.0 + 1)
        .values_list(field or "organization_id", "wait")
    )
    waits: dict = {}
    for key, wait in middle:
        waits.setdefault(key, []).append(wait)
    return {key: sum(values, timedelta()) / len(values) for key, values in waits.items()}


def scores_dashboard(organization: Organization) -> list[ScoreRow]:
    """The organization's score, then each agent's and technician's (current staff and
    anyone rated before), best points first; a fixed number of queries however many."""
    rows: dict[tuple[str, int | None], ScoreRow] = {
        (TargetKind.ORGANIZATION, None): ScoreRow(TargetKind.ORGANIZATION, None)
    }
    staff = (
        Membership.objects.active()
        .filter(organization=organization, role__in=[Role.AGENT, Role.TECHNICIAN])
        .select_related("user")
    )
    for membership in staff:
        kind = person_kind(membership)
        rows[(kind, membership.user_id)] = ScoreRow(kind, membership.user)
    scores = Score.objects.filter(organization=organization).select_related("person")
    # score_points would look the prior up for every row; every person shares their
    # organization's, so two lookups serve the whole table.
    organization_prior = services.prior_for(
        Score(organization=organization, kind=TargetKind.ORGANIZATION)
    )
    person_prior = services.prior_for(Score(organization=organization, kind=TargetKind.AGENT))
    now = timezone.now()
    for score in scores:
        row = rows.setdefault((score.kind, score.person_id), ScoreRow(score.kind, score.person))
        row.count, row.responded = score.count, score.responded
        prior = organization_prior if score.person_id is None else person_prior
        row.points = score_points(score, now=now, prior=prior)
    medians: dict[str, dict[int, timedelta]] = {
        TargetKind.ORGANIZATION: _median_response_times(organization, None),
        TargetKind.AGENT: _median_response_times(organization, "agent_id"),
        TargetKind.TECHNICIAN: _median_response_times(organization, "technician_id"),
    }
    for (kind, person_id), row in rows.items():
        key = organization.pk if person_id is None else person_id
        row.median_response = medians[kind].get(key)
    order = {kind: n for n, kind in enumerate(TargetKind.values)}
    return sorted(
        rows.values(),
        key=lambda row: (
            order[row.kind],
            row.points is None,
            -(row.points or 0),
            str(row.person or ""),
        ),
    )


def review_edit_deadline(review: Review) -> datetime:
    """Until when its author may change or delete a review: the window services.review_edit
    enforces, shown on the pages so they offer only what the service will accept."""
    return review.created_at + timedelta(hours=settings.RATING_EDIT_WINDOW_HOURS)


def subject_review(customer: User, field: str, subject) -> Review | None:
    """The customer's review of one ticket, visit or chat (`field` names which), if any."""
    return Review.objects.filter(customer=customer, **{field: subject}).first()


# A staff member's profile ------------------------------------------------------------------

RECENT_GIFTS = 20


def person_score(membership: Membership) -> Score | None:
    return Score.objects.filter(
        organization_id=membership.organization_id,
        kind=person_kind(membership),
        person_id=membership.user_id,
    ).first()


def reviews_about(membership: Membership, *, limit: int = RECENT_REVIEWS) -> list[Review]:
    field = "technician" if person_kind(membership) == TargetKind.TECHNICIAN else "agent"
    return list(
        Review.objects.filter(organization_id=membership.organization_id)
        .filter(**{field: membership.user_id})
        .select_related("organization", *REVIEW_JOINS)
        .order_by("-created_at", "-pk")[:limit]
    )


def technician_reviews(organization_id: int, technician_id: int, *, limit: int = 2) -> list[Review]:
    """A technician's newest reviews that say something, for customers choosing whom to book
    (one query; the reviewer's name is all a card shows of them)."""
    return list(
        Review.objects.filter(organization_id=organization_id, technician_id=technician_id)
        .exclude(comment="")
        .select_related("customer")
        .order_by("-created_at", "-pk")[:limit]
    )


def gifts_received(membership: Membership, *, limit: int = RECENT_GIFTS) -> list[Gift]:
    return list(
        Gift.objects.filter(
            organization_id=membership.organization_id, recipient_id=membership.user_id
        )
        .select_related("sender")
        .order_by("-created_at", "-pk")[:limit]
    )


def gift_counts(membership: Membership) -> list[dict]:
    """How many of each gift the person received, most first."""
    rows = (
        Gift.objects.filter(
            organization_id=membership.organization_id, recipient_id=membership.user_id
        )
        .values("kind")
        .annotate(count=Count("pk"))
        .order_by("-count", "kind")
    )
    labels = dict(GiftKind.choices)
    return [{**row, "label": labels[row["kind"]]} for row in rows]


def gifts_of(user: User, *, direction: str | None = None) -> QuerySet[Gift]:
    """Gifts the user received ("received"), sent ("sent"), or both, newest first."""
    if direction == "received":
        gifts = Gift.objects.filter(recipient=user)
    elif direction == "sent":
        gifts = Gift.objects.filter(sender=user)
    else:
        gifts = Gift.objects.filter(Q(recipient=user) | Q(sender=user))
    return gifts.select_related("organization", "sender", "recipient").order_by(
        "-created_at", "-pk"
    )
