"""Writes: the organization's code table, assessments, confirmation calls, the access log.

Hooked into technicians through its registries (sensitivity.apps): the desk step records the
intake codes picked while booking, the report step the technician's re-code, and a finished
visit opens its confirmation call. Nothing below technicians imports this app.
"""

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, Role, User
from csportal.realtime import org_audience_group, publish
from technicians import services as visit_services
from technicians.models import ServiceRequest, VisitStatus
from tickets.models import Ticket

from . import defaults, selectors
from .access import CODE_ROLES
from .models import (
    CODE_MAX,
    DESCRIPTION_MAX,
    KNACK_MAX,
    LABEL_MAX,
    NOTE_MAX,
    REASON_MAX,
    Assessment,
    Audience,
    CallOutcome,
    CallStatus,
    Category,
    CodeRead,
    ConfirmationCall,
    Knack,
    SensitivityCode,
    Stage,
)

# The live audience of sensitivity events: who reads every customer's codes.
SENSITIVITY_AUDIENCE = "sensitivity"
# The form and API field that carries picked codes, as typed ("N2, E1") or as ids; a
# picker's typed codes, its note, and its marker that the re-code was asked for.
CODES_FIELD = "sensitivity_codes"
TYPED_FIELD = f"{CODES_FIELD}_typed"
SHOWN_FIELD = f"{CODES_FIELD}_shown"
NOTE_FIELD = "sensitivity_note"
SEPARATORS = re.compile(r"[\s,;]+")
CODE_PATTERN = re.compile(rf"^[A-Za-z0-9-]{{1,{CODE_MAX}}}$")


def _role(by: User, organization_id: int) -> str | None:
    return (
        Membership.objects.active()
        .filter(user=by, organization_id=organization_id)
        .values_list("role", flat=True)
        .first()
    )


def _publish(organization_id: int, what: str, customer_id: int | None = None) -> None:
    """Only ids: the codes themselves go to nobody over the wire."""
    data = {"organization": organization_id, "what": what, "customer": customer_id}
    publish(
        "sensitivity.changed",
        data,
        groups=[org_audience_group(organization_id, SENSITIVITY_AUDIENCE)],
    )


# The code table ---------------------------------------------------------------------------


def table_for(organization: Organization) -> None:
    """Give the organization its own copy of the default table the first time it needs
    one; later calls change nothing."""
    if SensitivityCode.objects.filter(organization=organization).exists():
        return
    with transaction.atomic():
        # Two first uses at once: the second waits here and then finds the copy.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        if SensitivityCode.objects.filter(organization=organization).exists():
            return
        rows = list(defaults.rows())
        codes = SensitivityCode.objects.bulk_create(
            SensitivityCode(
                organization=organization,
                category=category,
                position=position,
                code=code,
                label=label,
                description=description,
            )
            for category, position, code, label, description, _knacks in rows
        )
        Knack.objects.bulk_create(
            Knack(code=row, audience=audience, text=text)
            for row, (*_fields, knacks) in zip(codes, rows, strict=True)
            for audience, text in knacks.items()
        )


def _require_manager(by: User, organization: Organization) -> None:
    if _role(by, organization.pk) != Role.MANAGER:
        raise ValidationError(_("Only the organization's managers can change the code table."))


def code_save(
    *,
    organization: Organization,
    by: User,
    code: SensitivityCode | None = None,
    category: str,
    code_text: str,
    label: str,
    description: str = "",
    guidance: Mapping[str, str],
    is_active: bool = True,
) -> SensitivityCode:
    """A manager adds a code to the organization's table or changes one (`code`), with its
    guidance for each audience. A code given to customers is retired, never deleted."""
    _require_manager(by, organization)
    code_text = (code_text or "").strip().upper()
    label, description = (label or "").strip(), (description or "").strip()
    errors: dict[str, str] = {}
    if category not in Category.values:
        errors["category"] = _("Choose positive, expected or negative.")
    if not CODE_PATTERN.match(code_text):
        errors["code"] = _("A code is 1 to %(max)s letters, digits or dashes.") % {"max": CODE_MAX}
    if not label or len(label) > LABEL_MAX:
        errors["label"] = _("Give a label of at most %(max)s characters.") % {"max": LABEL_MAX}
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _("At most %(max)s characters.") % {"max": DESCRIPTION_MAX}
    for audience in Audience.values:
        if len((guidance.get(audience) or "").strip()) > KNACK_MAX:
            errors[f"guidance_{audience}"] = _("At most %(max)s characters.") % {"max": KNACK_MAX}
    if errors:
        raise ValidationError(errors)
    if code is not None and code.organization_id != organization.pk:
        raise ValidationError(_("This code is another organization's."))
    with transaction.atomic():
        table_for(organization)
        taken = SensitivityCode.objects.filter(organization=organization, code=code_text)
        if code is not None:
            taken = taken.exclude(pk=code.pk)
        if taken.exists():
            raise ValidationError({"code": _("This code is already in the table.")})
        if code is None:
            code = SensitivityCode(
                organization=organization, position=_next_position(organization, category)
            )
        code.category, code.code, code.label = category, code_text, label
        code.description, code.is_active = description, is_active
        code.save()
        for audience in Audience.values:
            text = (guidance.get(audience) or "").strip()
            if text:
                Knack.objects.update_or_create(
                    code=code, audience=audience, defaults={"text": text}
                )
            else:
                Knack.objects.filter(code=code, audience=audience).delete()
        _publish(organization.pk, "table")
    return code


def _next_position(organization: Organization, category: str) -> int:
    last = (
        SensitivityCode.objects.filter(organization=organization, category=category)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    return 0 if last is None else last + 1


# Assessments ------------------------------------------------------------------------------


def codes_parse(organization: Organization, picked: object) -> list[SensitivityCode]:
    """The codes picked: typed codes separated by commas or spaces ("n2, E1"), a list of
    them, or a list of ids, all from the organization's table and in use."""
    table_for(organization)
    if isinstance(picked, str):
        items: list = [p for p in SEPARATORS.split(picked) if p]
    elif isinstance(picked, Iterable):
        items = [p for p in picked if p not in ("", None)]
    else:
        items = []
    if not items:
        raise ValidationError({CODES_FIELD: _("Pick at least one code.")})
    active = SensitivityCode.objects.filter(organization=organization, is_active=True)
    by_code = {c.code: c for c in active}
    by_id = {str(c.pk): c for c in by_code.values()}
    found, unknown = {}, []
    for item in items:
        key = str(item).strip()
        code = by_id.get(key) if key.isdigit() else by_code.get(key.upper())
        if code is None:
            unknown.append(key[: CODE_MAX + 2])
        else:
            found[code.pk] = code
    if unknown:
        raise ValidationError(
            {CODES_FIELD: _("Not in the code table: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    return list(found.values())


def _check_stage(stage: str, role: str | None, by: User, visit: ServiceRequest | None) -> None:
    if stage not in Stage.values:
        raise ValidationError({"stage": _("Choose intake, visit or confirmation call.")})
    if stage == Stage.VISIT:
        if role != Role.TECHNICIAN or visit is None or visit.technician_id != by.pk:
            raise ValidationError(
                {"stage": _("Only the visit's technician re-codes the customer after it.")}
            )
        if visit.status not in (
            VisitStatus.IN_PROGRESS,
            VisitStatus.COMPLETED,
            VisitStatus.ARRIVED,
        ):
            raise ValidationError({"visit": _("Re-code once you have met the customer.")})
    elif role not in CODE_ROLES:
        raise ValidationError(
            {"stage": _("Only receptionists and managers code at intake or after the call.")}
        )


def assessment_record(
    *,
    organization: Organization,
    customer: User,
    codes: list[SensitivityCode],
    stage: str,
    by: User,
    visit: ServiceRequest | None = None,
    ticket: Ticket | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Assessment:
    """`by` judges the customer's disposition at `stage`: a receptionist or manager at
    intake or after the confirmation call, the visit's technician after meeting them. The
    codes are the organization's, in use; the visit and ticket are the customer's there."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("At most %(max)s characters.") % {"max": NOTE_MAX}})
    if not codes:
        raise ValidationError({CODES_FIELD: _("Pick at least one code.")})
    if any(c.organization_id != organization.pk or not c.is_active for c in codes):
        raise ValidationError({CODES_FIELD: _("Pick codes from the organization's table.")})
    if visit is not None and (
        visit.organization_id != organization.pk or visit.customer_id != customer.pk
    ):
        raise ValidationError({"visit": _("This visit is not the customer's here.")})
    if ticket is not None and (
        ticket.organization_id != organization.pk or ticket.customer_id != customer.pk
    ):
        raise ValidationError({"ticket": _("This ticket is not the customer's here.")})
    role = _role(by, organization.pk)
    _check_stage(stage, role, by, visit)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            organization=organization,
            customer=customer,
            stage=stage,
            by=by,
            visit=visit,
            ticket=ticket,
            note=note,
            created_at=now or timezone.now(),
        )
        assessment.codes.set(codes)
        _publish(organization.pk, "assessment", customer.pk)
    return assessment


def reads_log(
    *,
    reader: User,
    organization_id: int,
    customer_ids: Iterable[int],
    place: str,
    now: datetime | None = None,
) -> None:
    """Write down that `reader` saw these customers' codes (one row each, one query)."""
    at = now or timezone.now()
    CodeRead.objects.bulk_create(
        CodeRead(
            organization_id=organization_id,
            reader=reader,
            customer_id=customer_id,
            place=place,
            at=at,
        )
        for customer_id in dict.fromkeys(customer_ids)
    )


def dispositions_read(
    *, reader: User, organization_id: int, customer_ids: list[int], audience: str, place: str
) -> dict[int, selectors.Disposition]:
    """These customers' current codes with the guidance for `audience`, the read written to
    the access log: what every page and endpoint that shows codes does."""
    found = selectors.dispositions(organization_id, customer_ids, audience)
    reads_log(
        reader=reader, organization_id=organization_id, customer_ids=customer_ids, place=place
    )
    return found


def disposition_read(
    *, reader: User, organization_id: int, customer_id: int, audience: str, place: str
) -> selectors.Disposition:
    return dispositions_read(
        reader=reader,
        organization_id=organization_id,
        customer_ids=[customer_id],
        audience=audience,
        place=place,
    )[customer_id]


# Technicians' steps (registered in apps.py) -------------------------------------------------


def desk_step(visit: ServiceRequest, data: Mapping[str, object], by: User) -> None:
    """The codes picked on the desk while booking attach to the customer and the visit; a
    caller may be booked without any."""
    items = picked(data)
    if items:
        _record_step(visit, data, by, items, Stage.INTAKE)


def report_step(visit: ServiceRequest, data: Mapping[str, object], by: User) -> None:
    """The technician's re-code, required in a report whose form showed it (the panel says
    so with a `sensitivity_codes_shown` field); an API report without codes records none."""
    items = picked(data)
    if items is None:
        return
    if not items:
        # Said where the report form lists its own errors, away from the codes.
        raise ValidationError(
            {CODES_FIELD: _("Re-code the customer: pick at least one sensitivity code.")}
        )
    _record_step(visit, data, by, items, Stage.VISIT)


def _record_step(
    visit: ServiceRequest, data: Mapping[str, object], by: User, items: list, stage: str
) -> None:
    assessment_record(
        organization=visit.organization,
        customer=visit.customer,
        codes=codes_parse(visit.organization, items),
        stage=stage,
        by=by,
        visit=visit,
        note=str(data.get(NOTE_FIELD) or ""),
    )


def picked(data: Mapping[str, object]) -> list | None:
    """The codes in submitted data: form checkboxes (a list) and the typed field together;
    None when the form had no codes part at all (an API client that doesn't code)."""
    # By key, not value: a form's getlist() gives [] for a field it doesn't have.
    if not any(part in data for part in (CODES_FIELD, TYPED_FIELD, SHOWN_FIELD)):
        return None
    getlist = getattr(data, "getlist", None)
    boxes = getlist(CODES_FIELD) if getlist else data.get(CODES_FIELD)
    items: list = list(boxes) if isinstance(boxes, list | tuple) else ([boxes] if boxes else [])
    return [item for item in items if item] + [
        code for code in SEPARATORS.split(str(data.get(TYPED_FIELD) or "")) if code
    ]


# Confirmation calls -------------------------------------------------------------------------


def call_open(visit: ServiceRequest) -> ConfirmationCall:
    """A finished visit goes on its organization's call list (once, however often the
    hook runs)."""
    call, created = ConfirmationCall.objects.get_or_create(
        visit=visit,
        defaults={"organization_id": visit.organization_id, "customer_id": visit.customer_id},
    )
    if created:
        _publish(visit.organization_id, "call", visit.customer_id)
    return call


def call_record(
    *,
    call: ConfirmationCall,
    by: User,
    outcome: str,
    codes: list[SensitivityCode],
    reason: str = "",
    note: str = "",
    now: datetime | None = None,
) -> ConfirmationCall:
    """A receptionist records how the confirmation call went with the final codes. Dissatisfied
    needs its reason; a further request becomes a new visit request at the desk."""
    reason = (reason or "").strip()
    if outcome not in CallOutcome.values:
        raise ValidationError({"outcome": _("Choose satisfied, dissatisfied or further request.")})
    if outcome != CallOutcome.SATISFIED and not reason:
        message = (
            _("Say why they are dissatisfied.")
            if outcome == CallOutcome.DISSATISFIED
            else _("Say what they ask for.")
        )
        raise ValidationError({"reason": message})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("At most %(max)s characters.") % {"max": REASON_MAX}})
    now = now or timezone.now()
    with transaction.atomic():
        call = (
            ConfirmationCall.objects.select_for_update()
            .select_related("organization", "customer", "visit")
            .get(pk=call.pk)
        )
        if call.status != CallStatus.PENDING:
            raise ValidationError(_("This call is already recorded."))
        call.assessment = assessment_record(
            organization=call.organization,
            customer=call.customer,
            codes=codes,
            stage=Stage.CONFIRMATION,
            by=by,
            visit=call.visit,
            note=note,
            now=now,
        )
        if outcome == CallOutcome.FURTHER_REQUEST:
            call.further_visit = _further_visit(call.visit, reason)
        call.status, call.outcome, call.reason = CallStatus.DONE, outcome, reason
        call.called_by, call.called_at = by, now
        call.save()
        _publish(call.organization_id, "call", call.customer_id)
    return call


def _further_visit(visit: ServiceRequest, request: str) -> ServiceRequest:
    return visit_services.visit_request(
        customer=visit.customer,
        organization=visit.organization,
        summary=request[:200],
        address=visit.address,
        postal_code=visit.postal_code,
        product=visit.product,
        symptoms=request,
        ticket=visit.ticket,
    )
