"""Every visit, photo and technician id from a user comes through here: the same 404 for
missing and forbidden.

Who sees a visit: its customer, its technician, and its organization's visit staff
(managers and receptionists). Another technician of the same organization does not: a
technician sees only their own visits and their customers.
"""

from enum import StrEnum

from django.http import Http404

from accounts.access import Requester, access_membership, parse_id
from accounts.models import Membership, Organization, Role

from .models import ServiceArea, ServiceRequest, TechnicianProfile, TimeOff, VisitPhoto

# Who sees and arranges every visit of an organization: books for callers, moves and
# cancels at any time; also the visits' live audience (technicians.apps).
VISIT_ROLES = (Role.MANAGER, Role.RECEPTIONIST)


class VisitRole(StrEnum):
    CUSTOMER = "customer"
    TECHNICIAN = "technician"
    STAFF = "staff"


def _staff_organizations(user: Requester) -> list[int]:
    return list(
        Membership.objects.active()
        .filter(user=user, role__in=VISIT_ROLES)
        .values_list("organization_id", flat=True)
    )


def visit_role(user: Requester, visit: ServiceRequest) -> VisitRole | None:
    """How `user` sees `visit`: as its customer, its technician or its organization's visit
    staff; None when they may not see it. Staff first, then technician, then customer."""
    if not user.is_authenticated:
        return None
    if visit.organization_id in _staff_organizations(user):
        return VisitRole.STAFF
    if (
        visit.technician_id == user.pk
        and Membership.objects.active()
        .filter(user=user, organization_id=visit.organization_id, role=Role.TECHNICIAN)
        .exists()
    ):
        return VisitRole.TECHNICIAN
    if visit.customer_id == user.pk:
        return VisitRole.CUSTOMER
    return None


def access_visit(user: Requester, visit_id: object) -> tuple[ServiceRequest, VisitRole]:
    """A visit the user may see, and as whom."""
    if not user.is_authenticated:
        raise Http404
    try:
        visit = ServiceRequest.objects.select_related(
            "organization", "customer", "technician", "product", "area__branch_office"
        ).get(pk=parse_id(visit_id))
    except ServiceRequest.DoesNotExist:
        raise Http404 from None
    role = visit_role(user, visit)
    if role is None:
        raise Http404
    return visit, role


def access_customer_visit(user: Requester, visit_id: object) -> ServiceRequest:
    """One of the customer's own visits."""
    if not user.is_authenticated:
        raise Http404
    visits = ServiceRequest.objects.select_related("organization", "technician")
    try:
        return visits.get(pk=parse_id(visit_id), customer=user)
    except ServiceRequest.DoesNotExist:
        raise Http404 from None


def access_visit_photo(user: Requester, token: str) -> VisitPhoto:
    """A photo of a visit the user may see."""
    if not user.is_authenticated or not isinstance(token, str):
        raise Http404
    try:
        photo = VisitPhoto.objects.select_related("visit").get(token=token)
    except VisitPhoto.DoesNotExist:
        raise Http404 from None
    if visit_role(user, photo.visit) is None:
        raise Http404
    return photo


def access_own_profile(user: Requester, organization_slug: str) -> TechnicianProfile:
    """The technician's own profile at the organization (made when a manager set it up)."""
    membership = access_membership(user, organization_slug, (Role.TECHNICIAN,))
    try:
        profile = TechnicianProfile.objects.get(membership=membership)
    except TechnicianProfile.DoesNotExist:
        raise Http404 from None
    profile.membership = membership
    profile.organization = membership.organization
    return profile


def access_profile(
    user: Requester, organization_slug: str, profile_id: object
) -> TechnicianProfile:
    """A technician's profile, for a manager of their organization."""
    membership = access_membership(user, organization_slug, (Role.MANAGER,))
    try:
        return TechnicianProfile.objects.select_related("membership__user").get(
            pk=parse_id(profile_id), organization_id=membership.organization_id
        )
    except TechnicianProfile.DoesNotExist:
        raise Http404 from None


def access_organization_visit(organization_id: int, visit_id: object) -> ServiceRequest:
    """A visit of the organization, for its visit staff (the view has checked their role)."""
    try:
        return ServiceRequest.objects.select_related("customer", "product", "area").get(
            pk=parse_id(visit_id), organization_id=organization_id
        )
    except ServiceRequest.DoesNotExist:
        raise Http404 from None


def access_technician_membership(organization_id: int, membership_id: object) -> Membership:
    """An active technician membership of the organization, for its managers' pages (a
    technician may have no profile yet: saving it makes one)."""
    try:
        return Membership.objects.select_related("user", "organization").get(
            pk=parse_id(membership_id),
            organization_id=organization_id,
            role=Role.TECHNICIAN,
            is_active=True,
        )
    except Membership.DoesNotExist:
        raise Http404 from None


def access_profile_photo(user: Requester, profile_id: object) -> TechnicianProfile:
    """A technician's photo: shown to anybody signed in, as the search shows the technician
    to any customer; only an active technician's."""
    if not user.is_authenticated:
        raise Http404
    try:
        profile = TechnicianProfile.objects.get(
            pk=parse_id(profile_id),
            membership__is_active=True,
            membership__role=Role.TECHNICIAN,
        )
    except TechnicianProfile.DoesNotExist:
        raise Http404 from None
    if not profile.photo:
        raise Http404
    return profile


def access_time_off(user: Requester, organization_slug: str, time_off_id: object) -> TimeOff:
    """One of the technician's own stretches of time off."""
    profile = access_own_profile(user, organization_slug)
    try:
        time_off = TimeOff.objects.get(pk=parse_id(time_off_id), technician=profile)
    except TimeOff.DoesNotExist:
        raise Http404 from None
    time_off.technician = profile
    return time_off


def access_visit_provider(organization_slug: str) -> Organization:
    """An organization a customer can ask for a visit: one with service areas. Providers
    are public; one without areas is as missing as one that doesn't exist."""
    organization = Organization.objects.filter(slug=organization_slug).first()
    if organization is None or not ServiceArea.objects.filter(organization=organization).exists():
        raise Http404
    return organization
