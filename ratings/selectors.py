"""Reads for the rating pages and API; the joins each list needs are made here."""

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet

from accounts.models import Organization, User
from tickets.models import Ticket

from .models import Review, Score, TargetKind
from .services import score_points

RECENT_REVIEWS = 20
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


def recent_reviews(organization: Organization, *, limit: int = RECENT_REVIEWS) -> list[Review]:
    return list(
        Review.objects.filter(organization=organization)
        .select_related("organization", *REVIEW_JOINS)
        .order_by("-created_at", "-pk")[:limit]
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


def tickets_to_review(customer: User, organization: Organization) -> QuerySet[Ticket]:
    """The customer's tickets with the provider, the ones a review may be about."""
    return Ticket.objects.filter(customer=customer, organization=organization).order_by(
        "-created_at"
    )
