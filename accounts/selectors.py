from django.db.models import Case, QuerySet, Value, When

from csportal.realtime import org_role_group, org_staff_group, user_group

from .models import Membership, Organization, Presence, PresenceStatus, Role, User


def staff_memberships_of(user: User) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.active()
        .filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )


def realtime_groups_for(user: User) -> list[str]:
    """The groups a user's socket joins by right: their own, their organizations' staff, and
    their role at each."""
    if not user.is_authenticated or not user.is_active:
        return []
    memberships = (
        Membership.objects.active().filter(user=user).values_list("organization_id", "role")
    )
    groups = [user_group(user.pk)]
    for organization_id, role in memberships:
        groups += [org_staff_group(organization_id), org_role_group(organization_id, role)]
    return groups


def organization_staff(organization: Organization) -> QuerySet[Membership]:
    """Everyone on the staff, with their presence: active before suspended, managers first."""
    managers_first = Case(When(role=Role.MANAGER, then=Value(0)), default=Value(1))
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user", "user__presence", "invited_by")
        .prefetch_related("skills")
        .order_by("-is_active", managers_first, "role", "user__full_name", "user__email")
    )


def online_staff(organization: Organization) -> QuerySet[Membership]:
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
