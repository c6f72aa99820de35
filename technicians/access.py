"""Every visit id from a user comes through here: the same 404 for missing and forbidden."""

from django.http import Http404

from accounts.access import Requester, parse_id

from .models import ServiceRequest


def access_customer_visit(user: Requester, visit_id: object) -> ServiceRequest:
    """One of the customer's own visits."""
    if not user.is_authenticated:
        raise Http404
    visits = ServiceRequest.objects.select_related("organization", "technician")
    try:
        return visits.get(pk=parse_id(visit_id), customer=user)
    except ServiceRequest.DoesNotExist:
        raise Http404 from None
