"""The reception's pages: a caller's current codes on the desk, and the confirmation calls.

The panels on the desk, the visit page and the completion report are in contributions.py;
what they share with these pages (the code table as a picker shows it) is here. Every page
that shows a customer's codes writes the read to the access log (services.reads_log)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.models import Organization
from accounts.permissions import OrganizationStaffMixin
from accounts.selectors import active_user_by_email
from csportal.forms import add_service_errors

from . import selectors, services
from .access import CODE_ROLES, access_call
from .forms import CallForm, ticked_ids
from .models import Audience, CallStatus, Place, SensitivityCode
from .services import TYPED_FIELD, picked

# The pending calls the list shows at once, oldest first; the rest follow as they are made.
PENDING_SHOWN = 50
RECENT_PER_PAGE = 20


def picker_table(organization: Organization) -> list[tuple[str, str, list[SensitivityCode]]]:
    """The codes a picker offers, grouped positive / expected / negative (two queries)."""
    services.table_for(organization)
    return selectors.grouped(selectors.table(organization.pk, active_only=True))


def guidance_of(groups, audience: str) -> dict[str, dict]:
    """Each code's guidance for `audience`, keyed by id, for a picker that shows it as codes
    are ticked (json_script: no request per tick)."""
    data = {}
    for _category, _label, codes in groups:
        for code in codes:
            text = next((k.text_shown for k in code.knacks.all() if k.audience == audience), "")
            data[str(code.pk)] = {
                "code": code.code,
                "label": code.label_shown,
                "category": code.category,
                "guidance": text,
            }
    return data


class DeskCustomerCodesView(OrganizationStaffMixin, TemplateView):
    """The codes of the caller the desk's email field names, with the reception guidance,
    fetched when the field changes; nothing for an email of nobody."""

    allowed_roles = CODE_ROLES
    template_name = "sensitivity/includes/desk_customer.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = active_user_by_email(self.request.GET.get("customer_email") or "")
        if customer is not None:
            context["caller"] = customer
            context["disposition"] = services.disposition_read(
                reader=self.request.user,
                organization_id=self.organization.pk,
                customer_id=customer.pk,
                audience=Audience.RECEPTION,
                place=Place.DESK,
            )
        return context


class CallListView(OrganizationStaffMixin, View):
    """The confirmation calls to make, oldest first, each with its visit, the customer's
    codes and the guidance for the call, and a form; below, the calls made lately.
    `?part=list` is the list alone, re-fetched when a code or a call changes; `?part=count`
    the reception desk's panel saying how many wait."""

    allowed_roles = CODE_ROLES

    def get(self, request, slug):
        if request.GET.get("part") == "count":
            return render(
                request,
                "sensitivity/includes/calls_waiting.html",
                {
                    "waiting": selectors.pending_calls(self.organization.pk).count(),
                    "calls_url": request.path,
                },
            )
        return self.page(request)

    def page(self, request, *, failed=None, status=200):
        """The page; `failed` is (call id, its bound form, its codes error) to show again."""
        organization = self.organization
        groups = picker_table(organization)
        pending_calls = selectors.pending_calls(organization.pk)
        pending = list(pending_calls[:PENDING_SHOWN])
        waiting = len(pending) if len(pending) < PENDING_SHOWN else pending_calls.count()
        recent = Paginator(selectors.recent_calls(organization.pk), RECENT_PER_PAGE).get_page(
            request.GET.get("page")
        )
        # The number to ring, in one query for the page.
        prefetch_related_objects(pending, "customer__customer_profile")
        customer_ids = [call.customer_id for call in pending]
        found = selectors.dispositions(organization.pk, customer_ids, Audience.CONFIRMATION)
        entries = []
        for call in pending:
            disposition = found[call.customer_id]
            if failed and failed[0] == call.pk:
                form, codes_error = failed[1], failed[2]
                ticked, typed = ticked_ids(request.POST), request.POST.get(TYPED_FIELD, "")
            else:
                form, codes_error, typed = CallForm(auto_id=f"call-{call.pk}-%s"), "", ""
                ticked = {item.code.pk for item in disposition.codes}
            entries.append(
                {
                    "call": call,
                    "prefix": f"call-{call.pk}-",
                    "disposition": disposition,
                    "form": form,
                    "codes_error": codes_error,
                    "ticked": ticked,
                    "typed": typed,
                }
            )
        services.reads_log(
            reader=request.user,
            organization_id=organization.pk,
            customer_ids=customer_ids + [call.customer_id for call in recent],
            place=Place.CALLS,
        )
        context = {
            "organization": organization,
            "membership": self.membership,
            "groups": groups,
            "entries": entries,
            "waiting": waiting,
            "recent": recent,
        }
        part = request.GET.get("part") == "list" and failed is None
        template = "sensitivity/includes/call_list.html" if part else "sensitivity/calls.html"
        return render(request, template, context, status=status)


class CallRecordView(CallListView):
    """Record one call's outcome with the final codes; on a mistake, the list with that
    call's form and its errors (400)."""

    def get(self, request, slug, pk):
        return redirect("sensitivity:calls", slug=slug)

    def post(self, request, slug, pk):
        call = access_call(self.organization.pk, pk)
        if call.status != CallStatus.PENDING:
            return self.already_recorded(request, slug)
        form = CallForm(request.POST, auto_id=f"call-{call.pk}-%s")
        # The codes are checked whatever the form says, so every mistake shows at once.
        codes, codes_error = [], ""
        try:
            codes = services.codes_parse(self.organization, picked(request.POST))
        except ValidationError as exc:
            codes_error = " ".join(exc.message_dict.get(services.CODES_FIELD, exc.messages))
        if form.is_valid() and not codes_error:
            try:
                services.call_record(
                    call=call,
                    by=request.user,
                    outcome=form.cleaned_data["outcome"],
                    codes=codes,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                call.refresh_from_db(fields=["status"])
                if call.status != CallStatus.PENDING:
                    return self.already_recorded(request, slug)
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Call recorded for %(customer)s.") % {"customer": call.customer}
                )
                return redirect("sensitivity:calls", slug=slug)
        return self.page(request, failed=(call.pk, form, codes_error), status=400)

    def already_recorded(self, request, slug):
        # Someone else made the call meanwhile: their outcome stands.
        messages.error(request, _("This call is already recorded."))
        return redirect("sensitivity:calls", slug=slug)


urlpatterns = [
    path(
        "o/<slug:slug>/sensitivity/desk/caller/",
        DeskCustomerCodesView.as_view(),
        name="desk-caller",
    ),
    path("o/<slug:slug>/sensitivity/calls/", CallListView.as_view(), name="calls"),
    path("o/<slug:slug>/sensitivity/calls/<int:pk>/", CallRecordView.as_view(), name="call-record"),
]
