"""The reception desk: a caller's visit booked on the customers' own search, keyboard first,
beside each branch office's waiting requests, live.

The search runs as the receptionist types (htmx GET of the results only); the form posts
the offer picked in them. A booking that loses its slot comes back with the alternatives
already in the results, the nearest one picked, so Enter books it.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.permissions import OrganizationStaffMixin
from csportal.dates import format_datetime
from csportal.forms import add_service_errors

from . import availability, registries, selectors, services
from .access import VISIT_ROLES, access_organization_visit
from .models import VisitStatus
from .staff_forms import DeskBookForm, DeskSearchForm

# A service's argument and the desk field that carries it.
DESK_FIELDS = {
    "skill": "product",
    "start": "start_time",
    "end": "minutes",
    "technician": "choice",
    "customer": "customer_email",
    "status": "choice",
}


def choice_value(technician_id: int, start) -> str:
    return f"{technician_id}@{start.isoformat()}"


def waiting_by_office(organization) -> list[tuple[str, list]]:
    """The waiting requests grouped by their area's office (one query); those of no area,
    which every office may take, last."""
    groups: dict[object, tuple[str, list]] = {}
    for visit in selectors.waiting_requests(organization):
        office = visit.area.branch_office if visit.area else None
        key = office.pk if office else None
        name = office.name if office else _("No area yet")
        groups.setdefault(key, (name, []))[1].append(visit)
    offices = sorted((v for k, v in groups.items() if k is not None), key=lambda g: g[0])
    return offices + ([groups[None]] if None in groups else [])


class _DeskMixin(OrganizationStaffMixin):
    allowed_roles = VISIT_ROLES

    def search(self, form) -> dict:
        """The results for a valid search form: the availability or the errors to show; a
        hint while neither the postal code nor the time is typed yet."""
        if not (form.data.get("postal_code") or form.data.get("start_time")):
            return {"search_hint": True}
        if not form.is_valid():
            return {"search_errors": _search_errors(form)}
        start, end = form.window()
        try:
            found = availability.search(
                self.organization,
                form.cleaned_data["postal_code"],
                form.cleaned_data["product"].skill,
                start,
                end,
                now=timezone.now(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc, DESK_FIELDS)
            return {"search_errors": _search_errors(form)}
        return results(found)


def _search_errors(form) -> list[str]:
    search_fields = set(DeskSearchForm.base_fields)
    errors = []
    for name, messages_ in form.errors.items():
        if name in search_fields:
            # Said apart from their fields, so each names the field it is about.
            label = form.fields[name].label
            errors += [f"{label}: {message}" for message in messages_]
        elif name == "__all__":
            errors += messages_
    return errors


def _option(offer, start, end) -> dict:
    return {
        "value": choice_value(offer.technician.pk, start),
        "offer": offer,
        "start": start,
        "end": end,
    }


def results(found) -> dict:
    """What the results show, each a radio the arrow keys move through: the free
    technicians, else the nearest times before and after; the best one picked."""
    free = [_option(offer, found.start, found.end) for offer in found.free]
    before = [_option(slot.offer, slot.start, slot.end) for slot in reversed(found.before)]
    after = [_option(slot.offer, slot.start, slot.end) for slot in found.after]
    if free:
        picked = free[0]["value"]
    else:
        nearest = sorted(before + after, key=lambda option: abs(option["start"] - found.start))
        picked = nearest[0]["value"] if nearest else ""
    return {
        "availability": found,
        "free": free,
        "before": before,
        "after": after,
        "picked": picked,
    }


class DeskView(_DeskMixin, TemplateView):
    template_name = "technicians/desk.html"

    def initial(self) -> dict:
        rules = selectors.visit_settings(self.organization)
        initial = {
            "day": self.request.GET.get("day")
            or selectors.local_today(self.organization, timezone.now()),
            "minutes": rules.visit_minutes,
            "start_time": self.request.GET.get("time", ""),
        }
        if "request" in self.request.GET:
            visit = access_organization_visit(self.organization.pk, self.request.GET["request"])
            if visit.status == VisitStatus.REQUESTED:
                initial.update(
                    request=visit.pk,
                    customer_email=visit.customer.email,
                    postal_code=visit.postal_code,
                    product=visit.product_id,
                    address=visit.address,
                    symptoms=visit.symptoms or visit.summary,
                    customer_notes=visit.customer_notes,
                )
                self.waiting = visit
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "form" not in context:
            context["form"] = DeskBookForm(initial=self.initial(), organization=self.organization)
        context.setdefault("waiting", getattr(self, "waiting", None))
        context["offices"] = waiting_by_office(self.organization)
        context["has_products"] = context["form"].fields["product"].queryset.exists()
        return context

    def post(self, request, slug):
        form = DeskBookForm(request.POST, organization=self.organization)
        waiting = None
        if form.is_valid():
            data = form.cleaned_data
            waiting = self._waiting(data.get("request"))
            try:
                with transaction.atomic():
                    visit = self.book(form, waiting)
                    registries.run_desk_steps(visit, request.POST, request.user)
            except services.SlotTaken as taken:
                form.add_error(None, _("That time was just taken. Pick one of these instead."))
                return self.render_to_response(
                    self.get_context_data(
                        form=form, waiting=waiting, **results(taken.availability)
                    ),
                    status=409,
                )
            except ValidationError as exc:
                add_service_errors(form, exc, DESK_FIELDS)
            else:
                messages.success(
                    request,
                    _("Booked: %(technician)s at %(when)s for %(customer)s.")
                    % {
                        "technician": visit.technician,
                        "when": format_datetime(visit.scheduled_start),
                        "customer": visit.customer,
                    },
                )
                return redirect("technicians:desk", slug=slug)
        found = self.search(DeskSearchForm(request.POST, organization=self.organization))
        offered = [o["value"] for key in ("free", "before", "after") for o in found.get(key, [])]
        if request.POST.get("choice") in offered:
            found["picked"] = request.POST["choice"]
        return self.render_to_response(
            self.get_context_data(form=form, waiting=waiting, **found), status=400
        )

    def _waiting(self, request_id):
        if not request_id:
            return None
        return access_organization_visit(self.organization.pk, request_id)

    def book(self, form, waiting):
        data = form.cleaned_data
        technician_id, _start = data["choice"]
        profile = (
            selectors.technicians_of(self.organization)
            .filter(membership__user_id=technician_id)
            .first()
        )
        if profile is None:
            raise ValidationError({"choice": _("Pick a technician from the results.")})
        start, end = data["window"]
        if waiting is not None:
            if waiting.customer_id != data["customer_email"].pk:
                raise ValidationError({"customer_email": _("This request is another customer's.")})
            return services.visit_schedule(
                visit=waiting,
                technician=profile.membership.user,
                start=start,
                end=end,
                by=self.request.user,
            )
        return services.visit_book(
            organization=self.organization,
            customer=data["customer_email"],
            technician=profile.membership.user,
            skill=data["product"].skill,
            postal_code=data["postal_code"],
            address=data["address"],
            symptoms=data["symptoms"],
            customer_notes=data["customer_notes"],
            start=start,
            end=end,
            by=self.request.user,
        )


class DeskSearchView(_DeskMixin, TemplateView):
    """The results alone, for the live search; always a 200 so htmx shows what is wrong."""

    template_name = "technicians/includes/desk_results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            self.search(DeskSearchForm(self.request.GET, organization=self.organization))
        )
        return context


class DeskWaitingView(_DeskMixin, TemplateView):
    """The waiting requests alone, re-fetched whenever a visit changes."""

    template_name = "technicians/includes/desk_waiting.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["offices"] = waiting_by_office(self.organization)
        return context
