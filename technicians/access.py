"""Every visit id from a user comes through here: the same 404 for missing and forbidden."""

from django.http import Http404

from .models import ServiceRequest


def access_customer_visit(user, visit_id) -> ServiceRequest:
    """One of the customer's own visits."""
    if not user.is_authenticated:
        raise Http404
    visits = ServiceRequest.objects.select_related("organization", "technician")
    try:
        return visits.get(pk=int(visit_id), customer=user)
    except (ServiceRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
