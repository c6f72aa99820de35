"""The manager's pages: offices, areas and product lines; technicians' profiles, skills and
hours; the visit rules; the day board and the workload, both live.

Offices, areas and product lines are three small catalogues edited the same way, so one
set of views serves them, each told what it edits by a `Catalogue`.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts.access import parse_id
from accounts.models import Membership, Role
from accounts.permissions import OrganizationStaffMixin
from csportal.forms import add_service_errors

from . import selectors, services
from .access import access_technician_membership
from .models import BranchOffice, ProductLine, ServiceArea
from .staff_forms import (
    BranchOfficeForm,
    DayForm,
    ProductLineForm,
    ServiceAreaForm,
    TechnicianProfileForm,
    VisitSettingsForm,
    hours_text,
)


class _ManagerPage(OrganizationStaffMixin, TemplateView):
    allowed_roles = (Role.MANAGER,)


# Offices, areas, product lines -------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    kind: str
    title: str
    saved: str
    deleted: str
    model: type
    form_class: type

    def form(self, organization, *args, **kwargs):
        if self.form_class is ServiceAreaForm:
            kwargs["organization"] = organization
        return self.form_class(*args, **kwargs)

    def rows(self, organization):
        return {
            "offices": selectors.branch_offices,
            "areas": selectors.service_areas,
            "products": selectors.product_lines,
        }[self.kind](organization)

    def get(self, organization, pk):
        try:
            return self.model.objects.get(pk=parse_id(pk), organization=organization)
        except self.model.DoesNotExist:
            raise Http404 from None

    def initial(self, obj) -> dict:
        if self.kind == "offices":
            return {"name": obj.name, "address": obj.address, "phone": obj.phone}
        if self.kind == "areas":
            prefixes = " ".join(obj.prefixes.order_by("prefix").values_list("prefix", flat=True))
            return {"name": obj.name, "branch_office": obj.branch_office_id, "prefixes": prefixes}
        return {"name": obj.name, "skill": obj.skill}

    def save(self, organization, by, data, obj):
        if self.kind == "offices":
            return services.branch_office_save(organization=organization, by=by, office=obj, **data)
        if self.kind == "areas":
            return services.service_area_save(organization=organization, by=by, area=obj, **data)
        return services.product_line_save(organization=organization, by=by, product=obj, **data)

    def delete(self, obj, by) -> None:
        if self.kind == "offices":
            services.branch_office_delete(office=obj, by=by)
        elif self.kind == "areas":
            services.service_area_delete(area=obj, by=by)
        else:
            services.product_line_delete(product=obj, by=by)


CATALOGUES = {
    catalogue.kind: catalogue
    for catalogue in (
        Catalogue(
            "offices",
            _("Branch offices"),
            _("Office saved."),
            _("Office closed."),
            BranchOffice,
            BranchOfficeForm,
        ),
        Catalogue(
            "areas",
            _("Service areas"),
            _("Area saved."),
            _("Area removed."),
            ServiceArea,
            ServiceAreaForm,
        ),
        Catalogue(
            "products",
            _("Product lines"),
            _("Product line saved."),
            _("Product line removed."),
            ProductLine,
            ProductLineForm,
        ),
    )
}


def _catalogue(kind: str) -> Catalogue:
    try:
        return CATALOGUES[kind]
    except KeyError:
        raise Http404 from None


class CatalogueView(_ManagerPage):
    """A catalogue's rows and a form to add one; POST adds."""

    template_name = "technicians/manage/catalogue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        catalogue = _catalogue(self.kwargs["kind"])
        context["catalogue"] = catalogue
        context["rows"] = catalogue.rows(self.organization)
        context.setdefault("form", catalogue.form(self.organization))
        return context

    def post(self, request, slug, kind):
        catalogue = _catalogue(kind)
        form = catalogue.form(self.organization, request.POST)
        if _saved(form, catalogue, self.organization, request.user, None):
            messages.success(request, catalogue.saved)
            return redirect("technicians:catalogue", slug=slug, kind=kind)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CatalogueEditView(_ManagerPage):
    template_name = "technicians/manage/catalogue_edit.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        catalogue = _catalogue(self.kwargs["kind"])
        obj = catalogue.get(self.organization, self.kwargs["pk"])
        context.update(catalogue=catalogue, object=obj)
        context.setdefault(
            "form", catalogue.form(self.organization, initial=catalogue.initial(obj))
        )
        if catalogue.kind == "products":
            context["form"].fields["skill"].disabled = True
        return context

    def post(self, request, slug, kind, pk):
        catalogue = _catalogue(kind)
        obj = catalogue.get(self.organization, pk)
        form = catalogue.form(self.organization, request.POST)
        if catalogue.kind == "products":
            form.fields["skill"].disabled = True
        if _saved(form, catalogue, self.organization, request.user, obj):
            messages.success(request, catalogue.saved)
            return redirect("technicians:catalogue", slug=slug, kind=kind)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CatalogueDeleteView(_ManagerPage):
    http_method_names = ["post"]

    def post(self, request, slug, kind, pk):
        catalogue = _catalogue(kind)
        obj = catalogue.get(self.organization, pk)
        try:
            catalogue.delete(obj, request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, catalogue.deleted)
        return redirect("technicians:catalogue", slug=slug, kind=kind)


def _saved(form, catalogue, organization, by, obj) -> bool:
    if not form.is_valid():
        return False
    data = dict(form.cleaned_data)
    if catalogue.kind == "products" and obj is not None:
        data.pop("skill", None)
    try:
        catalogue.save(organization, by, data, obj)
    except ValidationError as exc:
        add_service_errors(form, exc, {"office": None, "area": None, "product": None})
        return False
    return True


# Technicians -------------------------------------------------------------------------------


class TechnicianListView(_ManagerPage):
    template_name = "technicians/manage/technicians.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        profiles = {
            profile.membership_id: profile
            for profile in selectors.technician_profiles(self.organization)
        }
        memberships = (
            Membership.objects.active()
            .filter(organization=self.organization, role=Role.TECHNICIAN)
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )
        context["technicians"] = [
            {
                "membership": membership,
                "profile": profiles.get(membership.pk),
                "skills": selectors.skills_of(profiles[membership.pk])
                if membership.pk in profiles
                else [],
            }
            for membership in memberships
        ]
        return context


class TechnicianEditView(_ManagerPage):
    """A technician's profile, photo, areas, product lines and weekly hours, in one form."""

    template_name = "technicians/manage/technician_edit.html"

    def technician(self):
        membership = access_technician_membership(self.organization.pk, self.kwargs["pk"])
        profile = selectors.profile_of(membership)
        return membership, profile

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        technician, profile = kwargs.get("technician") or self.technician()
        context["technician"] = technician
        context["profile"] = profile
        if "form" not in context:
            initial = {"years_of_experience": 0}
            if profile is not None:
                initial.update(
                    introduction=profile.introduction,
                    years_of_experience=profile.years_of_experience,
                    areas=list(profile.areas.all()),
                    skills=list(
                        ProductLine.objects.filter(
                            organization=self.organization,
                            skill__in=selectors.skills_of(profile),
                        )
                    ),
                    **hours_text(selectors.working_hours_of(profile)),
                )
            context["form"] = TechnicianProfileForm(initial=initial, organization=self.organization)
        return context

    def post(self, request, slug, pk):
        membership, profile = self.technician()
        form = TechnicianProfileForm(request.POST, request.FILES, organization=self.organization)
        if form.is_valid():
            data = form.cleaned_data
            try:
                self.save(membership, data)
            except ValidationError as exc:
                add_service_errors(
                    form, exc, {"membership": None, "hours": None, "product_lines": "skills"}
                )
            else:
                messages.success(request, _("Technician saved."))
                return redirect("technicians:technicians", slug=slug)
        return self.render_to_response(
            self.get_context_data(form=form, technician=(membership, profile)), status=400
        )

    def save(self, membership, data) -> None:
        by = self.request.user
        # One change: the photo, areas, skills and hours are saved together or not at all.
        with transaction.atomic():
            profile = services.technician_profile_save(
                membership=membership,
                by=by,
                areas=data["areas"],
                introduction=data["introduction"],
                years_of_experience=data["years_of_experience"],
                photo=data["photo"] or None,
            )
            profile.membership = membership
            services.technician_skills_set(profile=profile, product_lines=data["skills"], by=by)
            services.working_hours_set(profile=profile, hours=data["hours"], by=by)


# Rules -------------------------------------------------------------------------------------


class VisitSettingsView(_ManagerPage):
    template_name = "technicians/manage/settings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rules = selectors.visit_settings(self.organization)
        context.setdefault(
            "form",
            VisitSettingsForm(
                initial={name: getattr(rules, name) for name in VisitSettingsForm.base_fields}
            ),
        )
        return context

    def post(self, request, slug):
        form = VisitSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.visit_settings_set(
                    organization=self.organization, by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Visit rules saved."))
                return redirect("technicians:visit-settings", slug=slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


# The days ----------------------------------------------------------------------------------


def _chosen_day(request, organization) -> tuple[DayForm, date]:
    form = DayForm(request.GET)
    today = selectors.local_today(organization, timezone.now())
    day = form.cleaned_data.get("day") if form.is_valid() else None
    return form, day or today


class DayBoardView(_ManagerPage):
    """Every technician's visits on a day; the board re-fetches itself on any visit change."""

    template_name = "technicians/manage/board.html"

    def get_template_names(self):
        if self.request.htmx:
            return ["technicians/includes/board_rows.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, day = _chosen_day(self.request, self.organization)
        context.update(
            day_form=form,
            day=day,
            previous_day=day - timedelta(days=1),
            next_day=day + timedelta(days=1),
            rows=selectors.day_board(self.organization, day),
        )
        return context


def _hours(cell: dict) -> dict:
    return {
        **cell,
        "booked_hours": cell["booked_minutes"] / 60,
        "working_hours": cell["working_minutes"] / 60,
    }


class WorkloadView(_ManagerPage):
    """Visits and booked hours per technician per day over a week, and per area."""

    template_name = "technicians/manage/workload.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, day = _chosen_day(self.request, self.organization)
        first = day - timedelta(days=day.weekday())
        rows = selectors.workload(self.organization, first, 7)
        context.update(
            day_form=form,
            first_day=first,
            days=[first + timedelta(days=n) for n in range(7)],
            previous_week=first - timedelta(days=7),
            next_week=first + timedelta(days=7),
            rows=[
                {
                    "row": row,
                    "cells": [_hours(row.days[d]) for d in sorted(row.days)],
                    "week": _hours(row.week),
                }
                for row in rows
            ],
            areas=selectors.area_workload(self.organization, first, 7),
        )
        return context
