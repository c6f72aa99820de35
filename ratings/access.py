"""Access helpers for review ids that come from a user: missing and forbidden are one 404."""

from collections.abc import Iterable

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Organization

from .models import Review


def access_provider(organization_slug: str) -> Organization:
    """Any provider: their rating pages are public."""
    return get_object_or_404(Organization, slug=organization_slug)


def access_staff_review(
    user, review_id, roles: Iterable[str], *, organization: Organization | None = None
) -> Review:
    """A review of an organization where the user is active staff in one of `roles`."""
    reviews = Review.objects.for_staff(user, roles).select_related("organization", "customer")
    if organization is not None:
        reviews = reviews.filter(organization=organization)
    try:
        return reviews.get(pk=int(review_id))
    except (Review.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
