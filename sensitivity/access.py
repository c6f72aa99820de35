"""Who may read and write sensitivity data: the same 404 for missing and forbidden.

Codes are about a customer's feelings; a customer never sees them, and staff only where
their work needs it:
- the organization's receptionists and managers, for any customer it serves;
- a technician, for the customers of visits assigned to them (not cancelled) at that
  organization, and only with the technician's guidance;
- nobody else (agents, technicians for other customers, another organization's staff).
"""

from django.http import Http404

from accounts.access import Requester, access_membership, parse_id
from accounts.models import Membership, Role, User
from technicians.models import ServiceRequest, VisitStatus

from .models import Audience, ConfirmationCall, SensitivityCode

# Who reads every customer's codes at an organization and takes requests and calls.
CODE_ROLES = (Role.MANAGER, Role.RECEPTIONIST)
# Who may open the code table: to pick from it (and, for managers, to edit it).
TABLE_ROLES = (Role.MANAGER, Role.RECEPTIONIST, Role.TECHNICIAN)


def audience_of(membership: Membership) -> str:
    return Audience.TECHNICIAN if membership.role == Role.TECHNICIAN else Audience.RECEPTION


def technician_serves(technician_id: int, organization_id: int, customer_id: int) -> bool:
    """The technician has a visit for the customer at the organization (not cancelled)."""
    return (
        ServiceRequest.objects.filter(
            organization_id=organization_id,
            technician_id=technician_id,
            customer_id=customer_id,
        )
        .exclude(status=VisitStatus.CANCELLED)
        .exists()
    )


def may_read_codes(membership: Membership | None, customer_id: int) -> bool:
    """Whether this active membership may read this customer's codes."""
    if membership is None or not membership.is_active:
        return False
    if membership.role in CODE_ROLES:
        return True
    return membership.role == Role.TECHNICIAN and technician_serves(
        membership.user_id, membership.organization_id, customer_id
    )


def access_customer_codes(
    user: Requester, organization_slug: str, customer_id: object
) -> tuple[Membership, User]:
    """A customer whose codes the user may read at the organization, with the membership
    that allows it."""
    membership = access_membership(user, organization_slug, TABLE_ROLES)
    return membership, access_customer_for(membership, customer_id)


def access_customer_for(membership: Membership, customer_id: object) -> User:
    """A customer whose codes this membership may read."""
    customer = User.objects.filter(pk=parse_id(customer_id)).first()
    if customer is None or not may_read_codes(membership, customer.pk):
        raise Http404
    return customer


def access_code(organization_id: int, code_id: object) -> SensitivityCode:
    """One of the organization's codes (the view has checked the role)."""
    try:
        return SensitivityCode.objects.prefetch_related("knacks").get(
            pk=parse_id(code_id), organization_id=organization_id
        )
    except SensitivityCode.DoesNotExist:
        raise Http404 from None


def access_call(organization_id: int, call_id: object) -> ConfirmationCall:
    """One of the organization's confirmation calls (the view has checked the role)."""
    try:
        return ConfirmationCall.objects.select_related(
            "customer", "visit__product", "visit__technician", "visit__area"
        ).get(pk=parse_id(call_id), organization_id=organization_id)
    except ConfirmationCall.DoesNotExist:
        raise Http404 from None


def access_visit_for_codes(membership: Membership, visit_id: object) -> ServiceRequest:
    """A visit of the membership's organization that it may code: any for reception staff,
    the technician's own (not cancelled) for a technician."""
    visits = ServiceRequest.objects.filter(organization_id=membership.organization_id)
    if membership.role == Role.TECHNICIAN:
        visits = visits.filter(technician_id=membership.user_id).exclude(
            status=VisitStatus.CANCELLED
        )
    elif membership.role not in CODE_ROLES:
        raise Http404
    try:
        return visits.select_related("customer").get(pk=parse_id(visit_id))
    except ServiceRequest.DoesNotExist:
        raise Http404 from None
