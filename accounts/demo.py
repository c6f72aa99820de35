"""Demo people for `manage.py seed_demo`: two providers with their staff, the two customers
who log in and are served by both, and the neighbours whose past requests and reviews fill
the providers' last three months."""

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from .cache import membership_changed
from .models import CustomerProfile, Membership, Organization, Role, User

DEMO_PASSWORD = "csportal-demo"  # noqa: S105 - published in the README on purpose
DEMO_ORGANIZATIONS = [
    {
        "slug": "acme",
        "name": "Acme Home Services",
        "timezone": "Europe/London",
        "staff": [
            ("manager@example.com", "Maria Manager", Role.MANAGER),
            ("agent1@example.com", "Alex Agent", Role.AGENT),
            ("agent2@example.com", "Ana Agent", Role.AGENT),
            ("reception@example.com", "Rita Reception", Role.RECEPTIONIST),
            ("tech1@example.com", "Tom Technician", Role.TECHNICIAN),
            ("tech2@example.com", "Tess Technician", Role.TECHNICIAN),
            ("tech3@example.com", "Theo Technician", Role.TECHNICIAN),
        ],
    },
    {
        "slug": "northside",
        "name": "Northside Plumbing",
        "timezone": "Europe/London",
        "staff": [
            ("manager@northside.example.com", "Nadia Novak", Role.MANAGER),
            ("agent@northside.example.com", "Omar Okafor", Role.AGENT),
            ("tech@northside.example.com", "Pete Price", Role.TECHNICIAN),
        ],
    },
]
DEMO_STAFF = [person for provider in DEMO_ORGANIZATIONS for person in provider["staff"]]
DEMO_CUSTOMERS = [
    ("customer1@example.com", "Chris Customer", "+442071838750"),
    ("customer2@example.com", "Casey Customer", "+14155550123"),
]
# Customers of the past: their requests and reviews make the providers' history. They have
# no password; the README's logins are the people to try the portal as.
NEIGHBOURS = [
    ("priya.patel@example.org", "Priya Patel"),
    ("jonas.berg@example.org", "Jonas Berg"),
    ("amara.okoye@example.org", "Amara Okoye"),
    ("li.wei@example.org", "Li Wei"),
    ("sofia.rossi@example.org", "Sofia Rossi"),
    ("tom.hughes@example.org", "Tom Hughes"),
    ("min-jun.kim@example.org", "Min-jun Kim"),
    ("fatima.haddad@example.org", "Fatima Haddad"),
    ("oliver.grant@example.org", "Oliver Grant"),
    ("eva.novak@example.org", "Eva Novak"),
    ("daniel.reyes@example.org", "Daniel Reyes"),
    ("hannah.cole@example.org", "Hannah Cole"),
]


@dataclass
class Provider:
    """A demo organization, its staff by email and their roles."""

    organization: Organization
    staff: dict[str, User]
    roles: dict[str, str]

    def with_role(self, role: str) -> list[User]:
        return [self.staff[email] for email, held in self.roles.items() if held == role]


@dataclass
class Cast:
    """Everyone in the demo: the providers, the customers who log in, the neighbours."""

    providers: list[Provider]
    customers: list[User]
    neighbours: list[User] = field(default_factory=list)


def _user(email: str, full_name: str, password: str) -> tuple[User, bool]:
    return User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "password": password}
    )


def seed_accounts() -> tuple[Cast, int]:
    """The demo's people and organizations, and how many rows were created."""
    created = 0
    # Hashed once for everyone: each hash takes about a second on purpose.
    password = make_password(DEMO_PASSWORD)
    now = timezone.now()
    providers = []
    for spec in DEMO_ORGANIZATIONS:
        fields = {key: spec[key] for key in ("slug", "name", "timezone")}
        organization, org_created = Organization.objects.get_or_create(
            slug=spec["slug"], defaults=fields
        )
        created += org_created
        staff = {}
        for email, full_name, role in spec["staff"]:
            user, user_created = _user(email, full_name, password)
            _membership, membership_created = Membership.objects.get_or_create(
                user=user,
                organization=organization,
                defaults={"role": role, "accepted_at": now, "invited_at": now},
            )
            if membership_created:
                membership_changed(user_id=user.pk, organization_id=organization.pk)
            staff[email] = user
            created += user_created + membership_created
        roles = {email: role for email, _name, role in spec["staff"]}
        providers.append(Provider(organization, staff, roles))
    customers = []
    for email, full_name, phone in DEMO_CUSTOMERS:
        user, user_created = _user(email, full_name, password)
        _profile, profile_created = CustomerProfile.objects.get_or_create(
            user=user, defaults={"phone": phone}
        )
        customers.append(user)
        created += user_created + profile_created
    neighbours = []
    for email, full_name in NEIGHBOURS:
        user, user_created = _user(email, full_name, make_password(None))
        neighbours.append(user)
        created += user_created
    return Cast(providers, customers, neighbours), created
