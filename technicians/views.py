"""The customer's and the technician's visit pages, and the pictures, each served only to
whoever may see it, never from a public media URL.

Customer: pick a provider, say what and when, pick a free technician (or a free time near
it), follow the visit live, cancel or move it up to the organization's cut-off.
Technician: the agenda on Today (technicians.contributions), one tap per step, the report,
their own hours and time off. Every page reads through selectors and writes through one
service; a refresh asked by htmx gets the live part of the page only.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from accounts.middleware import use_organization_timezone
from accounts.models import Role, User
from accounts.permissions import OrganizationStaffMixin
from csportal.forms import add_service_errors

from . import availability, selectors, services
from .access import (
    VisitRole,
    access_own_profile,
    access_profile_photo,
    access_time_off,
    access_visit,
    access_visit_photo,
    access_visit_provider,
)
from .contributions import HOME_VISITS
from .forms import BookForm, HoursForm, ReportForm, StepForm, TimeOffForm, VisitWishForm, WhenForm
from .models import VISIT_STEPS, VISIT_TRANSITIONS, ServiceRequest, VisitStatus

LIST_VISITS = 50
# The offers a page shows at most: the best of the ranking.
OFFERS_SHOWN = 8
# What the customer sees a visit go through, in order.
PROGRESS = [
    (VisitStatus.SCHEDULED, "scheduled_start"),
    (VisitStatus.ON_THE_WAY, "on_the_way_at"),
    (VisitStatus.ARRIVED, "arrived_at"),
    (VisitStatus.IN_PROGRESS, "started_at"),
    (VisitStatus.COMPLETED, "completed_at"),
]
_ORDER = [status for status, _field in PROGRESS]


def _technician(pk: int | None) -> User | None:
    return User.objects.filter(pk=pk).first() if pk else None


# Asking for a visit ----------------------------------------------------------------------


class ProviderChoiceView(LoginRequiredMixin, TemplateView):
    """Whom to ask: the customer's own providers first, then every other one with areas."""

    template_name = "technicians/providers.html"

    def get(self, request, *args, **kwargs):
        yours, others = selectors.visit_providers(request.user)
        if len(yours) + len(others) == 1:
            return redirect("technicians:visit-new", slug=(yours + others)[0].slug)
        return self.render_to_response({"yours": yours, "others": others})


def _wish_page(request, organization, form, *, found=None, taken=False, status=200):
    return render(
        request,
        "technicians/visit_new.html",
        {
            "organization": organization,
            "form": form,
            "found": found,
            "free": found.free[:OFFERS_SHOWN] if found else [],
            "taken": taken,
        },
        status=status,
    )


class VisitNewView(LoginRequiredMixin, View):
    """The wish (a GET, so the search can be reloaded and shared) and what it finds."""

    def get(self, request, slug):
        organization = access_visit_provider(slug)
        use_organization_timezone(request.user, organization)
        if "postal_code" not in request.GET:
            return _wish_page(request, organization, VisitWishForm(organization=organization))
        form = VisitWishForm(request.GET, organization=organization)
        if not form.is_valid():
            return _wish_page(request, organization, form, status=400)
        data = form.cleaned_data
        try:
            found = availability.search(
                organization,
                data["postal_code"],
                data["product"].skill,
                data["start"],
                data["end"],
                now=timezone.now(),
            )
        except ValidationError as error:
            add_service_errors(form, error, rename={"skill": "product", "start": "day"})
            return _wish_page(request, organization, form, status=400)
        return _wish_page(request, organization, form, found=found)


class VisitBookView(LoginRequiredMixin, View):
    """Book the offer or free time picked; when it was taken meanwhile, the same page with
    who is free then, or the nearest free times, at once."""

    def post(self, request, slug):
        organization = access_visit_provider(slug)
        use_organization_timezone(request.user, organization)
        form = VisitWishForm(request.POST, organization=organization)
        pick = BookForm(request.POST)
        if not (form.is_valid() and pick.is_valid()):
            if not pick.is_valid():
                form.add_error(None, _("Choose one of the times offered."))
            return _wish_page(request, organization, form, status=400)
        data = form.cleaned_data
        technician = _technician(pick.cleaned_data["technician"])
        skill = data["product"].skill
        try:
            if technician is None:
                raise services.SlotTaken(
                    availability.search(
                        organization,
                        data["postal_code"],
                        skill,
                        data["start"],
                        data["end"],
                        now=timezone.now(),
                    )
                )
            visit = services.visit_book(
                organization=organization,
                customer=request.user,
                technician=technician,
                skill=skill,
                postal_code=data["postal_code"],
                address=data["address"],
                symptoms=data["symptoms"],
                customer_notes=data["customer_notes"],
                start=pick.cleaned_data["start"],
                end=pick.cleaned_data["end"],
                by=request.user,
            )
        except services.SlotTaken as taken:
            return _wish_page(
                request, organization, form, found=taken.availability, taken=True, status=409
            )
        except ValidationError as error:
            add_service_errors(form, error, rename={"skill": "product", "start": "day"})
            return _wish_page(request, organization, form, status=400)
        messages.success(request, _("Your visit is booked."))
        return redirect("technicians:visit-booked", pk=visit.pk)


class VisitRequestView(LoginRequiredMixin, View):
    """Nobody can come at any time near the wish: send it to the provider's desk instead."""

    def post(self, request, slug):
        organization = access_visit_provider(slug)
        form = VisitWishForm(request.POST, organization=organization)
        if not form.is_valid():
            return _wish_page(request, organization, form, status=400)
        data = form.cleaned_data
        try:
            visit = services.visit_request(
                customer=request.user,
                organization=organization,
                summary=f"{data['product'].name}: {data['symptoms'].splitlines()[0]}"[:200],
                address=data["address"],
                postal_code=data["postal_code"],
                product=data["product"],
                symptoms=data["symptoms"],
                customer_notes=data["customer_notes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return _wish_page(request, organization, form, status=400)
        messages.success(request, _("Your request is with the provider; they will call you."))
        return redirect("technicians:visit", pk=visit.pk)


# The customer's visits ---------------------------------------------------------------------


class CustomerVisitListView(LoginRequiredMixin, TemplateView):
    template_name = "technicians/customer_list.html"

    def get_template_names(self):
        if self.request.htmx:
            return ["technicians/includes/customer_visits.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        home = self.request.GET.get("home") == "1"
        visits = selectors.customer_visits(self.request.user)
        context["visits"] = visits[: HOME_VISITS if home else LIST_VISITS]
        context["visits_url"] = self.request.get_full_path()
        return context


def change_rules(visit: ServiceRequest, now) -> dict:
    """Whether the customer may still cancel or move the visit, and until when."""
    if visit.status != VisitStatus.SCHEDULED or visit.scheduled_start is None:
        return {"can_change": False, "change_until": None, "cutoff_hours": None}
    hours = selectors.visit_settings(visit.organization).change_cutoff_hours
    until = visit.scheduled_start - timedelta(hours=hours)
    return {"can_change": now < until, "change_until": until, "cutoff_hours": hours}


def _progress(visit: ServiceRequest) -> list[dict]:
    reached = _ORDER.index(visit.status) if visit.status in _ORDER else -1
    return [
        {
            "status": status,
            "label": VisitStatus(status).label,
            "at": getattr(visit, field),
            "done": index < reached,
            "current": index == reached,
        }
        for index, (status, field) in enumerate(PROGRESS)
    ]


def _next_steps(visit: ServiceRequest) -> list[tuple[str, str]]:
    allowed = VISIT_TRANSITIONS[visit.status]
    return [(step, VisitStatus(step).label) for step in VISIT_STEPS if step in allowed]


def _visit_page(request, visit, role, *, report_form=None, booked=False, status=200):
    use_organization_timezone(request.user, visit.organization)
    context = {
        "visit": visit,
        "role": role,
        "booked": booked,
        "progress": _progress(visit),
        "photos": list(visit.photos.all()),
        **change_rules(visit, timezone.now()),
    }
    if role == VisitRole.TECHNICIAN:
        context["steps"] = _next_steps(visit)
        context["report_form"] = report_form or ReportForm()
        page = "technicians/visit_technician.html"
        live = "technicians/includes/technician_visit.html"
    else:
        page = "technicians/visit_customer.html"
        live = "technicians/includes/customer_visit.html"
    return render(request, live if request.htmx else page, context, status=status)


class VisitView(LoginRequiredMixin, View):
    """One visit: the customer's page (live status, cancel, move), the technician's (the
    steps and the report), or a read-only page for the organization's visit staff."""

    booked = False

    def get(self, request, pk):
        visit, role = access_visit(request.user, pk)
        return _visit_page(request, visit, role, booked=self.booked)


class VisitBookedView(VisitView):
    """The confirmation: the visit's page, saying it is booked."""

    booked = True


class VisitCancelView(LoginRequiredMixin, View):
    def post(self, request, pk):
        visit, _role = access_visit(request.user, pk)
        try:
            services.visit_cancel(visit=visit, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your visit is cancelled."))
        return redirect("technicians:visit", pk=visit.pk)


class VisitRescheduleView(LoginRequiredMixin, View):
    """A new time for a booked visit: the free technicians then (the visit's own time counts
    as free), or the nearest free times; picking one moves it."""

    def _page(self, request, visit, form, *, found=None, taken=False, status=200):
        context = {
            "visit": visit,
            "form": form,
            "found": found,
            "free": found.free[:OFFERS_SHOWN] if found else [],
            "taken": taken,
            **change_rules(visit, timezone.now()),
        }
        return render(request, "technicians/visit_reschedule.html", context, status=status)

    def _visit(self, request, pk) -> ServiceRequest:
        visit, role = access_visit(request.user, pk)
        if role != VisitRole.CUSTOMER:
            raise Http404
        use_organization_timezone(request.user, visit.organization)
        return visit

    def _search(self, visit, form):
        data = form.cleaned_data
        return availability.search(
            visit.organization,
            visit.postal_code,
            visit.product.skill if visit.product else "",
            data["start"],
            data["end"],
            now=timezone.now(),
            exclude_visit_id=visit.pk,
        )

    def get(self, request, pk):
        visit = self._visit(request, pk)
        if "day" not in request.GET:
            return self._page(request, visit, WhenForm(organization=visit.organization))
        form = WhenForm(request.GET, organization=visit.organization)
        if not form.is_valid():
            return self._page(request, visit, form, status=400)
        try:
            found = self._search(visit, form)
        except ValidationError as error:
            add_service_errors(form, error, rename={"start": "day", "postal_code": "day"})
            return self._page(request, visit, form, status=400)
        return self._page(request, visit, form, found=found)

    def post(self, request, pk):
        visit = self._visit(request, pk)
        form = WhenForm(request.POST, organization=visit.organization)
        pick = BookForm(request.POST)
        if not (form.is_valid() and pick.is_valid()):
            form.add_error(None, _("Choose one of the times offered."))
            return self._page(request, visit, form, status=400)
        technician = _technician(pick.cleaned_data["technician"])
        try:
            if technician is None:
                raise services.SlotTaken(self._search(visit, form))
            services.visit_reschedule(
                visit=visit,
                start=pick.cleaned_data["start"],
                end=pick.cleaned_data["end"],
                technician=technician,
                by=request.user,
            )
        except services.SlotTaken as taken:
            return self._page(
                request, visit, form, found=taken.availability, taken=True, status=409
            )
        except ValidationError as error:
            add_service_errors(form, error, rename={"start": "day", "technician": None})
            return self._page(request, visit, form, status=400)
        messages.success(request, _("Your visit is moved."))
        return redirect("technicians:visit", pk=visit.pk)


# The technician's visit ------------------------------------------------------------------


class VisitStepView(LoginRequiredMixin, View):
    def post(self, request, pk):
        visit, _role = access_visit(request.user, pk)
        form = StepForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose on the way, arrived or working."))
            return redirect("technicians:visit", pk=visit.pk)
        try:
            services.visit_step(visit=visit, step=form.cleaned_data["step"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("technicians:visit", pk=visit.pk)


class VisitReportView(LoginRequiredMixin, View):
    """The completion report; on a mistake, the visit's page with the form's errors."""

    def post(self, request, pk):
        visit, role = access_visit(request.user, pk)
        if role != VisitRole.TECHNICIAN:
            raise Http404
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.visit_complete(
                    visit=visit,
                    by=request.user,
                    report=data["report"],
                    outcome=data["outcome"],
                    parts_used=data["parts_used"],
                    time_spent_minutes=data["time_spent_minutes"],
                    photos=data["photos"],
                    step_data=request.POST,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Report sent. The visit is done."))
                return redirect("technicians:visit", pk=visit.pk)
        visit.refresh_from_db()
        return _visit_page(request, visit, role, report_form=form, status=400)


# The technician's own week -----------------------------------------------------------------


class TechnicianAgendaView(OrganizationStaffMixin, TemplateView):
    """The agenda panel of Today alone, for its live refresh."""

    allowed_roles = (Role.TECHNICIAN,)
    template_name = "technicians/includes/today.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["agenda"] = selectors.agenda_days(
            self.request.user, self.organization, now=timezone.now()
        )
        return context


class WorkingHoursView(OrganizationStaffMixin, View):
    allowed_roles = (Role.TECHNICIAN,)

    def _page(self, request, profile, form, status=200):
        return render(
            request,
            "technicians/working_hours.html",
            {"organization": self.organization, "membership": self.membership, "form": form},
            status=status,
        )

    def get(self, request, slug):
        profile = access_own_profile(request.user, slug)
        form = HoursForm(hours=selectors.working_hours_of(profile))
        return self._page(request, profile, form)

    def post(self, request, slug):
        profile = access_own_profile(request.user, slug)
        form = HoursForm(request.POST)
        if form.is_valid():
            try:
                services.working_hours_set(
                    profile=profile, hours=form.cleaned_data["hours"], by=request.user
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your working hours are saved."))
                return redirect("technicians:working-hours", slug=slug)
        return self._page(request, profile, form, status=400)


class TimeOffView(OrganizationStaffMixin, View):
    allowed_roles = (Role.TECHNICIAN,)

    def _page(self, request, profile, form, status=200):
        context = {
            "organization": self.organization,
            "membership": self.membership,
            "form": form,
            "time_off": selectors.upcoming_time_off(profile, now=timezone.now()),
        }
        return render(request, "technicians/time_off.html", context, status=status)

    def get(self, request, slug):
        profile = access_own_profile(request.user, slug)
        return self._page(request, profile, TimeOffForm(organization=self.organization))

    def post(self, request, slug):
        profile = access_own_profile(request.user, slug)
        form = TimeOffForm(request.POST, organization=self.organization)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.time_off_add(
                    profile=profile,
                    start=data["start"],
                    end=data["end"],
                    reason=data["reason"],
                    by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error, rename={"start": "first_day", "end": "last_day"})
            else:
                messages.success(request, _("Your time off is saved."))
                return redirect("technicians:time-off", slug=slug)
        return self._page(request, profile, form, status=400)


class TimeOffRemoveView(OrganizationStaffMixin, View):
    allowed_roles = (Role.TECHNICIAN,)

    def post(self, request, slug, pk):
        time_off = access_time_off(request.user, slug, pk)
        try:
            services.time_off_remove(time_off=time_off, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("That time off is removed."))
        return redirect("technicians:time-off", slug=slug)


# Pictures --------------------------------------------------------------------------------


def _picture(field, content_type: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # Shown inline (an <img>), as the type read from its bytes; the browser must not guess
    # another, and whatever it is can't act as a page of ours.
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@login_required
def visit_photo(request, token):
    """For the visit's customer, its technician and its organization's visit staff."""
    photo = access_visit_photo(request.user, token)
    return _picture(photo.file, photo.content_type)


@require_GET
@login_required
def profile_photo(request, pk):
    """A technician's photo, for anybody signed in: the search shows it to customers."""
    profile = access_profile_photo(request.user, pk)
    return _picture(profile.photo, profile.photo_type)
