"""What sensitivity adds to other apps' pages, from SensitivityConfig.ready(): the code
picker on the reception desk, the customer's codes on a visit's page, the re-code in the
completion report, the confirmation calls among the reception's tools.

Each panel returns None, and so shows nothing, to anyone who may not read the codes: a
customer never gets one, whatever the page."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.contributions import staff_tool
from accounts.models import Role
from accounts.selectors import request_memberships
from csportal import slots

from . import selectors, services
from .access import CODE_ROLES, audience_of, may_read_codes
from .forms import ticked_ids
from .models import Audience, Place
from .services import NOTE_FIELD, TYPED_FIELD, picked
from .views import guidance_of, picker_table


def register() -> None:
    slots.add_panel("technicians.desk", "sensitivity/includes/desk_panel.html", desk_panel)
    slots.add_panel("technicians.visit", "sensitivity/includes/visit_panel.html", visit_panel)
    slots.add_panel(
        "technicians.visit_report", "sensitivity/includes/report_panel.html", report_panel
    )
    slots.add_panel(
        "accounts.reception_desk",
        "sensitivity/includes/calls_waiting.html",
        calls_waiting,
        order=25,
    )
    slots.add_links(
        "accounts.staff_tools",
        "sensitivity.calls",
        staff_tool(_("Confirmation calls"), "sensitivity:calls", CODE_ROLES),
        order=35,
    )


def _submitted(request) -> dict:
    """What a picker posted, to show it again when the page comes back with an error."""
    if request.method != "POST":
        return {}
    return {
        "ticked": ticked_ids(request.POST),
        "typed": request.POST.get(TYPED_FIELD, ""),
        "note": request.POST.get(NOTE_FIELD, ""),
    }


def desk_panel(context) -> dict | None:
    membership = context.get("membership")
    if membership is None or membership.role not in CODE_ROLES:
        return None
    organization, request = context["organization"], context["request"]
    groups = picker_table(organization)
    # Optional here: only codes picked can be wrong.
    wrong = _codes_error(organization, request.POST) if picked(request.POST) else ""
    return {
        "groups": groups,
        "guidance": guidance_of(groups, Audience.RECEPTION),
        "ticked": set(),
        "codes_error": wrong,
        **_submitted(request),
    }


def _codes_error(organization, data) -> str:
    """Why the codes submitted can't be recorded, to say so beside them; "" if they can."""
    try:
        services.codes_parse(organization, picked(data))
    except ValidationError as exc:
        return " ".join(exc.message_dict.get(services.CODES_FIELD, []))
    return ""


def _visit_membership(context):
    """The viewer's membership at the visit's organization when it lets them read this
    customer's codes: the visit's own technician, or its organization's reception staff."""
    visit, request = context.get("visit"), context["request"]
    if visit is None or context.get("role") == "customer":
        return None
    membership = next(
        (m for m in request_memberships(request) if m.organization_id == visit.organization_id),
        None,
    )
    if membership is None or not may_read_codes(membership, visit.customer_id):
        return None
    if membership.role == Role.TECHNICIAN and visit.technician_id != membership.user_id:
        return None
    return membership


def visit_panel(context) -> dict | None:
    membership = _visit_membership(context)
    if membership is None:
        return None
    visit = context["visit"]
    audience = audience_of(membership)
    disposition = services.disposition_read(
        reader=context["user"],
        organization_id=visit.organization_id,
        customer_id=visit.customer_id,
        audience=audience,
        place=Place.VISIT,
    )
    return {"disposition": disposition, "audience": audience}


def report_panel(context) -> dict | None:
    """The technician's re-code, its boxes ticked with the customer's current codes (the
    visit panel on the same page logged that read)."""
    membership = _visit_membership(context)
    if membership is None or membership.role != Role.TECHNICIAN:
        return None
    visit, request = context["visit"], context["request"]
    submitted = _submitted(request)
    codes_error = _codes_error(visit.organization, request.POST) if submitted else ""
    if not submitted:
        current = selectors.disposition(visit.organization_id, visit.customer_id, "")
        submitted = {"ticked": {item.code.pk for item in current.codes}}
    return {
        "groups": picker_table(visit.organization),
        "codes_error": codes_error,
        **submitted,
    }


def calls_waiting(context) -> dict | None:
    membership = context.get("membership")
    if membership is None or membership.role not in CODE_ROLES:
        return None
    return {
        "waiting": selectors.pending_calls(membership.organization_id).count(),
        "calls_url": reverse("sensitivity:calls", args=[membership.organization.slug]),
    }
