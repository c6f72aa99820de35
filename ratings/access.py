"""Access helpers for review ids that come from a user: missing and forbidden are one 404."""

from collections.abc import Iterable

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.access import Requester, parse_id
from accounts.models import Membership, Organization, Role

from .models import Review, Score, TargetKind


def access_provider(organization_slug: str) -> Organization:
    """Any provider: their rating pages are public."""
    return get_object_or_404(Organization, slug=organization_slug)


def access_provider_score(organization_slug: str) -> tuple[Organization, Score | None]:
    """Any provider with its organization score (None before its first review), in one
    query when it has one: the public page reads both on every view."""
    score = (
        Score.objects.select_related("organization")
        .filter(organization__slug=organization_slug, kind=TargetKind.ORGANIZATION, person=None)
        .order_by("pk")
        .first()
    )
    if score is not None:
        return score.organization, score
    return access_provider(organization_slug), None


def access_public_review(organization: Organization, review_id: object) -> Review | None:
    """One of the provider's reviews, as public as its page; None when it has none by that
    id (the caller says what a bad id means where it came from)."""
    try:
        pk = parse_id(review_id)
    except Http404:
        return None
    return Review.objects.filter(organization=organization, pk=pk).first()


def access_staff_review(
    user: Requester,
    review_id: object,
    roles: Iterable[str],
    *,
    organization: Organization | None = None,
) -> Review:
    """A review of an organization where the user is active staff in one of `roles`."""
    reviews = Review.objects.for_staff(user, roles).select_related("organization", "customer")
    if organization is not None:
        reviews = reviews.filter(organization=organization)
    try:
        return reviews.get(pk=parse_id(review_id))
    except Review.DoesNotExist:
        raise Http404 from None


def access_customer_review(user: Requester, review_id: object) -> Review:
    """One of the customer's own reviews; anyone else's reads as missing."""
    if not user.is_authenticated:
        raise Http404
    reviews = Review.objects.filter(customer=user).select_related("organization", "customer")
    try:
        return reviews.get(pk=parse_id(review_id))
    except Review.DoesNotExist:
        raise Http404 from None


# Whose ratings and gifts a profile is about: the people customers can review or thank.
RATED_ROLES = (Role.MANAGER, Role.AGENT, Role.TECHNICIAN)


def access_rated_person(acting: Membership, person_id: object) -> Membership:
    """A staff member's ratings profile, for `acting` (an active membership already checked):
    their own, or anyone's of the organization for its managers. Returns the person's."""
    person_pk = parse_id(person_id)
    if person_pk != acting.user_id and acting.role != Role.MANAGER:
        raise Http404
    try:
        return Membership.objects.select_related("user", "organization").get(
            organization=acting.organization, user_id=person_pk, role__in=RATED_ROLES
        )
    except Membership.DoesNotExist:
        raise Http404 from None
