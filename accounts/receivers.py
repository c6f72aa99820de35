"""What drops the accounts app's cached values when the rows behind them change."""

from csportal.caching import forget

from .backends import user_key
from .models import Membership
from .selectors import memberships_key


def forget_user(sender, instance, **kwargs) -> None:
    forget(user_key(instance.pk))


def forget_memberships(sender, instance, **kwargs) -> None:
    forget(memberships_key(instance.user_id))


def forget_organization_memberships(sender, instance, **kwargs) -> None:
    """A renamed organization (or a new slug or time zone) shows in its members' cached
    memberships."""
    for user_id in Membership.objects.filter(organization=instance).values_list(
        "user_id", flat=True
    ):
        forget(memberships_key(user_id))
