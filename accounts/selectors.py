from collections.abc import Iterable

from django.db.models import Case, QuerySet, Subquery, Value, When, prefetch_related_objects

from csportal.caching import remember
from csportal.realtime import audience_groups, org_role_group, org_staff_group, user_group

from .cache import MEMBERSHIPS_SECONDS, assignable_key, memberships_key
from .models import (
    ApiToken,
    CustomerProfile,
    Membership,
    MembershipQuerySet,
    Organization,
    Presence,
    PresenceStatus,
    Role,
    StaffInvitation,
    User,
)


def staff_memberships_of(user: User) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.active()
        .filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )


def works_for(user: User, organization_id: int, roles: Iterable[str] | None = None) -> bool:
    """Whether the user is active staff of the organization, in one of `roles` if given: the
    check every service makes before staff act."""
    memberships = Membership.objects.active().filter(user=user, organization_id=organization_id)
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    return memberships.exists()


def realtime_groups_for(user: User, memberships: Iterable[Membership] | None = None) -> list[str]:
    """The groups a user's socket joins by right: their own, their organizations' staff, and
    their role at each. `memberships`, when the caller has the active ones already."""
    if not user.is_authenticated or not user.is_active:
        return []
    if memberships is None:
        memberships = Membership.objects.active().filter(user=user).only("organization", "role")
    groups = [user_group(user.pk)]
    for membership in memberships:
        groups += [
            org_staff_group(membership.organization_id),
            org_role_group(membership.organization_id, membership.role),
            *audience_groups(membership.organization_id, membership.role),
        ]
    return groups


def request_memberships(request) -> list[Membership]:
    """The signed-in user's active staff memberships, read once per request: the page's
    access check, its nav and its socket's groups all need them.

    Read through the cache, as every staff page and none of the customer's can do without
    them; the services that change a membership or its organization drop the user's copy
    (accounts.cache)."""
    cached = getattr(request, "_active_memberships", None)
    if cached is None:
        user = request.user
        cached = (
            remember(
                memberships_key(user.pk),
                lambda: list(staff_memberships_of(user)),
                MEMBERSHIPS_SECONDS,
            )
            if user.is_authenticated
            else []
        )
        for membership in cached:
            membership.user = request.user
        request._active_memberships = cached
    return cached


ASSIGNABLE_ROLES = (Role.AGENT, Role.MANAGER)


def assignable_people(organization_id: int) -> list[tuple[int, str]]:
    """(user id, name) of everyone work can be given to at the organization, by name.

    Cached: the staff ticket page lists them on every view. The services that change a
    membership there or a member's name drop it (accounts.cache)."""

    def read():
        people = (
            Membership.objects.active()
            .filter(
                organization_id=organization_id,
                role__in=ASSIGNABLE_ROLES,
                accepted_at__isnull=False,
            )
            .order_by("user__full_name", "user__email")
            .values_list("user_id", "user__full_name", "user__email")
        )
        return [(user_id, full_name or email) for user_id, full_name, email in people]

    return remember(assignable_key(organization_id), read, MEMBERSHIPS_SECONDS)


def organization_staff(organization: Organization) -> MembershipQuerySet:
    """Everyone on the staff, with their presence: active before suspended, managers first."""
    managers_first = Case(When(role=Role.MANAGER, then=Value(0)), default=Value(1))
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user", "user__presence", "invited_by")
        .prefetch_related("skills")
        .order_by("-is_active", managers_first, "role", "user__full_name", "user__email")
    )


def open_invitations(organization: Organization) -> QuerySet[StaffInvitation]:
    """The organization's invitations nobody has answered or withdrawn (expired ones too, to
    resend), newest first."""
    return (
        StaffInvitation.objects.filter(organization=organization)
        .pending()
        .order_by("-created_at", "-pk")
    )


def language_of(user: User) -> str | None:
    """The language the person chose for the portal (None if they have no profile). No query
    when the profile came with the user: select_related("customer_profile"), `with_profiles`
    or routing."""
    if User.customer_profile.is_cached(user):
        profile = getattr(user, "customer_profile", None)
        return profile.language if profile else None
    return CustomerProfile.objects.filter(user=user).values_list("language", flat=True).first()


def with_profiles(users: Iterable[User | None]) -> None:
    """Load the profiles of `users` that lack them in one query, so that writing to each of
    them in their language (accounts.language) costs no query per person."""
    prefetch_related_objects([user for user in users if user is not None], "customer_profile")


def has_account(email: str) -> bool:
    """Only for the holder of an invitation link to that address: the link proves they
    receive its mail, so telling them whether to sign in or sign up tells them nothing new."""
    return User.objects.filter(email__iexact=email).exists()


def active_user_by_email(email: str) -> User | None:
    """The active account with this address, however its case was typed (staff booking for
    a caller name them by email)."""
    email = (email or "").strip()
    return User.objects.filter(email__iexact=email, is_active=True).first() if email else None


def online_staff(organization: Organization) -> MembershipQuerySet:
    return (
        organization_staff(organization)
        .active()
        .filter(
            accepted_at__isnull=False,
            user__presence__status__in=[PresenceStatus.ONLINE, PresenceStatus.AWAY],
        )
    )


def presence_status_of(user: User) -> str:
    try:
        return user.presence.status
    except Presence.DoesNotExist:
        return PresenceStatus.OFFLINE


def presence_status_subquery(user: User) -> Subquery:
    """`presence_status_of` (None for no row: offline) for a caller that folds it into a bigger
    query."""
    return Subquery(Presence.objects.filter(user=user).values("status"))


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The person's tokens not revoked, expired ones included, newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by(
        "-created_at", "-pk"
    )
