from collections.abc import Callable

from django.core.cache import cache
from django.http import Http404
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import access_membership
from accounts.permissions import IsOrganizationStaff

from .. import cache as ticket_cache
from .. import selectors, services
from ..access import STAFF_ROLES, access_ticket
from ..cache import INBOX_SECONDS
from ..models import Channel, Ticket, UpdateKind
from . import serializers as s
from .filters import CustomerTicketFilter

TICKET_DETAIL = PolymorphicProxySerializer(
    component_name="TicketDetail",
    serializers=[s.CustomerTicketSerializer, s.StaffTicketSerializer],
    resource_type_field_name=None,
)
UPDATE_CREATE = PolymorphicProxySerializer(
    component_name="TicketUpdateCreate",
    serializers=[s.CustomerUpdateCreateSerializer, s.StaffUpdateCreateSerializer],
    resource_type_field_name=None,
)


def _require_role(user, ticket: Ticket, roles) -> None:
    """403 for someone who may see the ticket but not do this to it: its customer, or staff
    in another role. Whoever may not see it at all got a 404 from access_ticket already."""
    try:
        access_membership(user, ticket.organization.slug, roles)
    except Http404:
        raise PermissionDenied from None


def _ticket_for_staff(request, pk) -> Ticket:
    """A ticket the user works on as an agent or manager of its organization."""
    ticket, _as_staff = access_ticket(request.user, pk)
    _require_role(request.user, ticket, services.WORKING_ROLES)
    return ticket


def _staff_response(ticket: Ticket) -> Response:
    return Response(s.StaffTicketSerializer(ticket).data)


class TicketListView(generics.ListAPIView):
    """Your tickets as a customer, newest activity first; POST opens one."""

    serializer_class = s.CustomerTicketListSerializer
    filterset_class = CustomerTicketFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Ticket.objects.none()
        return selectors.tickets_for_customer(self.request.user)

    @extend_schema(request=s.TicketOpenSerializer, responses={201: s.CustomerTicketSerializer})
    def post(self, request):
        data = s.TicketOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_open(
            customer=request.user, channel=Channel.API, **data.validated_data
        )
        return Response(s.CustomerTicketSerializer(ticket).data, status=status.HTTP_201_CREATED)


class CachedPagesMixin:
    """A list endpoint whose pages are cached whole under `page_key(request)`, which names
    everything a page shows; the address in it is absolute because the pager's links are."""

    page_seconds: int

    def page_key(self, request) -> str:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        key = self.page_key(request)
        listed = super().list  # bound here: a lambda can't call super() with no arguments
        return Response(
            cache.get_or_set(key, lambda: listed(request, *args, **kwargs).data, self.page_seconds)
        )


class OrganizationTicketListView(CachedPagesMixin, generics.ListAPIView):
    """An organization's tickets for its staff: `mine`, the unassigned `queue`, or `all`."""

    permission_classes = [IsOrganizationStaff]
    read_roles = STAFF_ROLES
    serializer_class = s.StaffTicketListSerializer
    filter_backends: list = []  # the selector filters, from InboxQuerySerializer

    @extend_schema(parameters=[s.InboxQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    page_seconds = INBOX_SECONDS

    def page_key(self, request) -> str:
        # Cached like the inbox page (tickets/cache.py).
        return ticket_cache.inbox_page_key(
            request.membership.organization_id, request.user.pk, request.build_absolute_uri()
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no membership
            return Ticket.objects.none()
        query = s.InboxQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.tickets_for_staff(
            self.request.membership.organization, user=self.request.user, **query.validated_data
        )


class TicketDetailView(APIView):
    """One ticket; its organization's staff also see the service levels."""

    @extend_schema(responses=TICKET_DETAIL)
    def get(self, request, pk):
        ticket, as_staff = access_ticket(request.user, pk)
        serializer = s.StaffTicketSerializer if as_staff else s.CustomerTicketSerializer
        return Response(serializer(ticket).data)


class TicketUpdateListView(CachedPagesMixin, generics.ListAPIView):
    """The ticket's timeline, oldest first; the customer sees only what is public.

    POST adds to it: the customer writes a follow-up (which reopens a resolved ticket);
    staff write a `progress` note to the customer or an `internal` note for colleagues.
    """

    serializer_class = s.TicketUpdateSerializer
    filter_backends: list = []

    page_seconds = ticket_cache.TIMELINE_SECONDS

    def page_key(self, request) -> str:
        # Read far more often than written (the customer and every agent on the ticket), and
        # cached like the page's timeline: every entry moves the ticket's updated_at, which
        # the key holds. Access is checked here, before any cached page is served.
        self.ticket, self.as_staff = access_ticket(request.user, self.kwargs["pk"])
        return ticket_cache.timeline_page_key(
            self.ticket, staff=self.as_staff, address=request.build_absolute_uri()
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Ticket.objects.none()
        return selectors.ticket_timeline(self.ticket, public_only=not self.as_staff)

    @extend_schema(request=UPDATE_CREATE, responses={201: s.TicketUpdateSerializer})
    def post(self, request, pk):
        ticket, as_staff = access_ticket(request.user, pk)
        if not as_staff:
            data = s.CustomerUpdateCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            update = services.ticket_follow_up(
                ticket=ticket, customer=request.user, **data.validated_data
            )
        else:
            data = s.StaffUpdateCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
            if fields.pop("kind") == UpdateKind.PROGRESS:
                _require_role(request.user, ticket, services.WORKING_ROLES)
                update = services.ticket_add_progress(ticket=ticket, author=request.user, **fields)
            else:
                update = services.ticket_add_internal_note(
                    ticket=ticket, author=request.user, **fields
                )
        return Response(s.TicketUpdateSerializer(update).data, status=status.HTTP_201_CREATED)


class TicketTakeView(APIView):
    """Assign the ticket to yourself."""

    @extend_schema(request=None, responses=s.StaffTicketSerializer)
    def post(self, request, pk):
        ticket = _ticket_for_staff(request, pk)
        return _staff_response(services.ticket_take(ticket=ticket, agent=request.user))


class _TicketChangeView(APIView):
    """A staff action that validates one small body and calls one service with it."""

    input_serializer: type
    service: Callable[..., Ticket]

    def post(self, request, pk):
        ticket = _ticket_for_staff(request, pk)
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _staff_response(self.service(ticket=ticket, by=request.user, **data.validated_data))


@extend_schema(request=s.AssignSerializer, responses=s.StaffTicketSerializer)
class TicketAssignView(_TicketChangeView):
    """Give the ticket to an agent or manager of its organization, or `null` for the queue."""

    input_serializer = s.AssignSerializer
    service = staticmethod(services.ticket_assign)


@extend_schema(request=s.StatusSerializer, responses=s.StaffTicketSerializer)
class TicketStatusView(_TicketChangeView):
    """Move the ticket along its status map. Resolving needs a result: use `resolve/`."""

    input_serializer = s.StatusSerializer
    service = staticmethod(services.ticket_change_status)


@extend_schema(request=s.PrioritySerializer, responses=s.StaffTicketSerializer)
class TicketPriorityView(_TicketChangeView):
    """Set the priority; the due times follow the organization's policy for it."""

    input_serializer = s.PrioritySerializer
    service = staticmethod(services.ticket_change_priority)


@extend_schema(request=s.ResolveSerializer, responses=s.StaffTicketSerializer)
class TicketResolveView(_TicketChangeView):
    """Record the result and resolve the ticket; the customer gets the result at once."""

    input_serializer = s.ResolveSerializer
    service = staticmethod(services.ticket_resolve)


class TicketStatusRequestView(APIView):
    """As the ticket's customer, ask where things stand: the answer is the returned entry,
    and the assignee is nudged."""

    @extend_schema(request=None, responses={201: s.TicketUpdateSerializer})
    def post(self, request, pk):
        ticket, _as_staff = access_ticket(request.user, pk)
        if ticket.customer_id != request.user.pk:
            raise PermissionDenied
        update = services.ticket_request_status(ticket=ticket, customer=request.user)
        return Response(s.TicketUpdateSerializer(update).data, status=status.HTTP_201_CREATED)
