"""Ticket pages: a customer's requests, the agents' inbox and ticket, the managers' policy.

Every page reads through selectors and writes through one service call; the live parts
(ticket.js, htmx refreshes) only re-show what the server already decided.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django.views.generic import FormView, ListView, TemplateView

from accounts.middleware import use_organization_timezone
from accounts.models import Organization, Role
from accounts.permissions import OrganizationStaffMixin
from csportal import ratelimit
from csportal.context_processors import shell
from csportal.forms import add_service_errors

from . import cache as ticket_cache
from . import selectors, services
from .access import STAFF_ROLES, access_attachment, access_customer_ticket, access_staff_ticket
from .forms import (
    AssignForm,
    CategoryForm,
    InboxFilterForm,
    MessageForm,
    PriorityForm,
    ReminderSettingsForm,
    ResolveForm,
    SlaForm,
    StatusForm,
    TicketOpenForm,
    next_statuses,
)
from .models import (
    OPEN_STATUSES,
    TRANSITIONS,
    Category,
    DuePoint,
    Priority,
    SlaPolicy,
    Status,
    Ticket,
    UpdateKind,
)
from .templatetags.ticket_tags import overview

WORKING_ROLES = (Role.MANAGER, Role.AGENT)
PAGE_SIZE = 25


def _page_config(ticket, *, user, staff: bool) -> dict:
    """What ticket.js needs to re-show a change in the viewer's language."""
    config = {
        "ticket": ticket.pk,
        "me": user.pk,
        "staff": staff,
        "statuses": dict(Status.choices),
        "kinds": dict(UpdateKind.choices),
        "nobody": _("In the queue") if staff else _("Not assigned yet"),
        "timezone": timezone.get_current_timezone_name(),
    }
    if staff:
        config["priorities"] = dict(Priority.choices)
        config["due_points"] = dict(DuePoint.choices)
        config["next_statuses"] = {status: next_statuses(status) for status in TRANSITIONS}
    return config


# The customer's side ---------------------------------------------------------------------


class CustomerTicketListView(LoginRequiredMixin, ListView):
    template_name = "tickets/customer_list.html"
    context_object_name = "tickets"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return selectors.tickets_for_customer(self.request.user)

    def get_template_names(self):
        # The live refresh asks for the rows only.
        if self.request.htmx:
            return ["tickets/includes/customer_rows.html"]
        return [self.template_name]


class TicketOpenView(LoginRequiredMixin, FormView):
    template_name = "tickets/open.html"
    form_class = TicketOpenForm

    def get_initial(self):
        # A provider's pages link here with ?organization=<slug> to preselect it; providers
        # are public, every one of them is in the select anyway.
        slug = self.request.GET.get("organization", "")
        return {"organization": Organization.objects.filter(slug=slug).first()} if slug else {}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            ticket = services.ticket_open(
                organization=data["organization"],
                customer=self.request.user,
                subject=data["subject"],
                body=data["body"],
                category=data["category"],
                files=data["attachments"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Your request is in. We'll keep this page up to date as it moves.")
        )
        return redirect("tickets:detail", pk=ticket.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _earlier_url(ticket: Ticket, *, staff: bool) -> str:
    if staff:
        return reverse("tickets:staff-earlier", args=[ticket.organization.slug, ticket.pk])
    return reverse("tickets:earlier", args=[ticket.pk])


def _timeline_context(ticket: Ticket, *, staff: bool, before: int | None = None) -> dict:
    timeline, has_earlier = selectors.timeline_tail(ticket, public_only=not staff, before=before)
    return {
        "timeline": timeline,
        "has_earlier": has_earlier,
        "earlier_url": _earlier_url(ticket, staff=staff),
    }


def _latest_entries(ticket: Ticket, *, staff: bool) -> str:
    """The page's end of the timeline, rendered once per new entry (see tickets.cache)."""
    return cache.get_or_set(
        ticket_cache.timeline_key(ticket, staff=staff),
        lambda: render_to_string(
            "tickets/includes/timeline_entries.html", _timeline_context(ticket, staff=staff)
        ),
        ticket_cache.TIMELINE_SECONDS,
    )


class EarlierEntriesMixin:
    """GET ?before=<entry id>: the stretch of the timeline before it, for the page's
    "Show earlier entries" button."""

    template_name = "tickets/includes/timeline_entries.html"
    http_method_names = ["get", "head", "options"]
    as_staff = False

    def get_context_data(self, **kwargs):
        before = self.request.GET.get("before", "")
        if not before.isdigit():
            raise BadRequest(_("Give the entry to read before as ?before=<id>."))
        return _timeline_context(self.ticket, staff=self.as_staff, before=int(before))


class CustomerTicketView(LoginRequiredMixin, TemplateView):
    """One of the customer's own tickets with its public timeline; the POST views below
    re-render it with their form when the input is refused."""

    template_name = "tickets/customer_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.ticket = access_customer_ticket(request.user, kwargs["pk"])
        use_organization_timezone(request.user, self.ticket.organization)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["ticket"] = self.ticket
        context["latest_entries"] = _latest_entries(self.ticket, staff=False)
        context.setdefault("follow_up_form", MessageForm())
        context["open_statuses"] = OPEN_STATUSES
        context["ticket_page"] = _page_config(self.ticket, user=self.request.user, staff=False)
        return context

    def refused(self, **forms):
        return self.render_to_response(self.get_context_data(**forms), status=400)


class CustomerTicketDetailView(CustomerTicketView):
    http_method_names = ["get", "head", "options"]


class CustomerEarlierEntriesView(EarlierEntriesMixin, CustomerTicketView):
    pass


class FollowUpView(CustomerTicketView):
    http_method_names = ["post"]

    def post(self, request, pk):
        form = MessageForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                update = services.ticket_follow_up(
                    ticket=self.ticket,
                    customer=request.user,
                    body=form.cleaned_data["body"],
                    files=form.cleaned_data["attachments"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if update.data.get("reopened"):
                    messages.success(request, _("We've reopened your request and are on it."))
                else:
                    messages.success(request, _("Your message is on its way."))
                return redirect(reverse("tickets:detail", args=[pk]) + f"#update-{update.pk}")
        return self.refused(follow_up_form=form)


# Each request nudges the agent; a few per ticket in ten minutes is plenty.
STATUS_REQUESTS_PER_WINDOW = 3
STATUS_REQUEST_WINDOW = 600


class StatusRequestView(CustomerTicketView):
    http_method_names = ["post"]

    def post(self, request, pk):
        if not ratelimit.take(
            [(f"ticket-status-request:{self.ticket.pk}", STATUS_REQUESTS_PER_WINDOW)],
            window=STATUS_REQUEST_WINDOW,
        ):
            messages.info(
                request, _("You asked a moment ago. We'll tell you here as soon as there's news.")
            )
            return redirect("tickets:detail", pk=pk)
        try:
            services.ticket_request_status(ticket=self.ticket, customer=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("We've asked the team for an update."))
        return redirect("tickets:detail", pk=pk)


@require_GET
@login_required
def attachment_download(request, token):
    """Always a download, never shown inline: a file is never a page of ours."""
    attachment = access_attachment(request.user, token)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response


# The agents' side ------------------------------------------------------------------------


class AgentInboxView(OrganizationStaffMixin, TemplateView):
    template_name = "tickets/inbox.html"
    allowed_roles = STAFF_ROLES

    def default_view(self) -> str:
        # Receptionists and managers aren't assigned tickets by routing; they start with all.
        return "mine" if self.membership.role == Role.AGENT else "all"

    def get(self, request, *args, **kwargs):
        shell(request)  # before the rows: see csportal.context_processors.shell
        self.filter_form = InboxFilterForm(request.GET, organization=self.organization)
        self.filters = self.filter_form.filters(self.default_view())
        results = self.results()
        if request.htmx:
            # The live refresh swaps the rows, and the tabs out-of-band so their counts follow.
            tabs = render_to_string(
                "tickets/includes/inbox_tabs.html",
                {**self.shared_context(), "counts": results["counts"], "oob": True},
            )
            return HttpResponse(results["html"] + tabs)
        return self.render_to_response(
            self.get_context_data(
                filter_form=self.filter_form,
                results=results["html"],
                counts=results["counts"],
                **self.shared_context(),
            )
        )

    def shared_context(self) -> dict:
        """What the page and its cached fragment both show."""
        filters = self.filters
        return {
            "request": self.request,
            "organization": self.organization,
            "filters": filters,
            "views": InboxFilterForm.VIEWS,
            "filtered": any(
                filters[name] for name in ("status", "priority", "category", "customer", "search")
            )
            or filters["overdue"],
        }

    def results(self) -> dict:
        """The rows, pager and tab counts, from the cache while no ticket has changed."""
        key = ticket_cache.inbox_page_key(
            self.organization.pk, self.request.user.pk, self.request.get_full_path()
        )
        return cache.get_or_set(key, self.render_results, ticket_cache.INBOX_SECONDS)

    def render_results(self) -> dict:
        tickets = selectors.tickets_for_staff(
            self.organization, user=self.request.user, **self.filters
        )
        paginator = Paginator(tickets, PAGE_SIZE)
        try:
            page = paginator.page(self.request.GET.get("page") or 1)
        except InvalidPage:
            raise Http404(_("There is no such page.")) from None
        html = render_to_string(
            "tickets/includes/inbox_results.html",
            {
                **self.shared_context(),
                "tickets": page.object_list,
                "page_obj": page,
                "paginator": paginator,
                "is_paginated": paginator.num_pages > 1,
            },
        )
        return {
            "html": html,
            "counts": selectors.open_counts(self.organization, user=self.request.user),
        }


class TicketOverviewView(OrganizationStaffMixin, TemplateView):
    """The tickets card of the staff start pages, re-fetched when a ticket changes."""

    template_name = "tickets/includes/overview.html"
    allowed_roles = STAFF_ROLES

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(overview(self.organization, self.membership))
        return context


ACTION_FORMS = {
    "assign": "assign_form",
    "progress": "progress_form",
    "note": "note_form",
    "status": "status_form",
    "priority": "priority_form",
    "resolve": "resolve_form",
}


class StaffTicketView(OrganizationStaffMixin, TemplateView):
    """A ticket for its organization's staff: the whole timeline, internal notes too."""

    template_name = "tickets/staff_detail.html"
    allowed_roles = STAFF_ROLES

    def ticket_roles(self):
        return STAFF_ROLES

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.ticket = access_staff_ticket(
                request, kwargs["slug"], kwargs["pk"], roles=self.ticket_roles()
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ticket = self.ticket
        can_work = self.membership.role in WORKING_ROLES
        context.update(
            ticket=ticket,
            latest_entries=_latest_entries(ticket, staff=True),
            other_tickets=selectors.other_tickets_of_customer(ticket),
            can_work=can_work,
            open_statuses=OPEN_STATUSES,
            ticket_page=_page_config(ticket, user=self.request.user, staff=True),
        )
        context.setdefault("note_form", MessageForm(prefix="note"))
        if can_work:
            context.setdefault(
                "assign_form",
                AssignForm(
                    organization=self.organization,
                    initial={"assignee": ticket.assignee_id or ""},
                ),
            )
            context.setdefault("status_form", StatusForm(ticket=ticket))
            context.setdefault("priority_form", PriorityForm(initial={"priority": ticket.priority}))
            context.setdefault("progress_form", MessageForm(prefix="progress"))
            context.setdefault("resolve_form", ResolveForm())
        return context


class StaffTicketDetailView(StaffTicketView):
    http_method_names = ["get", "head", "options"]


class StaffEarlierEntriesView(EarlierEntriesMixin, StaffTicketView):
    as_staff = True


class StaffTicketActionView(StaffTicketView):
    """One POST form of the staff ticket page; receptionists may only add internal notes."""

    http_method_names = ["post"]

    def ticket_roles(self):
        return STAFF_ROLES if self.kwargs["action"] == "note" else WORKING_ROLES

    def post(self, request, slug, pk, action):
        handler = getattr(self, f"do_{action}", None)
        if handler is None:
            raise Http404
        form = self.bind(action)
        if form is not None and not form.is_valid():
            return self.refused(action, form)
        try:
            done = handler(form.cleaned_data if form is not None else {})
        except ValidationError as exc:
            if form is None:
                for message in exc.messages:
                    messages.error(request, message)
                return redirect("tickets:staff-detail", slug=slug, pk=pk)
            add_service_errors(form, exc)
            return self.refused(action, form)
        messages.success(request, done)
        return redirect("tickets:staff-detail", slug=slug, pk=pk)

    def bind(self, action):
        data, files = self.request.POST, self.request.FILES
        if action == "assign":
            return AssignForm(data, organization=self.organization)
        if action in ("progress", "note"):
            return MessageForm(data, files, prefix=action)
        if action == "status":
            return StatusForm(data, ticket=self.ticket)
        if action == "priority":
            return PriorityForm(data)
        if action == "resolve":
            return ResolveForm(data)
        return None

    def refused(self, action, form):
        context = self.get_context_data(**{ACTION_FORMS[action]: form})
        return self.render_to_response(context, status=400)

    def do_take(self, data):
        services.ticket_take(ticket=self.ticket, agent=self.request.user)
        return _("The ticket is yours.")

    def do_assign(self, data):
        services.ticket_assign(ticket=self.ticket, assignee=data["assignee"], by=self.request.user)
        return _("Assignment saved.")

    def do_progress(self, data):
        services.ticket_add_progress(
            ticket=self.ticket,
            author=self.request.user,
            body=data["body"],
            files=data["attachments"],
        )
        return _("Your reply is on its way to the customer.")

    def do_note(self, data):
        services.ticket_add_internal_note(
            ticket=self.ticket,
            author=self.request.user,
            body=data["body"],
            files=data["attachments"],
        )
        return _("Internal note added.")

    def do_status(self, data):
        services.ticket_change_status(
            ticket=self.ticket, status=data["status"], by=self.request.user
        )
        return _("Status saved.")

    def do_priority(self, data):
        services.ticket_change_priority(
            ticket=self.ticket, priority=data["priority"], by=self.request.user
        )
        return _("Priority saved.")

    def do_resolve(self, data):
        services.ticket_resolve(ticket=self.ticket, result=data["result"], by=self.request.user)
        return _("The result is with the customer.")


# The managers' side ----------------------------------------------------------------------

OVERDUE_SHOWN = 10


class ServiceLevelView(OrganizationStaffMixin, TemplateView):
    """Promise times per priority, reminders, categories, and what is late right now."""

    template_name = "tickets/service_levels.html"
    allowed_roles = (Role.MANAGER,)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organization = self.organization
        current = {p: services.sla_minutes(organization, p) for p in Priority.values}
        reminders = services.reminder_settings(organization)
        overdue = selectors.tickets_for_staff(organization, user=self.request.user, overdue=True)
        context.setdefault("sla_form", SlaForm(current=current))
        context.setdefault(
            "reminder_form",
            ReminderSettingsForm(
                initial={
                    "interval_minutes": reminders.interval_minutes,
                    "escalate_after": reminders.escalate_after,
                }
            ),
        )
        context.setdefault("category_form", CategoryForm())
        context["customized"] = set(
            SlaPolicy.objects.filter(organization=organization).values_list("priority", flat=True)
        )
        context["categories"] = Category.objects.filter(organization=organization)
        context["overdue"] = selectors.overdue_counts(organization)
        context["overdue_tickets"] = list(overdue[:OVERDUE_SHOWN])
        return context

    def post(self, request, slug):
        section = request.POST.get("section")
        if section == "sla":
            current = {p: services.sla_minutes(self.organization, p) for p in Priority.values}
            form = SlaForm(request.POST, current=current)
            key, save, done = "sla_form", self.save_sla, _("Service levels saved.")
        elif section == "reminders":
            form = ReminderSettingsForm(request.POST)
            key, save, done = "reminder_form", self.save_reminders, _("Reminder settings saved.")
        elif section == "category":
            form = CategoryForm(request.POST)
            key, save, done = "category_form", self.save_category, _("Category added.")
        else:
            raise Http404
        if form.is_valid() and save(form):
            messages.success(request, done)
            return redirect("tickets:service-levels", slug=slug)
        return self.render_to_response(self.get_context_data(**{key: form}), status=400)

    def save_sla(self, form) -> bool:
        try:
            services.sla_table_set(organization=self.organization, policies=form.policies())
        except ValidationError as exc:
            add_service_errors(form, exc)
            return False
        return True

    def save_reminders(self, form) -> bool:
        try:
            services.reminder_settings_set(organization=self.organization, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return False
        return True

    def save_category(self, form) -> bool:
        try:
            services.category_create(organization=self.organization, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return False
        return True
