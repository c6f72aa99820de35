"""The sensitivity API: the organization's code table, a customer's assessments and current
codes, the confirmation calls. Every read of a customer's codes is logged (place `api`)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role, User
from accounts.permissions import IsOrganizationStaff
from tickets.models import Ticket

from .. import selectors, services
from ..access import (
    CODE_ROLES,
    TABLE_ROLES,
    access_call,
    access_code,
    access_customer_codes,
    access_customer_for,
    access_visit_for_codes,
    audience_of,
)
from ..models import Assessment, Audience, ConfirmationCall, Place, SensitivityCode
from . import serializers as s

MANAGER_ROLES = (Role.MANAGER,)
# The services name the picked codes after the pages' form field; the API's field is `codes`.
API_NAMES = {services.CODES_FIELD: "codes"}


def _service_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    """A service's refusal as a 400 naming the API's fields; guidance errors nest under
    `guidance` as its fields do."""
    if not hasattr(exc, "error_dict"):
        return serializers.ValidationError({"non_field_errors": exc.messages})
    fields: dict = {}
    for name, errors in exc.message_dict.items():
        if name.startswith("guidance_"):
            fields.setdefault("guidance", {})[name.removeprefix("guidance_")] = errors
        else:
            fields[API_NAMES.get(name, name)] = errors
    return serializers.ValidationError(fields)


def _codes_of(organization, picked: list[str]) -> list[SensitivityCode]:
    try:
        return services.codes_parse(organization, picked)
    except DjangoValidationError as exc:
        raise _service_errors(exc) from exc


def _audiences(membership) -> list[str]:
    """Reception staff read every audience's guidance; a technician only their own."""
    return Audience.values if membership.role in CODE_ROLES else [audience_of(membership)]


class _CodesMixin:
    def get_serializer_context(self):
        context = super().get_serializer_context()
        membership = getattr(self.request, "membership", None)
        if membership is not None:
            context["audiences"] = _audiences(membership)
        return context


class CodeListView(_CodesMixin, generics.ListAPIView):
    """The organization's code table with its guidance, in table order (its copy of the
    default table is made on first use). Managers add a code with POST."""

    permission_classes = [IsOrganizationStaff]
    read_roles = TABLE_ROLES
    write_roles = MANAGER_ROLES
    serializer_class = s.CodeSerializer
    filter_backends: list = []

    @extend_schema(parameters=[s.CodeListQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no membership
            return SensitivityCode.objects.none()
        query = s.CodeListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        organization = self.request.membership.organization
        services.table_for(organization)
        codes = selectors.table(organization.pk)
        if query.validated_data.get("active"):
            codes = codes.filter(is_active=True)
        return codes

    @extend_schema(request=s.CodeInputSerializer, responses={201: s.CodeSerializer})
    def post(self, request, slug):
        data = s.CodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        code = _code_save(request, None, dict(data.validated_data))
        return Response(self._render(code), status=status.HTTP_201_CREATED)

    def _render(self, code: SensitivityCode) -> dict:
        return s.CodeSerializer(
            selectors.table(code.organization_id).get(pk=code.pk),
            context=self.get_serializer_context(),
        ).data


def _code_save(request, code: SensitivityCode | None, data: dict) -> SensitivityCode:
    """Save through services.code_save; on a change, what the body leaves out keeps its
    stored value."""
    stored: dict = {"description": "", "guidance": {}, "is_active": True}
    if code is not None:
        stored = {
            "category": code.category,
            "code": code.code,
            "label": code.label,
            "description": code.description,
            "guidance": {knack.audience: knack.text for knack in code.knacks.all()},
            "is_active": code.is_active,
        }
    guidance = {**stored["guidance"], **data.pop("guidance", {})}
    merged = {**stored, **data}
    try:
        return services.code_save(
            organization=request.membership.organization,
            by=request.user,
            code=code,
            category=merged["category"],
            code_text=merged["code"],
            label=merged["label"],
            description=merged["description"],
            guidance=guidance,
            is_active=merged["is_active"],
        )
    except DjangoValidationError as exc:
        raise _service_errors(exc) from exc


class CodeDetailView(_CodesMixin, APIView):
    """One code of the table; managers change it with PATCH (retire it with
    `is_active: false`: a code is never deleted)."""

    permission_classes = [IsOrganizationStaff]
    read_roles = TABLE_ROLES
    write_roles = MANAGER_ROLES

    def get_serializer_context(self):
        return {"request": self.request, "audiences": _audiences(self.request.membership)}

    def _render(self, code: SensitivityCode) -> Response:
        code = selectors.table(code.organization_id).get(pk=code.pk)
        return Response(s.CodeSerializer(code, context=self.get_serializer_context()).data)

    @extend_schema(responses=s.CodeSerializer)
    def get(self, request, slug, pk):
        return self._render(access_code(request.membership.organization_id, pk))

    @extend_schema(request=s.CodeInputSerializer, responses=s.CodeSerializer)
    def patch(self, request, slug, pk):
        code = access_code(request.membership.organization_id, pk)
        data = s.CodeInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return self._render(_code_save(request, code, dict(data.validated_data)))


class AssessmentListView(generics.ListAPIView):
    """A customer's assessments at the organization, newest first, for whoever may read their
    codes: its managers and receptionists, and the technician of a visit of theirs. POST
    records one: reception staff at intake or after the confirmation call, the visit's
    technician (stage `visit`, with the visit) once they have met the customer."""

    permission_classes = [IsOrganizationStaff]
    read_roles = TABLE_ROLES
    write_roles = TABLE_ROLES
    serializer_class = s.AssessmentSerializer
    filter_backends: list = []

    @extend_schema(parameters=[s.AssessmentQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no membership
            return Assessment.objects.none()
        query = s.AssessmentQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        membership, customer = access_customer_codes(
            self.request.user, self.kwargs["slug"], query.validated_data["customer"]
        )
        services.reads_log(
            reader=self.request.user,
            organization_id=membership.organization_id,
            customer_ids=[customer.pk],
            place=Place.API,
        )
        return selectors.history(membership.organization_id, customer.pk)

    @extend_schema(request=s.AssessmentInputSerializer, responses={201: s.AssessmentSerializer})
    def post(self, request, slug):
        membership = request.membership
        organization = membership.organization
        data = s.AssessmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        customer = _customer(membership, fields["customer"])
        visit = _visit(membership, fields.get("visit"))
        ticket = _ticket(organization, fields.get("ticket"))
        codes = _codes_of(organization, fields["codes"])
        try:
            assessment = services.assessment_record(
                organization=organization,
                customer=customer,
                codes=codes,
                stage=fields["stage"],
                by=request.user,
                visit=visit,
                ticket=ticket,
                note=fields.get("note", ""),
            )
        except DjangoValidationError as exc:
            raise _service_errors(exc) from exc
        assessment = selectors.history(organization.pk, customer.pk).get(pk=assessment.pk)
        return Response(s.AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)


def _customer(membership, customer_id: int) -> User:
    """A customer whose codes the caller may record: the same 400 for one missing and one
    whose codes they may not touch."""
    try:
        return access_customer_for(membership, customer_id)
    except Http404:
        raise serializers.ValidationError(
            {"customer": [_("No customer whose codes you may record here has this id.")]}
        ) from None


def _visit(membership, visit_id: int | None):
    if visit_id is None:
        return None
    try:
        return access_visit_for_codes(membership, visit_id)
    except Http404:
        raise serializers.ValidationError(
            {"visit": [_("No visit you may code here has this id.")]}
        ) from None


def _ticket(organization, ticket_id: int | None) -> Ticket | None:
    if ticket_id is None:
        return None
    ticket = Ticket.objects.filter(pk=ticket_id, organization=organization).first()
    if ticket is None:
        raise serializers.ValidationError({"ticket": [_("No ticket here has this id.")]})
    return ticket


class DispositionView(APIView):
    """A customer's current codes with the guidance for the caller: reception's for managers
    and receptionists, the technician's for the technician of a visit of theirs."""

    permission_classes = [IsOrganizationStaff]
    read_roles = TABLE_ROLES

    @extend_schema(responses=s.DispositionSerializer)
    def get(self, request, slug, pk):
        membership, customer = access_customer_codes(request.user, slug, pk)
        audience = audience_of(membership)
        disposition = services.disposition_read(
            reader=request.user,
            organization_id=membership.organization_id,
            customer_id=customer.pk,
            audience=audience,
            place=Place.API,
        )
        return Response(
            s.DispositionSerializer(
                {
                    "customer_id": customer.pk,
                    "audience": audience,
                    "category": disposition.category,
                    "stage": disposition.stage,
                    "assessed_at": disposition.assessed_at,
                    "codes": disposition.codes,
                }
            ).data
        )


def _calls_response(request, calls) -> list:
    """The calls with each customer's current codes and the confirmation call's guidance
    (a fixed number of queries), logged as read."""
    organization_id = request.membership.organization_id
    customer_ids = [call.customer_id for call in calls]
    dispositions = services.dispositions_read(
        reader=request.user,
        organization_id=organization_id,
        customer_ids=customer_ids,
        audience=Audience.CONFIRMATION,
        place=Place.API,
    )
    return s.CallSerializer(calls, many=True, context={"dispositions": dispositions}).data


class CallListView(generics.ListAPIView):
    """The confirmation calls still to make, oldest visit first, each with the visit's result
    and the customer's current codes with the confirmation call's guidance."""

    permission_classes = [IsOrganizationStaff]
    read_roles = CODE_ROLES
    serializer_class = s.CallSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no membership
            return ConfirmationCall.objects.none()
        return selectors.pending_calls(self.request.membership.organization_id)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(_calls_response(request, page))


class CallRecordView(APIView):
    """Record how a confirmation call went, with the customer's final codes: dissatisfied
    needs its reason; a further request (its `reason`) becomes a new visit request."""

    permission_classes = [IsOrganizationStaff]
    write_roles = CODE_ROLES

    @extend_schema(request=s.CallInputSerializer, responses=s.CallSerializer)
    def post(self, request, slug, pk):
        organization = request.membership.organization
        call = access_call(organization.pk, pk)
        data = s.CallInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        codes = _codes_of(organization, fields["codes"])
        try:
            call = services.call_record(
                call=call,
                by=request.user,
                outcome=fields["outcome"],
                codes=codes,
                reason=fields.get("reason", ""),
                note=fields.get("note", ""),
            )
        except DjangoValidationError as exc:
            raise _service_errors(exc) from exc
        return Response(_calls_response(request, [access_call(organization.pk, call.pk)])[0])
