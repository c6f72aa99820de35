import zoneinfo
from datetime import timedelta

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organization, Role, User
from accounts.permissions import IsOrganizationStaff
from accounts.selectors import active_user_by_email
from tickets.models import Ticket

from .. import availability, selectors, services
from ..access import (
    VISIT_ROLES,
    VisitRole,
    access_own_profile,
    access_time_off,
    access_visit,
)
from ..models import ServiceRequest, VisitPhoto
from ..services import SlotTaken
from . import serializers as s

VISIT_DETAIL = PolymorphicProxySerializer(
    component_name="VisitDetail",
    serializers=[s.VisitSerializer, s.WorkerVisitSerializer],
    resource_type_field_name=None,
)
SLOT_TAKEN = OpenApiResponse(
    s.SlotTakenSerializer,
    description="The technician isn't free then (anymore): who is, or the nearest free times.",
)
NO_SUCH_ORGANIZATION = _("No organization has this slug.")


def _photos_prefetch() -> Prefetch:
    return Prefetch("photos", queryset=VisitPhoto.objects.order_by("created_at", "pk"))


def _organization(slug: str | None) -> Organization:
    """The organization a customer names, or a 400 naming `organization`."""
    organization = Organization.objects.filter(slug=slug or "").first()
    if organization is None:
        raise serializers.ValidationError({"organization": [NO_SUCH_ORGANIZATION]})
    return organization


def _valid_in_zone(serializer, organization: Organization) -> dict:
    """Validated, with times given without an offset read in the organization's zone."""
    with timezone.override(zoneinfo.ZoneInfo(organization.timezone)):
        serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _end(data: dict, organization: Organization):
    if data.get("end"):
        return data["end"]
    minutes = selectors.visit_settings(organization).visit_minutes
    return data["start"] + timedelta(minutes=minutes)


def _slot_taken(error: SlotTaken) -> Response:
    body = {
        "code": "slot_taken",
        "detail": str(error),
        "availability": s.AvailabilitySerializer(error.availability).data,
    }
    return Response(body, status=status.HTTP_409_CONFLICT)


def _render(visit: ServiceRequest, role: str) -> dict:
    serializer = s.VisitSerializer if role == VisitRole.CUSTOMER else s.WorkerVisitSerializer
    return serializer(visit).data


def _reread(visit: ServiceRequest) -> ServiceRequest:
    """The visit as the API shows it, after a service changed it."""
    return (
        selectors.organization_visits(visit.organization)
        .prefetch_related(_photos_prefetch())
        .get(pk=visit.pk)
    )


def _technician(user_id: int) -> User:
    """Any user id: the availability check refuses one who isn't a bookable technician."""
    technician = User.objects.filter(pk=user_id).first()
    if technician is None:
        raise serializers.ValidationError({"technician": [_("Choose a technician it offers.")]})
    return technician


def _ticket(ticket_id: int | None) -> Ticket | None:
    if ticket_id is None:
        return None
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        raise serializers.ValidationError(
            {"ticket": [_("Choose one of your tickets with this provider.")]}
        )
    return ticket


class AvailabilityView(APIView):
    """Who can come: the organization's technicians covering the postal code's area, with
    the product line's skill and free for the wished time, lightest day first then best
    rated; when none is, the nearest free times before and after (`before`, `after`)."""

    @extend_schema(parameters=[s.AvailabilityQuerySerializer], responses=s.AvailabilitySerializer)
    def get(self, request):
        organization = _organization(request.query_params.get("organization"))
        data = _valid_in_zone(
            s.AvailabilityQuerySerializer(data=request.query_params), organization
        )
        result = availability.search(
            organization,
            data["postal_code"],
            data["skill"],
            data["start"],
            _end(data, organization),
            now=timezone.now(),
        )
        return Response(s.AvailabilitySerializer(result).data)


def _book(request, data: dict, organization: Organization, customer: User) -> Response:
    try:
        visit = services.visit_book(
            organization=organization,
            customer=customer,
            technician=_technician(data["technician"]),
            skill=data["skill"],
            postal_code=data["postal_code"],
            address=data["address"],
            symptoms=data["symptoms"],
            customer_notes=data.get("customer_notes", ""),
            start=data["start"],
            end=_end(data, organization),
            ticket=_ticket(data.get("ticket")),
            by=request.user,
        )
    except SlotTaken as error:
        return _slot_taken(error)
    role = VisitRole.CUSTOMER if customer.pk == request.user.pk else VisitRole.STAFF
    return Response(_render(_reread(visit), role), status=status.HTTP_201_CREATED)


class VisitListView(generics.ListAPIView):
    """Your visits as a customer, newest first; POST books a technician the availability
    search offered (409 with the alternatives when they were taken meanwhile)."""

    serializer_class = s.VisitSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ServiceRequest.objects.none()
        return selectors.customer_visits(self.request.user).prefetch_related(_photos_prefetch())

    @extend_schema(request=s.BookingSerializer, responses={201: s.VisitSerializer, 409: SLOT_TAKEN})
    def post(self, request):
        slug = request.data.get("organization") if isinstance(request.data, dict) else None
        organization = _organization(slug)
        data = _valid_in_zone(s.BookingSerializer(data=request.data), organization)
        return _book(request, data, organization, request.user)


class OrganizationVisitListView(generics.ListAPIView):
    """The organization's visits in time order: all of them for its managers and
    receptionists, their own for a technician. POST: the desk books for a caller."""

    permission_classes = [IsOrganizationStaff]
    read_roles = (*VISIT_ROLES, Role.TECHNICIAN)
    write_roles = VISIT_ROLES
    serializer_class = s.WorkerVisitSerializer
    filter_backends: list = []

    @extend_schema(parameters=[s.VisitListQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no membership
            return ServiceRequest.objects.none()
        query = s.VisitListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        membership = self.request.membership
        visits = selectors.organization_visits(
            membership.organization,
            technician=self.request.user if membership.role == Role.TECHNICIAN else None,
            technician_id=filters.get("technician"),
            since=filters.get("since"),
            until=filters.get("until"),
            status=filters.get("status"),
            area_id=filters.get("area"),
            branch_office_id=filters.get("branch_office"),
        )
        return visits.prefetch_related(_photos_prefetch())

    @extend_schema(
        request=s.CallerBookingSerializer,
        responses={201: s.WorkerVisitSerializer, 409: SLOT_TAKEN},
    )
    def post(self, request, slug):
        organization = request.membership.organization
        data = _valid_in_zone(s.CallerBookingSerializer(data=request.data), organization)
        customer = active_user_by_email(data["customer"])
        if customer is None:
            raise serializers.ValidationError(
                {"customer": [_("No customer has an account with this email.")]}
            )
        return _book(request, data, organization, customer)


class VisitDetailView(APIView):
    """One visit: for its customer, its technician, or its organization's visit staff (who
    also see the customer's name and phone)."""

    @extend_schema(responses=VISIT_DETAIL)
    def get(self, request, pk):
        visit, role = access_visit(request.user, pk)
        return Response(_render(_reread(visit), role))


class _VisitActionView(APIView):
    """Validate one small body, check the caller's part in the visit, call one service."""

    input_serializer: type
    roles: tuple[str, ...]

    def post(self, request, pk):
        visit, role = access_visit(request.user, pk)
        if role not in self.roles:
            raise PermissionDenied
        data = _valid_in_zone(self.input_serializer(data=request.data), visit.organization)
        try:
            visit = self.act(visit, request.user, data)
        except SlotTaken as error:
            return _slot_taken(error)
        return Response(_render(_reread(visit), role))

    def act(self, visit: ServiceRequest, user: User, data: dict) -> ServiceRequest:
        raise NotImplementedError


@extend_schema(request=s.RescheduleSerializer, responses={200: VISIT_DETAIL, 409: SLOT_TAKEN})
class VisitRescheduleView(_VisitActionView):
    """Move a booked visit: its customer up to the organization's cut-off before it starts,
    its visit staff at any time; optionally to another `technician` the search offers."""

    input_serializer = s.RescheduleSerializer
    roles = (VisitRole.CUSTOMER, VisitRole.STAFF)

    def act(self, visit, user, data):
        technician = _technician(data["technician"]) if data.get("technician") else None
        return services.visit_reschedule(
            visit=visit,
            start=data["start"],
            end=_end(data, visit.organization),
            technician=technician,
            by=user,
        )


class _EmptyBody(serializers.Serializer):
    pass


@extend_schema(request=None, responses=VISIT_DETAIL)
class VisitCancelView(_VisitActionView):
    """Call off a visit that has not begun: its customer up to the cut-off, its visit staff
    at any time."""

    input_serializer = _EmptyBody
    roles = (VisitRole.CUSTOMER, VisitRole.STAFF)

    def act(self, visit, user, data):
        return services.visit_cancel(visit=visit, by=user)


@extend_schema(request=s.StepSerializer, responses=s.WorkerVisitSerializer)
class VisitStepView(_VisitActionView):
    """The visit's technician: on the way, arrived, working."""

    input_serializer = s.StepSerializer
    roles = (VisitRole.TECHNICIAN,)

    def act(self, visit, user, data):
        return services.visit_step(visit=visit, step=data["step"], by=user)


@extend_schema(request=s.CompleteSerializer, responses=s.WorkerVisitSerializer)
class VisitCompleteView(_VisitActionView):
    """The visit's technician reports the work done, with optional photos (multipart)."""

    input_serializer = s.CompleteSerializer
    roles = (VisitRole.TECHNICIAN,)

    def act(self, visit, user, data):
        return services.visit_complete(visit=visit, by=user, **data)


class VisitPhotoView(APIView):
    """The visit's technician adds a photo (multipart `photo`), once arrived."""

    @extend_schema(request=s.PhotoSerializer, responses={201: s.VisitPhotoSerializer})
    def post(self, request, pk):
        visit, role = access_visit(request.user, pk)
        if role != VisitRole.TECHNICIAN:
            raise PermissionDenied
        data = s.PhotoSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.visit_photo_add(
            visit=visit, by=request.user, upload=data.validated_data["photo"]
        )
        return Response(s.VisitPhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


class MyWorkingHoursView(APIView):
    """Your working week as a technician of the organization, in its time zone; PUT
    replaces it whole."""

    @extend_schema(responses=s.WorkingHoursSerializer(many=True))
    def get(self, request, slug):
        profile = access_own_profile(request.user, slug)
        hours = selectors.working_hours_of(profile)
        return Response(s.WorkingHoursSerializer(hours, many=True).data)

    @extend_schema(request=s.WeekSerializer, responses=s.WorkingHoursSerializer(many=True))
    def put(self, request, slug):
        profile = access_own_profile(request.user, slug)
        data = s.WeekSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hours = services.working_hours_set(
            profile=profile,
            hours=[(h["weekday"], h["start"], h["end"]) for h in data.validated_data["hours"]],
            by=request.user,
        )
        return Response(s.WorkingHoursSerializer(hours, many=True).data)


class MyTimeOffView(APIView):
    """Your time off as a technician of the organization that isn't over yet; POST adds
    some (not over booked visits: the desk moves those first)."""

    @extend_schema(responses=s.TimeOffSerializer(many=True))
    def get(self, request, slug):
        profile = access_own_profile(request.user, slug)
        time_off = selectors.upcoming_time_off(profile, now=timezone.now())
        return Response(s.TimeOffSerializer(time_off, many=True).data)

    @extend_schema(request=s.TimeOffInputSerializer, responses={201: s.TimeOffSerializer})
    def post(self, request, slug):
        profile = access_own_profile(request.user, slug)
        data = _valid_in_zone(s.TimeOffInputSerializer(data=request.data), profile.organization)
        time_off = services.time_off_add(profile=profile, by=request.user, **data)
        return Response(s.TimeOffSerializer(time_off).data, status=status.HTTP_201_CREATED)


class MyTimeOffDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, slug, pk):
        """Take back one of your stretches of time off."""
        time_off = access_time_off(request.user, slug, pk)
        services.time_off_remove(time_off=time_off, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
