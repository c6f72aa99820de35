from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import (
    CustomerProfile,
    Membership,
    Organization,
    Presence,
    PresenceConnection,
    PresenceStatus,
    Role,
    StaffInvitation,
    User,
)

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class CustomerFactory(UserFactory):
    profile = factory.RelatedFactory(
        "accounts.tests.factories.CustomerProfileFactory", factory_related_name="user"
    )


class CustomerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerProfile

    user = factory.SubFactory(UserFactory)
    phone = "+14155550123"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Provider {n}")
    slug = factory.Sequence(lambda n: f"provider-{n}")
    timezone = "Europe/London"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.AGENT
    accepted_at = factory.LazyFunction(timezone.now)


class StaffInvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation, a week from expiring."""

    class Meta:
        model = StaffInvitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.AGENT
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


def staff(organization: Organization, role: str, **user_fields) -> User:
    """A user with an accepted, active membership of `organization` in `role`."""
    return MembershipFactory(
        organization=organization, role=role, user=UserFactory(**user_fields)
    ).user


def online(user: User, *, away: bool = False) -> User:
    """`user` with one open connection (idle if `away`) for the day, as routing looks for."""
    PresenceConnection.objects.create(
        channel=f"test-{user.pk}-{PresenceConnection.objects.count()}",
        user=user,
        away=away,
        expires_at=timezone.now() + timedelta(days=1),
    )
    status = PresenceStatus.AWAY if away else PresenceStatus.ONLINE
    Presence.objects.update_or_create(user=user, defaults={"status": status})
    return user


def offline(user: User) -> User:
    """`user` with every connection closed."""
    PresenceConnection.objects.filter(user=user).delete()
    Presence.objects.update_or_create(user=user, defaults={"status": PresenceStatus.OFFLINE})
    return user
