"""Account, organization, staff and API token operations (presence: accounts.presence)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from csportal.realtime import close_sockets, org_role_group, org_staff_group, publish, user_group

from . import cache
from .models import (
    API_TOKEN_NAME_MAX,
    AgentSkill,
    ApiToken,
    CustomerProfile,
    InvitationStatus,
    Membership,
    Organization,
    Role,
    StaffInvitation,
    User,
    new_invitation_nonce,
    normalize_phone,
)
from .tokens import EmailChangeLink, api_key_hash, new_api_key, read_email_change_token


def _normalize_email(email: str) -> str:
    return email.strip().lower()


def _taken(email: str, *, by_other_than: User | None = None) -> bool:
    accounts = User.objects.filter(email__iexact=email)
    if by_other_than is not None:
        accounts = accounts.exclude(pk=by_other_than.pk)
    return accounts.exists()


_EMAIL_TAKEN = gettext_lazy("An account with this email already exists.")
_LANGUAGES = dict(settings.LANGUAGES)


def customer_sign_up(*, email: str, password: str, full_name: str = "", language: str = "") -> User:
    """Create a customer account with an empty profile, in `language` (one of LANGUAGES: the
    one the person is browsing in) or the default. Raises ValidationError on bad input."""
    email = _normalize_email(email)
    full_name = full_name.strip()
    if _taken(email):
        raise ValidationError({"email": _EMAIL_TAKEN})
    try:
        validate_password(password, User(email=email, full_name=full_name))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    profile = {"language": language} if language in _LANGUAGES else {}
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, full_name=full_name)
            CustomerProfile.objects.create(user=user, **profile)
    except IntegrityError:
        # Two sign-ups for one address raced past the check above; the constraint decided.
        raise ValidationError({"email": _EMAIL_TAKEN}) from None
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
            if "full_name" in user_changes:
                cache.person_renamed(user.pk)
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
        cache.membership_changed(user_id=manager.pk, organization_id=organization.pk)
    return organization


def organization_update(
    *, organization: Organization, name: str, timezone_name: str
) -> Organization:
    organization.name = name
    organization.timezone = timezone_name
    organization.full_clean()
    with transaction.atomic():
        organization.save(update_fields=["name", "timezone"])
        cache.organization_changed(organization.pk)
    return organization


def _member_payload(membership: Membership) -> dict:
    return {
        "membership": membership.pk,
        "user": membership.user_id,
        "name": str(membership.user),
        "email": membership.user.email,
        "role": membership.role,
        "is_active": membership.is_active,
    }


# Invitations ----------------------------------------------------------------------------


def _publish_invitation(invitation: StaffInvitation) -> None:
    # Managers only: an invited address is nobody's on the staff until it is accepted.
    publish(
        "invitation.changed",
        {"invitation": invitation.pk, "status": invitation.status},
        groups=[org_role_group(invitation.organization_id, Role.MANAGER)],
    )


def _send_invitation_after_commit(invitation: StaffInvitation) -> None:
    from .tasks import send_invitation_email

    transaction.on_commit(lambda: send_invitation_email.delay(invitation.pk))


def _renew(invitation: StaffInvitation, now: datetime) -> None:
    """A new link and a new lifetime; the link sent before stops working."""
    invitation.nonce = new_invitation_nonce()
    invitation.expires_at = now + timedelta(seconds=settings.INVITATION_TIMEOUT)


def membership_invite(
    *,
    organization: Organization,
    invited_by: User,
    email: str,
    role: str,
    now: datetime | None = None,
) -> StaffInvitation | None:
    """Invite an email address to the staff in `role`: store an invitation and email its link.

    No user and no membership is made: they wait for the address's owner to accept. Nothing
    here asks whether the address has an account, so nothing the caller sees can depend on
    it. Inviting an address whose invitation is still open renews it (the new role, a new
    link, a new lifetime). An address on this staff already is emailed a note saying so
    instead, and None is returned: the interfaces answer the same regardless, though the
    manager's own staff list shows that person anyway.
    """
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    email = _normalize_email(email)
    now = now or timezone.now()
    with transaction.atomic():
        member = Membership.objects.filter(
            organization=organization, user__email__iexact=email
        ).first()
        if member is not None:
            from .tasks import send_already_a_member_email

            transaction.on_commit(
                lambda: send_already_a_member_email.delay(member.pk, invited_by.pk)
            )
            return None
        invitation = (
            StaffInvitation.objects.select_for_update()
            .pending()
            .filter(organization=organization, email=email)
            .first()
        ) or StaffInvitation(organization=organization, email=email, created_at=now)
        invitation.role = role
        invitation.invited_by = invited_by
        _renew(invitation, now)
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError:
            # Another manager invited the address at this moment; theirs stands, and their
            # email carries the link.
            return StaffInvitation.objects.pending().get(organization=organization, email=email)
        _publish_invitation(invitation)
        _send_invitation_after_commit(invitation)
    return invitation


def _lock_pending(invitation: StaffInvitation) -> StaffInvitation:
    locked = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status != InvitationStatus.PENDING:
        raise ValidationError(
            _("This invitation was answered or withdrawn already."), code=locked.status
        )
    return locked


def _lock_open(invitation: StaffInvitation, now: datetime) -> StaffInvitation:
    locked = _lock_pending(invitation)
    if locked.is_expired(now):
        raise ValidationError(_("This invitation has expired."), code="expired")
    return locked


def invitation_resend(
    *, invitation: StaffInvitation, now: datetime | None = None
) -> StaffInvitation:
    """Email a pending invitation again (an expired one too) with a new link and lifetime."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = _lock_pending(invitation)
        _renew(invitation, now)
        invitation.save(update_fields=["nonce", "expires_at"])
        _publish_invitation(invitation)
        _send_invitation_after_commit(invitation)
    return invitation


def invitation_revoke(
    *, invitation: StaffInvitation, now: datetime | None = None
) -> StaffInvitation:
    """A manager withdraws a pending invitation; its link stops working."""
    return _close(invitation, InvitationStatus.REVOKED, now or timezone.now(), allow_expired=True)


def invitation_decline(
    *, invitation: StaffInvitation, now: datetime | None = None
) -> StaffInvitation:
    """The invitee says no. Nothing of theirs was made, so nothing is left behind."""
    return _close(invitation, InvitationStatus.DECLINED, now or timezone.now())


def _close(
    invitation: StaffInvitation, status: str, now: datetime, *, allow_expired: bool = False
) -> StaffInvitation:
    with transaction.atomic():
        invitation = _lock_pending(invitation) if allow_expired else _lock_open(invitation, now)
        invitation.status = status
        invitation.answered_at = now
        invitation.save(update_fields=["status", "answered_at"])
        _publish_invitation(invitation)
    return invitation


def invitation_accept(
    *, invitation: StaffInvitation, user: User, now: datetime | None = None
) -> Membership:
    """`user` takes up the invitation and joins the staff in its role.

    Only the owner of the invited address may (PermissionDenied for anyone else), and only
    while the invitation is pending and unexpired (ValidationError). The staff is told.
    """
    if _normalize_email(user.email) != invitation.email:
        raise PermissionDenied(_("This invitation is for another email address."))
    now = now or timezone.now()
    with transaction.atomic():
        invitation = _lock_open(invitation, now)
        # Someone put on the staff another way since the invitation keeps their place as is.
        membership, created = Membership.objects.get_or_create(
            user=user,
            organization_id=invitation.organization_id,
            defaults={
                "role": invitation.role,
                "invited_by_id": invitation.invited_by_id,
                "invited_at": invitation.created_at,
                "accepted_at": now,
            },
        )
        if created:
            cache.membership_changed(user_id=user.pk, organization_id=membership.organization_id)
        invitation.status = InvitationStatus.ACCEPTED
        invitation.answered_at = now
        invitation.save(update_fields=["status", "answered_at"])
        _publish_invitation(invitation)
        publish(
            "staff.changed",
            _member_payload(membership),
            groups=[org_staff_group(membership.organization_id)],
        )
    return membership


def invitation_sign_up(
    *,
    invitation: StaffInvitation,
    full_name: str,
    password: str,
    language: str = "",
    now: datetime | None = None,
) -> User:
    """Create the account of an invited address that has none, and accept with it.

    Raises ValidationError, having made nothing, for a weak password, a closed invitation
    or an address that has an account by now (its owner signs in to accept).
    """
    with transaction.atomic():
        user = customer_sign_up(
            email=invitation.email, password=password, full_name=full_name, language=language
        )
        invitation_accept(invitation=invitation, user=user, now=now)
    return user


def user_set_password(*, user: User, password: str) -> User:
    """Set a new password and revoke the person's API tokens with it: whoever knew the old
    password (or held a session) may have made some. Their open sockets close: those of a
    session the change signed out stay closed (4401 when they try again)."""
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        api_tokens_revoke_all(user=user)
        close_sockets(user_group(user.pk))
    return user


def password_change(*, user: User, current_password: str, new_password: str) -> User:
    """The person replaces their password, proving they know the current one.

    As with any new password (user_set_password), their API tokens are revoked and their
    sockets closed; their other sessions end on their next request, because a session
    remembers the password it was opened with. The caller keeps its own session with
    `update_session_auth_hash`. Raises ValidationError naming `current_password` or
    `new_password`, having changed nothing.
    """
    _check_current_password(user, current_password)
    try:
        return user_set_password(user=user, password=new_password)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from None


def _check_current_password(user: User, current_password: str) -> None:
    if not user.check_password(current_password):
        raise ValidationError(
            {"current_password": _("Your current password was entered incorrectly.")}
        )


def email_change_request(*, user: User, email: str, current_password: str) -> str:
    """Mail a link to `email` that makes it the person's login address when followed
    (email_change_confirm). Nothing changes until then. Returns the address, normalized.

    The current password is asked for as for a new password: whoever holds the login
    address can reset the password, so a session left open must not be enough to take it.
    Raises ValidationError naming `current_password`, or `email` for an invalid address,
    their own, or one another account has.
    """
    _check_current_password(user, current_password)
    email = _normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from None
    if email == _normalize_email(user.email):
        raise ValidationError({"email": _("This is your email address already.")})
    if _taken(email, by_other_than=user):
        raise ValidationError({"email": _EMAIL_TAKEN})
    from .tasks import send_email_change_link

    transaction.on_commit(lambda: send_email_change_link.delay(user.pk, email))
    return email


def _link_refused() -> ValidationError:
    return ValidationError(
        _("This link doesn't work: it is cut short, or your email or password changed since."),
        code="invalid",
    )


def email_change_link(*, token: str, now: datetime | None = None) -> EmailChangeLink:
    """The email change a link asks for, while it may be followed.

    Raises ValidationError with code "invalid" for a link tampered with or made before the
    account's email or password last changed, and "expired" for one older than
    EMAIL_CHANGE_TIMEOUT.
    """
    link = read_email_change_token(token)
    if link is None:
        raise _link_refused()
    if (now or timezone.now()) - link.sent_at > timedelta(seconds=settings.EMAIL_CHANGE_TIMEOUT):
        raise ValidationError(
            _("This link has expired. Ask for a new one from your account settings."),
            code="expired",
        )
    return link


def email_change_confirm(*, token: str, now: datetime | None = None) -> User:
    """Follow an email-change link: its address becomes the person's login email, and the
    address it replaces is told.

    Raises ValidationError as email_change_link does, or naming `email` (code "taken") when
    another account has the address by now; nothing changes then.
    """
    link = email_change_link(token=token, now=now)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=link.user.pk)
        if user.email != link.user.email or user.password != link.user.password:
            # Another link was followed, or the password changed, since it was read.
            raise _link_refused()
        if _taken(link.email, by_other_than=user):
            raise ValidationError({"email": ValidationError(_EMAIL_TAKEN, code="taken")})
        old_email = user.email
        user.email = link.email
        try:
            with transaction.atomic():
                user.save(update_fields=["email"])
        except IntegrityError:
            # Someone signed up with the address a moment ago; the constraint decided.
            raise ValidationError({"email": ValidationError(_EMAIL_TAKEN, code="taken")}) from None
        # Lists of whom work can be given to show the address of a person with no name.
        cache.person_renamed(user.pk)
        from .tasks import send_email_changed_notice

        transaction.on_commit(lambda: send_email_changed_notice.delay(user.pk, old_email))
    return user


def membership_set_active(*, membership: Membership, is_active: bool, by: User) -> Membership:
    """Suspend or restore a staff member. A manager can't suspend themselves."""
    if membership.user_id == by.pk and not is_active:
        raise ValidationError(_("You can't suspend your own membership."))
    with transaction.atomic():
        membership.is_active = is_active
        membership.save(update_fields=["is_active"])
        cache.membership_changed(
            user_id=membership.user_id, organization_id=membership.organization_id
        )
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
        cache.membership_changed(
            user_id=membership.user_id, organization_id=membership.organization_id
        )
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
        cache.skills_changed(membership.organization_id)
    return cleaned


# API tokens --------------------------------------------------------------------------------


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
