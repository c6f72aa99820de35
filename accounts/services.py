"""Account, organization and staff operations (presence: accounts.presence)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from csportal.realtime import close_sockets, org_staff_group, publish, user_group

from .models import (
    AgentSkill,
    CustomerProfile,
    Membership,
    Organization,
    Role,
    User,
    normalize_phone,
)


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


def membership_set_active(*, membership: Membership, is_active: bool, by: User) -> Membership:
    """Suspend or restore a staff member. A manager can't suspend themselves."""
    if membership.user_id == by.pk and not is_active:
        raise ValidationError(_("You can't suspend your own membership."))
    with transaction.atomic():
        membership.is_active = is_active
        membership.save(update_fields=["is_active"])
        # Their open sockets were let into groups by the old rights.
        close_sockets(user_group(membership.user_id))
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
        # Their open sockets were let into groups by the old rights.
        close_sockets(user_group(membership.user_id))
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
