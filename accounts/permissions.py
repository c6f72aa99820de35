"""Role and tenant checks for API views and pages, written once."""

from django.contrib.auth.mixins import LoginRequiredMixin
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .access import access_request_membership
from .middleware import use_organization_timezone
from .models import Role


class IsOrganizationStaff(BasePermission):
    """The URL's `slug` names an organization the user is active staff of.

    The view lists the roles allowed to read (`read_roles`, default: any staff role) and to
    write (`write_roles`, default: managers). Anything else is a 404, as for a missing one.
    The membership is left on `request.membership` for the view.
    """

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            # False, not a 404: DRF then answers 401 and asks for credentials.
            return False
        if request.method in SAFE_METHODS:
            roles = getattr(view, "read_roles", None)
        else:
            roles = getattr(view, "write_roles", (Role.MANAGER,))
        request.membership = access_request_membership(request, view.kwargs["slug"], roles)
        return True


class OrganizationStaffMixin(LoginRequiredMixin):
    """For pages under /o/<slug>/: the user must be active staff with one of `allowed_roles`."""

    allowed_roles: tuple[str, ...] | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.membership = access_request_membership(request, kwargs["slug"], self.allowed_roles)
        self.organization = self.membership.organization
        use_organization_timezone(request.user, self.organization)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["membership"] = self.membership
        context["organization"] = self.organization
        return context
