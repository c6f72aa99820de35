from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.models import Role
from accounts.permissions import OrganizationStaffMixin
from accounts.selectors import request_memberships

from . import kinds, selectors, services
from .access import access_notification
from .forms import ChannelsByKindForm, QuietHoursForm
from .models import NotificationPreference, OrganizationDefault, QuietHours


class InboxView(LoginRequiredMixin, ListView):
    template_name = "notifications/inbox.html"
    context_object_name = "notifications"
    paginate_by = 30

    def get_queryset(self):
        return selectors.inbox_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["unread"] = selectors.unread_count(self.request.user)
        return context


class OpenNotificationView(LoginRequiredMixin, View):
    """Mark one notification read and go to the thing it is about."""

    def post(self, request, pk):
        notification = access_notification(request.user, pk)
        services.notification_mark_read(user=request.user, notification=notification)
        target = notification.link
        if not target or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = "notifications:inbox"
        return redirect(target)


class ReadAllView(LoginRequiredMixin, View):
    def post(self, request):
        services.notification_mark_all_read(user=request.user)
        return redirect("notifications:inbox")


class PreferencesView(LoginRequiredMixin, TemplateView):
    """The person's channels for each kind they can receive, and their quiet hours."""

    template_name = "notifications/preferences.html"

    def _form(self, data=None):
        current = {
            p.kind: p.channels
            for p in NotificationPreference.objects.filter(user=self.request.user)
        }
        receivable = selectors.kinds_for(self.request.user, request_memberships(self.request))
        return ChannelsByKindForm(data, current=current, for_kinds=receivable)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        quiet = QuietHours.objects.filter(user=self.request.user).first()
        context.setdefault("form", self._form())
        context.setdefault(
            "quiet_form",
            QuietHoursForm(initial={"start": quiet.start, "end": quiet.end} if quiet else None),
        )
        return context

    def post(self, request):
        form = self._form(request.POST)
        quiet_form = QuietHoursForm(request.POST)
        if not (form.is_valid() and quiet_form.is_valid()):
            context = self.get_context_data(form=form, quiet_form=quiet_form)
            return self.render_to_response(context, status=400)
        with transaction.atomic():
            for kind, channels in form.cleaned_data.items():
                services.preference_set(user=request.user, kind=kind, channels=channels)
            services.quiet_hours_set(
                user=request.user,
                start=quiet_form.cleaned_data["start"],
                end=quiet_form.cleaned_data["end"],
            )
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")


class OrganizationDefaultsView(OrganizationStaffMixin, TemplateView):
    """A manager sets which channels each kind uses for people who haven't chosen."""

    template_name = "notifications/organization_defaults.html"
    allowed_roles = (Role.MANAGER,)

    def _current(self):
        return {
            d.kind: d.channels
            for d in OrganizationDefault.objects.filter(organization=self.organization)
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ChannelsByKindForm(current=self._current()))
        return context

    def post(self, request, slug):
        form = ChannelsByKindForm(request.POST, current=self._current())
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        with transaction.atomic():
            for kind in kinds.all_kinds():
                services.organization_default_set(
                    organization=self.organization,
                    kind=kind.name,
                    channels=form.cleaned_data[kind.name],
                )
        messages.success(request, _("Organization defaults saved."))
        return redirect("notifications:organization-defaults", slug=slug)


class DeliveriesView(OrganizationStaffMixin, ListView):
    """Staff see where every message to a customer stands, updated live."""

    template_name = "notifications/deliveries.html"
    allowed_roles = services.DELIVERIES_ROLES
    context_object_name = "deliveries"
    paginate_by = 50

    def get_queryset(self):
        return selectors.deliveries_for(self.organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["live_group"] = services.deliveries_group(self.organization.pk)
        return context


def service_worker(request):
    """Served from the site root so the worker's scope covers every page."""
    response = render(request, "notifications/sw.js", content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response
