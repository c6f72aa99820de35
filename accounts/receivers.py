"""What drops the accounts app's cached values when the rows behind them change."""

from csportal.caching import forget

from .models import Membership
from .selectors import assignable_key, memberships_key


def forget_user(sender, instance, **kwargs) -> None:
    # Their name in their organizations' lists of whom work can be given to.
    for organization_id in Membership.objects.filter(user_id=instance.pk).values_list(
        "organization_id", flat=True
    ):
        forget(assignable_key(organization_id))


def forget_memberships(sender, instance, **kwargs) -> None:
    forget(memberships_key(instance.user_id))
    forget(assignable_key(instance.organization_id))


def forget_organization_memberships(sender, instance, **kwargs) -> None:
    """A renamed organization (or a new slug or time zone) shows in its members' cached
    memberships."""
    for user_id in Membership.objects.filter(organization=instance).values_list(
        "user_id", flat=True
    ):
        forget(memberships_key(user_id))
