import functools
import secrets
import zoneinfo
from datetime import datetime

import phonenumbers
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _

from .scoping import OrganizationScopedQuerySet


def validate_timezone(value: str) -> None:
    if value and value not in _zone_names():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def normalize_phone(value: str) -> str:
    """Return the number in E.164, or raise ValidationError naming what is wrong."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Enter the phone number in international form, e.g. +14155550123.")
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("%(value)s is not a valid phone number."), params={"value": value})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    if value and normalize_phone(value) != value:
        raise ValidationError(_("Store phone numbers in E.164 form, e.g. +14155550123."))


@functools.cache
def _zone_names() -> tuple[str, ...]:
    # available_timezones() walks the filesystem (several ms); the list can't change while
    # the process runs.
    return tuple(sorted(zoneinfo.available_timezones()))


def timezone_choices() -> list[tuple[str, str]]:
    # A callable, so migrations name it instead of copying the system's zone list, which
    # changes with tzdata and would make `makemigrations --check` differ between machines.
    return [(name, name) for name in _zone_names()]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=email.strip().lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: a customer, a provider's staff member, or both. The email is the login."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        choices=timezone_choices,
        validators=[validate_timezone],
        help_text=_("Times are shown in this zone; empty means the organization's or UTC."),
    )
    is_staff = models.BooleanField(
        _("admin site access"),
        default=False,
        help_text=_("May log in to the Django admin. Unrelated to organization staff roles."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=django_timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.email.strip().lower()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.email])[0]


class Organization(models.Model):
    """One customer-service provider: the tenant that owns staff, tickets, sites."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        choices=timezone_choices,
        validators=[validate_timezone],
    )
    created_at = models.DateTimeField(_("created at"), default=django_timezone.now)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    MANAGER = "manager", _("Manager")  # staff, areas, schedules, sites, policy, analytics
    AGENT = "agent", _("Agent")  # works tickets, reviews and chats
    RECEPTIONIST = "receptionist", _("Receptionist")  # takes requests, codes sensitivity
    TECHNICIAN = "technician", _("Technician")  # works field visits from a phone


class MembershipQuerySet(OrganizationScopedQuerySet):
    def active(self):
        return self.filter(is_active=True, user__is_active=True)


class Membership(models.Model):
    """A user's place on an organization's staff, with one role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=django_timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
        ]
        indexes = [models.Index(fields=["organization", "role"], name="membership_org_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Invited")  # sent, waiting for an answer (or past its expiry)
    ACCEPTED = "accepted", _("Accepted")  # the invitee joined: a Membership exists now
    DECLINED = "declined", _("Declined")  # the invitee said no
    REVOKED = "revoked", _("Withdrawn")  # a manager took it back


def new_invitation_nonce() -> str:
    return secrets.token_urlsafe(16)


class StaffInvitationQuerySet(OrganizationScopedQuerySet):
    def pending(self):
        return self.filter(status=InvitationStatus.PENDING)


class StaffInvitation(models.Model):
    """An offer of a place on an organization's staff, made to an email address.

    It names an address, never a user: nobody learns whether the address has an account,
    and no account or membership exists until its owner accepts.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Signed into the emailed link; a resend draws a new one, so only the newest link works.
    nonce = models.CharField(max_length=32, default=new_invitation_nonce, editable=False)
    created_at = models.DateTimeField(_("invited at"), default=django_timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = StaffInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        constraints = [
            # One open offer per address and organization: inviting again renews it, and two
            # managers inviting the same address at once end up with one.
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=models.Q(status=InvitationStatus.PENDING),
                name="staff_invitation_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} · {self.get_role_display()} · {self.organization}"

    def is_open(self, now: datetime) -> bool:
        """Whether its link may still be answered."""
        return self.status == InvitationStatus.PENDING and now < self.expires_at

    def is_expired(self, now: datetime) -> bool:
        return self.status == InvitationStatus.PENDING and now >= self.expires_at


class ContactChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Browser push")
    IN_APP = "in_app", _("In the portal")


class CustomerProfile(models.Model):
    """How to reach a customer and in which language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_profile"
    )
    phone = models.CharField(
        _("phone"),
        max_length=20,
        blank=True,
        validators=[validate_phone],
        help_text=_("International form, e.g. +14155550123."),
    )
    contact_email = models.EmailField(
        _("contact email"), blank=True, help_text=_("Empty means the login email.")
    )
    im_handle = models.CharField(_("instant messaging handle"), max_length=100, blank=True)
    preferred_channel = models.CharField(
        _("preferred contact channel"),
        max_length=10,
        choices=ContactChannel.choices,
        default=ContactChannel.EMAIL,
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )

    class Meta:
        verbose_name = _("customer profile")
        verbose_name_plural = _("customer profiles")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def email(self) -> str:
        return self.contact_email or self.user.email


class PresenceStatus(models.TextChoices):
    ONLINE = "online", _("Online")  # a tab is connected and in use
    AWAY = "away", _("Away")  # connected, but idle or hidden
    OFFLINE = "offline", _("Offline")  # no tab connected


class Presence(models.Model):
    """The status last announced to a staff member's colleagues (`presence.changed`).

    The truth is the set of their unexpired `PresenceConnection` rows (accounts.presence);
    this row only remembers what was said, so a repeat is not said again, and whether
    something may have changed since (`pending`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="presence",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PresenceStatus.choices, default=PresenceStatus.OFFLINE
    )
    # A connection opened, closed, changed or expired since the last announcement.
    pending = models.BooleanField(_("pending"), default=False)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presences")
        indexes = [
            models.Index(fields=["user"], condition=models.Q(pending=True), name="presence_pending")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.status}"


class PresenceConnection(models.Model):
    """One open socket of a staff member. It counts until `expires_at`, which its heartbeat
    pushes forward: a process killed with its sockets open renews nothing, so its people
    drop offline by themselves, and no counter can drift."""

    channel = models.CharField(_("channel"), max_length=120, primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presence_connections"
    )
    # The tab reports its person idle or hidden: away only when every tab does.
    away = models.BooleanField(_("away"), default=False)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("presence connection")
        verbose_name_plural = _("presence connections")
        indexes = [
            # Routing's "is this agent online" and the status of a few people.
            models.Index(fields=["user", "expires_at"], name="presence_conn_user"),
            # The sweep of connections nobody renewed.
            models.Index(fields=["expires_at"], name="presence_conn_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.channel}"


class AgentSkill(models.Model):
    """Something a staff member can handle, named by a slug the domain apps agree on
    (a ticket category's skill, a chat site's language): routing looks for it."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="skills")
    skill = models.SlugField(_("skill"), max_length=50)

    class Meta:
        verbose_name = _("agent skill")
        verbose_name_plural = _("agent skills")
        constraints = [
            models.UniqueConstraint(fields=["membership", "skill"], name="agent_skill_unique")
        ]

    def __str__(self) -> str:
        return f"{self.membership.user} · {self.skill}"


class ExclusiveAgent(models.Model):
    """A customer's dedicated agent at one organization: their requests go there first."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exclusive_agents"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="exclusive_agents"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exclusive_customers"
    )
    created_at = models.DateTimeField(_("created at"), default=django_timezone.now)

    class Meta:
        verbose_name = _("dedicated agent")
        verbose_name_plural = _("dedicated agents")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "organization"], name="exclusive_agent_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} → {self.agent} ({self.organization})"


API_TOKEN_NAME_MAX = 100


class ApiToken(models.Model):
    """A named key a person gives an integration to call the API as them.

    Only the key's SHA-256 is kept: the key is shown once, when the token is made. A plain
    hash is enough because keys are long random strings, not passwords to guess.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=API_TOKEN_NAME_MAX)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=django_timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"
