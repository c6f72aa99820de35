"""Demo people for `manage.py seed_demo`: one organization with every role."""

from django.utils import timezone

from .cache import membership_changed
from .models import CustomerProfile, Membership, Organization, Role, User

DEMO_PASSWORD = "csportal-demo"  # noqa: S105 - published in the README on purpose
DEMO_ORGANIZATION = {"slug": "acme", "name": "Acme Home Services", "timezone": "Europe/London"}
DEMO_STAFF = [
    ("manager@example.com", "Maria Manager", Role.MANAGER),
    ("agent1@example.com", "Alex Agent", Role.AGENT),
    ("agent2@example.com", "Ana Agent", Role.AGENT),
    ("reception@example.com", "Rita Reception", Role.RECEPTIONIST),
    ("tech1@example.com", "Tom Technician", Role.TECHNICIAN),
    ("tech2@example.com", "Tess Technician", Role.TECHNICIAN),
    ("tech3@example.com", "Theo Technician", Role.TECHNICIAN),
]
DEMO_CUSTOMERS = [
    ("customer1@example.com", "Chris Customer", "+442071838750"),
    ("customer2@example.com", "Casey Customer", "+14155550123"),
]


def _user(email: str, full_name: str) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user, created


def seed_accounts() -> tuple[Organization, dict[str, User], list[User], int]:
    """The demo organization, its staff by email, the demo customers, and rows created."""
    created = 0
    organization, org_created = Organization.objects.get_or_create(
        slug=DEMO_ORGANIZATION["slug"], defaults=DEMO_ORGANIZATION
    )
    created += org_created
    now = timezone.now()
    staff = {}
    for email, full_name, role in DEMO_STAFF:
        user, user_created = _user(email, full_name)
        _membership, membership_created = Membership.objects.get_or_create(
            user=user,
            organization=organization,
            defaults={"role": role, "accepted_at": now, "invited_at": now},
        )
        if membership_created:
            membership_changed(user_id=user.pk, organization_id=organization.pk)
        staff[email] = user
        created += user_created + membership_created
    customers = []
    for email, full_name, phone in DEMO_CUSTOMERS:
        user, user_created = _user(email, full_name)
        _profile, profile_created = CustomerProfile.objects.get_or_create(
            user=user, defaults={"phone": phone}
        )
        customers.append(user)
        created += user_created + profile_created
    return organization, staff, customers, created
