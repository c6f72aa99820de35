"""Access helpers: every organization slug or id that comes from a user goes through here.

A missing object and a forbidden one give the same 404, so ids can't be probed.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest

from .models import ApiToken, Membership, Organization, Role, StaffInvitation, User
from .selectors import api_tokens_of, request_memberships

# Whoever is asking: the request's user, signed in or not.
Requester = User | AnonymousUser


def parse_id(value: object) -> int:
    """An id as it came from a URL, a form or JSON; anything that is not one is a 404, like
    an id of something missing."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Http404
    try:
        return int(value)
    except ValueError:
        raise Http404 from None


def access_membership(
    user: Requester, organization_slug: str, roles: Iterable[str] | None = None
) -> Membership:
    """The user's active membership of the organization, if its role is one of `roles`."""
    if not user.is_authenticated:
        raise Http404
    memberships = Membership.objects.active().select_related("organization", "user")
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    try:
        return memberships.get(user=user, organization__slug=organization_slug)
    except Membership.DoesNotExist:
        raise Http404 from None


def access_request_membership(
    request: HttpRequest, organization_slug: str, roles: Iterable[str] | None = None
) -> Membership:
    """`access_membership` for the request's own user, from the memberships the request
    reads once (the page shell needs them all anyway)."""
    if not request.user.is_authenticated:
        raise Http404
    allowed = None if roles is None else set(roles)
    for membership in request_memberships(request):
        if membership.organization.slug == organization_slug and (
            allowed is None or membership.role in allowed
        ):
            return membership
    raise Http404


def access_organization(
    user: Requester, organization_slug: str, roles: Iterable[str] | None = None
) -> Organization:
    return access_membership(user, organization_slug, roles).organization


def access_member(
    user: Requester, organization_slug: str, membership_id: object, roles: Iterable[str]
) -> Membership:
    """Another member of an organization the user is staff of with one of `roles`."""
    acting = access_membership(user, organization_slug, roles)
    try:
        return Membership.objects.select_related("user", "organization").get(
            organization=acting.organization, pk=parse_id(membership_id)
        )
    except Membership.DoesNotExist:
        raise Http404 from None


def access_invitation(
    user: Requester, organization_slug: str, invitation_id: object
) -> StaffInvitation:
    """An invitation of an organization the user manages."""
    acting = access_membership(user, organization_slug, (Role.MANAGER,))
    try:
        return StaffInvitation.objects.get(
            organization=acting.organization, pk=parse_id(invitation_id)
        )
    except StaffInvitation.DoesNotExist:
        raise Http404 from None


def access_api_token(user: Requester, token_id: object) -> ApiToken:
    """One of the user's own tokens, not revoked; anybody else's is a 404 like a missing one."""
    if not isinstance(user, User):
        raise Http404
    try:
        return api_tokens_of(user).get(pk=parse_id(token_id))
    except ApiToken.DoesNotExist:
        raise Http404 from None
