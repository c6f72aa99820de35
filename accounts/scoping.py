"""The tenant scope, written once: every organization-owned queryset filters through it."""

from collections.abc import Iterable

from django.db import models


class OrganizationScopedQuerySet(models.QuerySet):
    """For models with an `organization` foreign key."""

    organization_field = "organization"

    def for_staff(self, user, roles: Iterable[str] | None = None):
        """Rows of organizations where `user` is active staff (with one of `roles`)."""
        if not user.is_authenticated:
            return self.none()
        memberships = user.memberships.filter(is_active=True)
        if roles is not None:
            memberships = memberships.filter(role__in=list(roles))
        return self.filter(
            **{f"{self.organization_field}__in": memberships.values("organization_id")}
        )
