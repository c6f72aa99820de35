"""The managers' pages: the code table, the statistics, the access log.

The table is the organization's own copy of the default one (services.table_for), made the
first time a manager opens it. Codes are edited and retired, never deleted: assessments keep
the codes they were given.
"""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView, TemplateView

from accounts.contributions import staff_tool
from accounts.models import Role
from accounts.permissions import OrganizationStaffMixin
from csportal import slots
from csportal.forms import add_service_errors

from . import selectors, services
from .access import access_code
from .manage_forms import CodeForm, ReadLogFilterForm, code_initial
from .models import Audience, Category

MANAGER_ROLES = (Role.MANAGER,)
STATS_MONTHS = 12
# Fewer confirmation calls than this after a code say little about it: such codes are listed
# apart, below the ranking by share.
MIN_CALLS = 5
TOP_CODES = 10
LOG_PAGE = 50


class _ManagerPage(OrganizationStaffMixin, TemplateView):
    allowed_roles = MANAGER_ROLES


# The code table ------------------------------------------------------------------------------


def _rows(codes) -> list[dict]:
    """Each code with its guidance per audience, in the reader's language."""
    rows = []
    for code in codes:
        knacks = {knack.audience: knack.text_shown for knack in code.knacks.all()}
        rows.append(
            {
                "code": code,
                "guidance": [
                    (label, knacks.get(audience, "")) for audience, label in Audience.choices
                ],
            }
        )
    return rows


class CodeTableView(_ManagerPage):
    """The table grouped positive / expected / negative, and a form to add a code; POST
    adds one."""

    template_name = "sensitivity/manage/codes.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        services.table_for(self.organization)
        codes = selectors.table(self.organization.pk)
        context["groups"] = [
            (category, label, _rows(group)) for category, label, group in selectors.grouped(codes)
        ]
        context.setdefault("form", CodeForm())
        return context

    def post(self, request, slug):
        form = CodeForm(request.POST)
        if _saved(form, self.organization, request.user, None):
            messages.success(request, _("Code added."))
            return redirect("sensitivity:codes", slug=slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CodeEditView(_ManagerPage):
    """One code with all its texts as stored; POST saves them."""

    template_name = "sensitivity/manage/code_edit.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        code = kwargs.get("code") or access_code(self.organization.pk, self.kwargs["pk"])
        context["code"] = code
        context.setdefault("form", CodeForm(initial=code_initial(code)))
        return context

    def post(self, request, slug, pk):
        code = access_code(self.organization.pk, pk)
        form = CodeForm(request.POST)
        if _saved(form, self.organization, request.user, code):
            messages.success(request, _("Code saved."))
            return redirect("sensitivity:codes", slug=slug)
        return self.render_to_response(self.get_context_data(form=form, code=code), status=400)


class CodeActiveView(_ManagerPage):
    """Retire a code (`active=0`) or put it back in use (`active=1`), its texts unchanged."""

    http_method_names = ["post"]

    def post(self, request, slug, pk):
        code = access_code(self.organization.pk, pk)
        active = request.POST.get("active") == "1"
        initial = code_initial(code)
        form = CodeForm({**initial, "is_active": active})
        if _saved(form, self.organization, request.user, code):
            message = _("%(code)s is in use again.") if active else _("%(code)s is retired.")
            messages.success(request, message % {"code": code.code})
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return redirect("sensitivity:codes", slug=slug)


def _saved(form: CodeForm, organization, by, code) -> bool:
    if not form.is_valid():
        return False
    try:
        services.code_save(organization=organization, by=by, code=code, **form.service_arguments())
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    return True


# Statistics ----------------------------------------------------------------------------------


def _months(now: datetime, count: int) -> list[datetime]:
    """The first moments of the last `count` months up to this one, in the active zone."""
    first = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    months = []
    year, month = first.year, first.month
    for _step in range(count):
        months.append(first.replace(year=year, month=month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def _distribution(rows: list[dict], months: list[datetime]) -> list[dict]:
    counts = {
        (timezone.localtime(row["month"]).date(), row["codes__category"]): row["count"]
        for row in rows
    }
    table = []
    for month in months:
        day = month.date()
        by_category = [counts.get((day, category), 0) for category in selectors.CATEGORY_ORDER]
        table.append({"month": month, "counts": by_category, "total": sum(by_category)})
    return table


def _dissatisfaction(codes: dict, found: dict[int, tuple[int, int]]) -> tuple[list, list]:
    """(ranked, too few calls): the codes with at least MIN_CALLS calls by share of
    dissatisfied calls, then the others by their number of calls."""
    rows = [
        {
            "code": codes[code_id],
            "calls": calls,
            "dissatisfied": dissatisfied,
            "share": dissatisfied / calls,
        }
        for code_id, (calls, dissatisfied) in found.items()
        if code_id in codes and calls
    ]
    ranked = sorted(
        (row for row in rows if row["calls"] >= MIN_CALLS),
        key=lambda row: (-row["share"], -row["calls"], row["code"].code),
    )
    few = sorted(
        (row for row in rows if row["calls"] < MIN_CALLS),
        key=lambda row: (-row["calls"], row["code"].code),
    )
    return ranked, few


class StatsView(_ManagerPage):
    """The codes given per month and category over the last year, the codes most given, and
    the codes most often followed by a dissatisfied confirmation call: a fixed number of
    queries whatever the number of assessments."""

    template_name = "sensitivity/manage/stats.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organization_id = self.organization.pk
        months = _months(timezone.now(), STATS_MONTHS)
        since = months[0]
        distribution = _distribution(
            selectors.distribution_by_month(organization_id, since), months
        )
        codes = {code.pk: code for code in selectors.table(organization_id)}
        counts = selectors.code_counts(organization_id, since)
        most_given = sorted(
            ((codes[pk], count) for pk, count in counts.items() if pk in codes),
            key=lambda item: (-item[1], item[0].code),
        )[:TOP_CODES]
        ranked, few = _dissatisfaction(
            codes, selectors.dissatisfaction_by_code(organization_id, since)
        )
        categories = [Category(c).label for c in selectors.CATEGORY_ORDER]
        context.update(
            since=since,
            categories=categories,
            distribution=distribution,
            chart={
                "months": [month.date().isoformat() for month in months],
                "series": [
                    {
                        "category": category,
                        "label": str(label),
                        "counts": [row["counts"][index] for row in distribution],
                    }
                    for index, (category, label) in enumerate(
                        zip(selectors.CATEGORY_ORDER, categories, strict=True)
                    )
                ],
            },
            any_given=any(row["total"] for row in distribution),
            most_given=most_given,
            ranked=ranked,
            too_few=few,
            min_calls=MIN_CALLS,
        )
        return context


# The access log ------------------------------------------------------------------------------


class ReadLogView(OrganizationStaffMixin, ListView):
    """Who read whose codes, where and when, newest first; filtered by the customer's email
    and by the reader."""

    allowed_roles = MANAGER_ROLES
    template_name = "sensitivity/manage/log.html"
    context_object_name = "reads"
    paginate_by = LOG_PAGE

    def get_queryset(self):
        self.filter_form = ReadLogFilterForm(self.request.GET, organization=self.organization)
        reads = selectors.reads(self.organization.pk)
        if self.filter_form.is_valid():
            email = self.filter_form.cleaned_data["customer"].strip()
            reader = self.filter_form.cleaned_data["reader"]
            if email:
                reads = reads.filter(customer__email__iexact=email)
            if reader is not None:
                reads = reads.filter(reader_id=reader)
        return reads

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        # The filter kept in the pager's links.
        query = self.request.GET.copy()
        query.pop("page", None)
        context["filter_query"] = query.urlencode()
        context["filtered"] = bool(query)
        return context


urlpatterns = [
    path("o/<slug:slug>/sensitivity/codes/", CodeTableView.as_view(), name="codes"),
    path("o/<slug:slug>/sensitivity/codes/<int:pk>/", CodeEditView.as_view(), name="code-edit"),
    path(
        "o/<slug:slug>/sensitivity/codes/<int:pk>/active/",
        CodeActiveView.as_view(),
        name="code-active",
    ),
    path("o/<slug:slug>/sensitivity/stats/", StatsView.as_view(), name="stats"),
    path("o/<slug:slug>/sensitivity/log/", ReadLogView.as_view(), name="log"),
]


# On the manager console and among the managers' staff tools ----------------------------------


def register_manager_pages() -> None:
    """The code table among a manager's staff tools; the three pages on the console."""
    slots.add_links(
        "accounts.staff_tools",
        "sensitivity.codes",
        staff_tool(_("Sensitivity codes"), "sensitivity:codes", MANAGER_ROLES),
        order=40,
    )
    slots.add_panel(
        "accounts.manager_console",
        "sensitivity/manage/console_panel.html",
        console_panel,
        order=30,
    )


def console_panel(context) -> dict | None:
    membership = context.get("membership")
    if membership is None or membership.role != Role.MANAGER:
        return None
    slug = membership.organization.slug
    return {
        "sensitivity_pages": [
            (_("Code table"), reverse("sensitivity:codes", args=[slug])),
            (_("Statistics"), reverse("sensitivity:stats", args=[slug])),
            (_("Access log"), reverse("sensitivity:log", args=[slug])),
        ]
    }
