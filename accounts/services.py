"""Account, organization, staff, presence and API token operations."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from csportal.realtime import org_staff_group, publish

from .models import (
    AgentSkill,
    ApiToken,
    CustomerProfile,
    Membership,
    Organization,
    Presence,
    PresenceStatus,
    Role,
    User,
    normalize_phone,
)
from .tokens import api_key_hash, new_api_key


def _normalize_email(email: str) -> str:
    return email.strip().lower()


def customer_sign_up(*, email: str, password: str, full_name: str = "") -> User:
    """Create a customer account with an empty profile. Raises ValidationError on bad input."""
    email = _normalize_email(email)
    full_name = full_name.strip()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this email already exists.")})
    try:
        validate_password(password, User(email=email, full_name=full_name))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, full_name=full_name)
            CustomerProfile.objects.create(user=user)
    except IntegrityError:
        # Two sign-ups for one address raced past the check above; the constraint decided.
        raise ValidationError({"email": _("An account with this email already exists.")}) from None
    return user


_USER_FIELDS = ("full_name", "timezone")
_PROFILE_FIELDS = ("phone", "contact_email", "im_handle", "preferred_channel", "language")


def customer_profile_update(*, user: User, **changes) -> CustomerProfile:
    """Change any of the user's name, zone and contact profile (created if missing).

    Raises ValidationError naming the field for an invalid phone, zone or choice.
    """
    unknown = set(changes) - set(_USER_FIELDS) - set(_PROFILE_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    if changes.get("phone"):
        try:
            changes["phone"] = normalize_phone(changes["phone"])
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
    with transaction.atomic():
        user_changes = {k: v for k, v in changes.items() if k in _USER_FIELDS}
        if user_changes:
            for name, value in user_changes.items():
                setattr(user, name, value.strip() if name == "full_name" else value)
            user.full_clean(exclude=["password", "email"])
            user.save(update_fields=list(user_changes))
        profile, _created = CustomerProfile.objects.select_for_update().get_or_create(user=user)
        for name in _PROFILE_FIELDS:
            if name in changes:
                setattr(profile, name, changes[name])
        profile.full_clean(exclude=["user"])
        profile.save()
    return profile


def organization_create(
    *, name: str, manager: User, slug: str = "", timezone_name: str = "UTC"
) -> Organization:
    """Create a provider organization with `manager` as its first manager."""
    organization = Organization(name=name, slug=slug or slugify(name), timezone=timezone_name)
    organization.full_clean()
    now = timezone.now()
    with transaction.atomic():
        organization.save()
        Membership.objects.create(
            user=manager, organization=organization, role=Role.MANAGER, accepted_at=now
        )
    return organization


def organization_update(
    *, organization: Organization, name: str, timezone_name: str
) -> Organization:
    organization.name = name
    organization.timezone = timezone_name
    organization.full_clean()
    organization.save(update_fields=["name", "timezone"])
    return organization


def _member_payload(membership: Membership) -> dict:
    return {
        "membership": membership.pk,
        "user": membership.user_id,
        "name": str(membership.user),
        "email": membership.user.email,
        "role": membership.role,
        "is_active": membership.is_active,
        "pending": membership.is_pending,
    }


def membership_invite(
    *, organization: Organization, invited_by: User, email: str, role: str, full_name: str = ""
) -> Membership:
    """Add a person to the staff and email them a link to set their password and join.

    A person new to the portal gets an account with no usable password until they accept.
    Someone with an account already joins at once and is told by email.
    """
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    email = _normalize_email(email)
    now = timezone.now()
    try:
        with transaction.atomic():
            membership = _create_invited_membership(
                organization=organization,
                invited_by=invited_by,
                email=email,
                role=role,
                full_name=full_name,
                now=now,
            )
    except IntegrityError:
        # Two managers invited the same person at the same moment; the constraints decided.
        raise ValidationError({"email": _("This person is already on the staff.")}) from None
    return membership


def _create_invited_membership(*, organization, invited_by, email, role, full_name, now):
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, full_name=full_name.strip())
        user.set_unusable_password()
        # Uniqueness is left to the constraint: a racing invite then fails as an
        # IntegrityError, which membership_invite reports as "already on the staff".
        user.full_clean(validate_unique=False, validate_constraints=False)
        user.save()
        accepted_at = None
    else:
        if Membership.objects.filter(user=user, organization=organization).exists():
            raise ValidationError({"email": _("This person is already on the staff.")})
        accepted_at = now
    membership = Membership.objects.create(
        user=user,
        organization=organization,
        role=role,
        invited_by=invited_by,
        invited_at=now,
        accepted_at=accepted_at,
    )
    publish("staff.changed", _member_payload(membership), groups=[org_staff_group(organization.pk)])
    _send_invitation_after_commit(membership)
    return membership


def membership_resend_invitation(*, membership: Membership) -> None:
    if not membership.is_pending:
        raise ValidationError(_("This invitation was accepted already."))
    Membership.objects.filter(pk=membership.pk).update(invited_at=timezone.now())
    _send_invitation_after_commit(membership)


def _send_invitation_after_commit(membership: Membership) -> None:
    from .tasks import send_invitation_email

    transaction.on_commit(lambda: send_invitation_email.delay(membership.pk))


def invitation_accept(*, user: User, password: str, full_name: str = "") -> User:
    """Set the invited user's password and mark their pending memberships accepted."""
    validate_password(password, user)
    now = timezone.now()
    with transaction.atomic():
        user.set_password(password)
        if full_name.strip():
            user.full_name = full_name.strip()
        user.save(update_fields=["password", "full_name"])
        pending = list(
            Membership.objects.select_for_update()
            .select_related("user")
            .filter(user=user, accepted_at__isnull=True)
        )
        for membership in pending:
            membership.accepted_at = now
            membership.save(update_fields=["accepted_at"])
            publish(
                "staff.changed",
                _member_payload(membership),
                groups=[org_staff_group(membership.organization_id)],
            )
    return user


def user_set_password(*, user: User, password: str) -> User:
    """Set a new password and revoke the person's API tokens with it: whoever knew the old
    password (or held a session) may have made some."""
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        api_tokens_revoke_all(user=user)
    return user


def membership_set_active(*, membership: Membership, is_active: bool, by: User) -> Membership:
    """Suspend or restore a staff member. A manager can't suspend themselves."""
    if membership.user_id == by.pk and not is_active:
        raise ValidationError(_("You can't suspend your own membership."))
    with transaction.atomic():
        membership.is_active = is_active
        membership.save(update_fields=["is_active"])
        publish(
            "staff.changed",
            _member_payload(membership),
            groups=[org_staff_group(membership.organization_id)],
        )
    return membership


def membership_change_role(*, membership: Membership, role: str, by: User) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if membership.user_id == by.pk and role != Role.MANAGER:
        raise ValidationError({"role": _("You can't take away your own manager role.")})
    with transaction.atomic():
        membership.role = role
        membership.save(update_fields=["role"])
        publish(
            "staff.changed",
            _member_payload(membership),
            groups=[org_staff_group(membership.organization_id)],
        )
    return membership


def membership_set_skills(*, membership: Membership, skills: list[str]) -> list[str]:
    """Replace what the member can handle; routing sends them requests needing these."""
    cleaned = sorted({slugify(skill) for skill in skills if slugify(skill)})
    if any(len(skill) > 50 for skill in cleaned):
        raise ValidationError({"skills": _("A skill name is at most 50 characters.")})
    with transaction.atomic():
        membership.skills.exclude(skill__in=cleaned).delete()
        existing = set(membership.skills.values_list("skill", flat=True))
        AgentSkill.objects.bulk_create(
            [
                AgentSkill(membership=membership, skill=skill)
                for skill in cleaned
                if skill not in existing
            ]
        )
    return cleaned


# Presence -------------------------------------------------------------------------------


def _publish_presence(user: User, status: str) -> None:
    org_ids = (
        Membership.objects.active().filter(user=user).values_list("organization_id", flat=True)
    )
    publish(
        "presence.changed",
        {"user": user.pk, "name": str(user), "status": status},
        groups=[org_staff_group(org_id) for org_id in org_ids],
    )


def _presence_transition(user: User, *, connections_delta: int, away_delta: int) -> str:
    """Count a tab in or out, or as idle or active, and publish if the status changed.

    Each tab's state is counted, not remembered as a last word: tabs report in any order
    (a page being left may say "away" after its successor said "online"), and a person is
    away only when every open tab is idle.
    """
    now = timezone.now()
    with transaction.atomic():
        Presence.objects.get_or_create(user=user)
        presence = Presence.objects.select_for_update().get(user=user)
        before = presence.status
        presence.connections = max(presence.connections + connections_delta, 0)
        presence.away_connections = min(
            max(presence.away_connections + away_delta, 0), presence.connections
        )
        if presence.connections == 0:
            presence.status = PresenceStatus.OFFLINE
        elif presence.away_connections >= presence.connections:
            presence.status = PresenceStatus.AWAY
        else:
            presence.status = PresenceStatus.ONLINE
        presence.last_seen = now
        presence.save()
        if presence.status != before:
            _publish_presence(user, presence.status)
    return presence.status


def presence_connect(*, user: User) -> str:
    """A tab opened its socket; a new tab counts as active."""
    return _presence_transition(user, connections_delta=1, away_delta=0)


def presence_disconnect(*, user: User, was_away: bool = False) -> str:
    return _presence_transition(user, connections_delta=-1, away_delta=-1 if was_away else 0)


def presence_set(*, user: User, status: str, was_away: bool) -> str:
    """A connected tab says its person is active (online) or idle (away); `was_away` is
    what that tab said before, so only a change of its own state is counted."""
    if status not in (PresenceStatus.ONLINE, PresenceStatus.AWAY):
        raise ValidationError({"status": _("Choose online or away.")})
    away = status == PresenceStatus.AWAY
    return _presence_transition(user, connections_delta=0, away_delta=int(away) - int(was_away))


def presence_touch(*, user: User) -> None:
    Presence.objects.filter(user=user).update(last_seen=timezone.now())


def presence_expire_stale(*, now=None) -> int:
    """Mark offline whoever has not been heard from (a server died holding their sockets)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.PRESENCE_STALE_SECONDS)
    stale = Presence.objects.filter(
        ~Q(status=PresenceStatus.OFFLINE), last_seen__lt=cutoff
    ).select_related("user")
    expired = 0
    for presence in stale:
        with transaction.atomic():
            claimed = (
                Presence.objects.filter(pk=presence.pk, last_seen__lt=cutoff)
                .exclude(status=PresenceStatus.OFFLINE)
                .update(status=PresenceStatus.OFFLINE, connections=0)
            )
            if claimed:
                _publish_presence(presence.user, PresenceStatus.OFFLINE)
                expired += 1
    return expired


# API tokens --------------------------------------------------------------------------------

API_TOKEN_NAME_MAX = ApiToken._meta.get_field("name").max_length


def api_token_create(*, user: User, name: str, now: datetime | None = None) -> tuple[ApiToken, str]:
    """Make a named token for `user`, working API_TOKEN_TTL_DAYS from `now`.

    Returns the token and its key; only the key's hash is stored, so this is the one time
    anybody sees the key.
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the token, to know it again in the list.")})
    if len(name) > API_TOKEN_NAME_MAX:
        raise ValidationError(
            {"name": _("Keep the name to %(max)d characters.") % {"max": API_TOKEN_NAME_MAX}}
        )
    now = now or timezone.now()
    key = new_api_key()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=api_key_hash(key),
        created_at=now,
        expires_at=now + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    return token, key


def api_token_revoke(*, token: ApiToken, now: datetime | None = None) -> None:
    """Stop the token working. The row stays, so its key is answered "revoked", not
    "invalid"."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )


def api_tokens_revoke_all(*, user: User, now: datetime | None = None) -> int:
    """Revoke every token of the person still standing; returns how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )
