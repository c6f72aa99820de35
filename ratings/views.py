"""Rating pages: the public provider list and page, and the staff's reviews dashboard.

Reads go through selectors, writes through one service call; the live parts (provider.js,
the htmx refresh of the dashboard list) only re-show what the server already decided.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView, TemplateView

from accounts.permissions import OrganizationStaffMixin
from csportal.forms import add_service_errors

from . import selectors, services
from .access import access_provider, access_staff_review
from .forms import FlagForm, ResponseForm, ReviewForm

DASHBOARD_PAGE_SIZE = 25


class ProviderListView(ListView):
    template_name = "ratings/provider_list.html"
    context_object_name = "scores"
    paginate_by = 50

    def get_queryset(self):
        return selectors.provider_ranking()


class ProviderView(TemplateView):
    """A provider's public page; a customer it has served may review it here."""

    template_name = "ratings/provider.html"
    http_method_names = ["get", "post", "head", "options"]

    def dispatch(self, request, *args, **kwargs):
        self.organization = access_provider(kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def review_form(self, data=None):
        user = self.request.user
        return ReviewForm(data, tickets=selectors.tickets_to_review(user, self.organization))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        score = selectors.organization_score(self.organization)
        context.update(
            organization=self.organization,
            summary=selectors.score_summary(score),
            reviews=selectors.recent_reviews(self.organization),
            provider_page={"organization": self.organization.pk},
        )
        if "review_form" not in context and (
            user.is_authenticated and services.has_dealt_with(user, self.organization)
        ):
            context["review_form"] = self.review_form()
        return context

    def post(self, request, slug):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        form = self.review_form(request.POST)
        if form.is_valid():
            try:
                review = services.review_post(
                    customer=request.user, organization=self.organization, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Thank you, your review is published."))
                url = reverse("ratings:provider", args=[slug])
                return redirect(f"{url}#review-{review.pk}")
        return self.render_to_response(self.get_context_data(review_form=form), status=400)


class DashboardView(OrganizationStaffMixin, ListView):
    """The organization's reviews for its agents and managers, unanswered first."""

    template_name = "ratings/dashboard.html"
    allowed_roles = services.RESPONDING_ROLES
    context_object_name = "reviews"
    paginate_by = DASHBOARD_PAGE_SIZE

    def get_queryset(self):
        return selectors.reviews_for_staff(self.organization)

    def get_template_names(self):
        # The live refresh asks for the list only.
        if self.request.htmx:
            return ["ratings/includes/dashboard_reviews.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = selectors.score_summary(
            selectors.organization_score(self.organization)
        )
        return context


class DashboardActionView(DashboardView):
    """Respond to or flag one review; a refused form re-renders the dashboard with it."""

    http_method_names = ["post"]
    actions = {"respond": ResponseForm, "flag": FlagForm}

    def post(self, request, slug, pk, action):
        form_class = self.actions.get(action)
        if form_class is None:
            raise Http404
        review = access_staff_review(
            request.user, pk, self.allowed_roles, organization=self.organization
        )
        form = form_class(request.POST, prefix=f"{action}-{review.pk}")
        if form.is_valid():
            try:
                if action == "respond":
                    services.review_respond(
                        review=review, author=request.user, body=form.cleaned_data["body"]
                    )
                    done = _("Your answer is published.")
                else:
                    services.review_flag(
                        review=review, by=request.user, reason=form.cleaned_data["reason"]
                    )
                    done = _("The review is flagged for a manager.")
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, done)
                return redirect("ratings:dashboard", slug=slug)
        self.object_list = self.get_queryset()
        context = self.get_context_data(
            refused_form=form, refused_review=review.pk, refused_action=action
        )
        return self.render_to_response(context, status=400)
