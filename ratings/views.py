"""Rating pages: the public provider list and page, the staff's reviews dashboard, the
customer's own reviews and thanks after a ticket, and a staff member's ratings profile.

Reads go through selectors, writes through one service call; the live parts (provider.js,
my_reviews.js, the htmx refreshes) only re-show what the server already decided.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView, TemplateView

from accounts.middleware import use_organization_timezone
from accounts.models import Role
from accounts.permissions import OrganizationStaffMixin
from chat.access import access_customer_conversation
from csportal.context_processors import follow_public_groups
from csportal.forms import add_service_errors
from technicians.access import access_customer_visit
from tickets.access import access_customer_ticket

from . import live, selectors, services
from .access import (
    RATED_ROLES,
    access_customer_review,
    access_provider,
    access_provider_score,
    access_public_review,
    access_rated_person,
    access_staff_review,
)
from .forms import FlagForm, GiftForm, RatingForm, ResponseForm, ReviewForm
from .models import COMMENT_MAX_LENGTH, NOTE_MAX_LENGTH

DASHBOARD_PAGE_SIZE = 25


class ProviderListView(ListView):
    template_name = "ratings/provider_list.html"
    context_object_name = "scores"
    paginate_by = 50

    def get_queryset(self):
        return selectors.provider_ranking()


class ProviderView(TemplateView):
    """A provider's public page; a customer it has served may review it here (its own staff
    may not). Every visitor's tab follows the provider's public group (ratings.live) and,
    told of a change, fetches the score (?part=score) and the reviews (?part=reviews) again.
    """

    template_name = "ratings/provider.html"
    http_method_names = ["get", "post", "head", "options"]
    parts = {"score", "reviews"}

    def dispatch(self, request, *args, **kwargs):
        self.organization, self.score = access_provider_score(kwargs["slug"])
        use_organization_timezone(request.user, self.organization)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        part = request.GET.get("part")
        if part not in self.parts:
            return super().get(request, *args, **kwargs)
        if part == "score":
            return HttpResponse(self.score_sections(self.reviews_version()))
        return TemplateResponse(
            request, "ratings/includes/provider_reviews_card.html", self.reviews_context()
        )

    def reviews_version(self) -> float:
        # Every review posted, changed, deleted or answered moves the score's updated_at,
        # so the cached sections and list of reviews are never older than their data.
        return self.score.updated_at.timestamp() if self.score else 0

    def reviews_context(self) -> dict:
        return {
            "organization": self.organization,
            # Lazy: read only when the cached list below is missing or stale.
            "reviews_page": SimpleLazyObject(lambda: selectors.recent_reviews(self.organization)),
            "reviews_version": self.reviews_version(),
            "own_review_id": selectors.own_review_id(self.request.user, self.organization),
        }

    def review_form(self, data=None):
        return ReviewForm(
            data, subjects=selectors.review_subjects(self.request.user, self.organization)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        group = live.provider_group(self.organization.pk)
        # Every visitor's tab, signed in or not, follows the provider's public group.
        follow_public_groups(self.request, [group])
        context.update(
            score_sections=self.score_sections(self.reviews_version()),
            provider_page={
                "organization": self.organization.pk,
                "pageSize": selectors.PUBLIC_REVIEWS,
            },
            **self.reviews_context(),
        )
        if "review_form" not in context and user.is_authenticated:
            form = self.review_form()
            # Something to choose from means they were served and are not its staff; without
            # it, ask the long way.
            if form.subjects or services.may_review(user, self.organization):
                context["review_form"] = form
        return context

    def score_sections(self, reviews_version: float) -> str:
        """The score with its distribution, and the trend chart: the same for every visitor
        in a language, so cached as HTML, read in one round trip. Both are rendered once per
        version (every review, change or answer makes one), the chart also once a day (its
        days move); the chart ends at the score shown beside it. The points also drift with
        time and with other providers' reviews (the prior): that shows within
        PUBLIC_TREND_SECONDS."""
        organization, language = self.organization, get_language()
        day = timezone.localdate(timezone=timezone.get_default_timezone())
        sections = {
            f"ratings:provider-summary:{organization.pk}:{reviews_version}:{language}": (
                "ratings/includes/provider_summary_section.html",
                lambda: {"summary": selectors.score_summary(self.score)},
            ),
            f"ratings:provider-trend:{organization.pk}:{reviews_version}:{day}:{language}": (
                "ratings/includes/provider_trend_section.html",
                lambda: {"trend": selectors.score_history(organization, score=self.score)},
            ),
        }
        cached = cache.get_many(sections)
        missing = {
            key: render_to_string(template, context())
            for key, (template, context) in sections.items()
            if key not in cached
        }
        if missing:
            cache.set_many(missing, selectors.PUBLIC_TREND_SECONDS)
        return mark_safe("\n".join(cached.get(key) or missing[key] for key in sections))  # noqa: S308

    def post(self, request, slug):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        form = self.review_form(request.POST)
        if form.is_valid():
            try:
                review = services.review_post(
                    customer=request.user, organization=self.organization, **form.review_fields()
                )
            except ValidationError as exc:
                add_service_errors(
                    form, exc, rename=dict.fromkeys(services.SUBJECT_FIELDS, "about")
                )
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
        # The answer and flag fields are written out by hand, one pair per review.
        context["limits"] = {"comment": COMMENT_MAX_LENGTH, "note": NOTE_MAX_LENGTH}
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


class ProviderReviewsView(TemplateView):
    """GET ?before=<review id>: the provider's reviews just older than that one, for the
    public page's "Show more reviews" button."""

    template_name = "ratings/includes/provider_reviews.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organization = access_provider(self.kwargs["slug"])
        use_organization_timezone(self.request.user, organization)
        review = access_public_review(organization, self.request.GET.get("before"))
        if review is None:
            raise BadRequest(_("Give the review to read past as ?before=<id>."))
        context.update(
            organization=organization,
            reviews_page=selectors.recent_reviews(organization, before=review),
        )
        return context


class ScoresDashboardView(OrganizationStaffMixin, TemplateView):
    """The managers' table of scores: the organization's, each agent's and technician's,
    with how often and how fast reviews are answered, and the trend of the row picked."""

    template_name = "ratings/scores.html"
    allowed_roles = (Role.MANAGER,)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            rows=selectors.scores_dashboard(self.organization),
            trend=selectors.score_history(self.organization),
            history_url=reverse("api:organization-score-history", args=[self.organization.slug]),
        )
        return context


# The customer's reviews and thanks ----------------------------------------------------------

MY_REVIEWS_PAGE_SIZE = 20


class MyReviewsView(LoginRequiredMixin, ListView):
    """The customer's own reviews, newest first. Those still in their edit window can be
    changed or deleted here; a provider's answer shows up live (my_reviews.js)."""

    template_name = "ratings/my_reviews.html"
    context_object_name = "reviews"
    paginate_by = MY_REVIEWS_PAGE_SIZE

    def get_queryset(self):
        return selectors.reviews_by_customer(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        refused_review, refused_form = context.get("refused_review"), context.get("refused_form")
        now = timezone.now()
        rows = []
        for review in context["reviews"]:
            deadline = selectors.review_edit_deadline(review)
            refused = refused_form if refused_review == review.pk else None
            if refused is not None and context.get("refused_action") == "edit":
                edit_form = refused
            else:
                edit_form = RatingForm(
                    initial={"stars": review.stars, "comment": review.comment},
                    prefix=f"edit-{review.pk}",
                )
            rows.append(
                {
                    "review": review,
                    "deadline": deadline,
                    "editable": now <= deadline,
                    "refused": refused,
                    "edit_form": edit_form,
                }
            )
        context["rows"] = rows
        if not context["page_obj"].has_previous():
            context["awaiting"] = selectors.awaiting_rating(self.request.user)
        return context


class AwaitingRatingView(LoginRequiredMixin, TemplateView):
    """My reviews' list of what waits for a rating, alone: the page fetches it again when
    one of the customer's tickets, visits or chats changes."""

    template_name = "ratings/includes/awaiting_rating.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            awaiting=selectors.awaiting_rating(self.request.user), **kwargs
        )


class MyReviewActionView(MyReviewsView):
    """Change or delete one of the customer's reviews; a refusal (the window has passed, say)
    re-renders the list with the error on that review."""

    http_method_names = ["post"]

    def post(self, request, pk, action):
        if action not in ("edit", "delete"):
            raise Http404
        review = access_customer_review(request.user, pk)
        if action == "edit":
            form = RatingForm(request.POST, prefix=f"edit-{review.pk}")
        else:
            # Nothing to fill in; the form only carries a refusal back to the page.
            form = forms.Form(request.POST)
        if form.is_valid():
            try:
                if action == "edit":
                    services.review_edit(review=review, customer=request.user, **form.cleaned_data)
                    done = _("Your review is updated.")
                else:
                    services.review_delete(review=review, customer=request.user)
                    done = _("Your review is deleted.")
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, done)
                url = reverse("ratings:my-reviews")
                return redirect(f"{url}#my-review-{review.pk}" if action == "edit" else url)
        self.object_list = self.get_queryset()
        context = self.get_context_data(
            refused_form=form, refused_review=review.pk, refused_action=action
        )
        return self.render_to_response(context, status=400)


class FeedbackView(LoginRequiredMixin, TemplateView):
    """After a ticket, a visit or a chat: rate it (the review is about it and whoever served
    the customer in it) and thank that person with a gift. GET shows the forms; POST to
    .../<action>/ ("review" or "gift") sends one. A refused form comes back with its errors.
    """

    template_name = "ratings/feedback.html"
    # action: (context name, form, prefix)
    action_forms = {
        "review": ("rating_form", RatingForm, "rate"),
        "gift": ("gift_form", GiftForm, "thank"),
    }
    # Set by each kind: the review field the subject goes in and its page's URL name.
    field: str
    url_name: str

    def access(self, user, pk):
        """The customer's own subject with that id, or a 404."""
        raise NotImplementedError

    def served_by(self):
        """Who served the customer in it: the one a gift goes to."""
        raise NotImplementedError

    def describe(self) -> dict:
        """The page's heading and back link, what it says above the thank-you form, and when
        there is nobody to thank."""
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.method == "GET" and "action" in kwargs:
            return self.http_method_not_allowed(request, *args, **kwargs)
        self.subject = self.access(request.user, kwargs["pk"])
        use_organization_timezone(request.user, self.subject.organization)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subject, person = self.subject, self.served_by()
        context.update(
            subject=subject,
            organization=subject.organization,
            person=person,
            finished=services.subject_finished(self.field, subject),
            # Its own staff, who opened it as a customer: nothing to rate or thank for.
            own_staff=services.is_staff_of(self.request.user, subject.organization),
            own_staff_text=services.NOT_FOR_STAFF,
            waiting_text=services.NOT_FINISHED[self.field],
            review_url=reverse(f"ratings:{self.url_name}-action", args=[subject.pk, "review"]),
            gift_url=reverse(f"ratings:{self.url_name}-action", args=[subject.pk, "gift"]),
            **self.describe(),
        )
        if person is not None:
            context["served_text"] %= {"name": person}
        if context["finished"] and not context["own_staff"]:
            context["review"] = selectors.subject_review(self.request.user, self.field, subject)
            if context["review"] is None:
                context.setdefault("rating_form", RatingForm(prefix="rate"))
            if person is not None:
                context.setdefault("gift_form", GiftForm(prefix="thank"))
        return context

    def post(self, request, pk, action=None):
        if action not in self.action_forms:
            raise Http404
        name, form_class, prefix = self.action_forms[action]
        form = form_class(request.POST, prefix=prefix)
        if form.is_valid():
            try:
                done = getattr(self, f"do_{action}")(form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, done)
                return redirect(self.done_url())
        return self.render_to_response(self.get_context_data(**{name: form}), status=400)

    def done_url(self) -> str:
        return reverse(f"ratings:{self.url_name}", args=[self.subject.pk])

    def do_review(self, data):
        services.review_post(
            customer=self.request.user,
            organization=self.subject.organization,
            **{self.field: self.subject},
            **data,
        )
        return _("Thank you for rating our service.")

    def do_gift(self, data):
        person = self.served_by()
        if person is None:
            raise ValidationError(self.describe()["nobody_text"])
        services.gift_send(
            sender=self.request.user,
            organization=self.subject.organization,
            recipient=person,
            **{self.field: self.subject},
            **data,
        )
        return _("Your thank-you is on its way to %(name)s.") % {"name": person}


class TicketFeedbackView(FeedbackView):
    """The customer's ticket page loads this as a fragment, and again whenever the ticket
    changes, so the offer appears the moment the ticket is resolved. Without htmx, and when
    a form is refused (htmx swaps no 400s), it is a page of its own."""

    field, url_name = "ticket", "ticket-feedback"

    def access(self, user, pk):
        return access_customer_ticket(user, pk)

    def get_template_names(self):
        if self.request.htmx and self.request.method == "GET":
            return ["ratings/includes/feedback.html"]
        return [self.template_name]

    def served_by(self):
        return self.subject.assignee

    def describe(self) -> dict:
        ticket = self.subject
        return {
            "heading": f"#{ticket.pk} {ticket.subject}",
            "back_url": reverse("tickets:detail", args=[ticket.pk]),
            "served_text": _("A small gift and a note for %(name)s, who handled your request."),
            "nobody_text": _("Nobody has handled this request yet."),
        }

    def done_url(self) -> str:
        return reverse("tickets:detail", args=[self.subject.pk]) + "#ticket-feedback"


class VisitFeedbackView(FeedbackView):
    field, url_name = "visit", "visit-feedback"

    def access(self, user, pk):
        return access_customer_visit(user, pk)

    def served_by(self):
        return self.subject.technician

    def describe(self) -> dict:
        visit = self.subject
        return {
            "heading": str(visit),
            "back_url": reverse("ratings:my-reviews"),
            "served_text": _("A small gift and a note for %(name)s, who came to you."),
            "nobody_text": _("No technician is booked for this visit yet."),
        }


class ChatFeedbackView(FeedbackView):
    field, url_name = "conversation", "chat-feedback"

    def access(self, user, pk):
        return access_customer_conversation(user, pk)

    def served_by(self):
        return self.subject.agent

    def describe(self) -> dict:
        return {
            "heading": str(self.subject),
            "back_url": reverse("ratings:my-reviews"),
            "served_text": _("A small gift and a note for %(name)s, who answered your chat."),
            "nobody_text": _("No agent has answered this chat yet."),
        }


# A staff member's ratings -------------------------------------------------------------------


class AgentProfileView(OrganizationStaffMixin, TemplateView):
    """What customers think of one agent or technician: their score, the reviews about them
    with the answers, and the thank-yous they received. Theirs to see, and their managers'.
    It follows new reviews and answers live (an htmx refresh)."""

    template_name = "ratings/agent_profile.html"
    allowed_roles = RATED_ROLES

    def get_template_names(self):
        if self.request.htmx:
            return ["ratings/includes/agent_profile_body.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = access_rated_person(self.membership, self.kwargs["pk"])
        context.update(
            person=person,
            summary=selectors.score_summary(selectors.person_score(person)),
            reviews=selectors.reviews_about(person),
            gifts=selectors.gifts_received(person),
            gift_counts=selectors.gift_counts(person),
        )
        return context


class ReviewsAboutMeView(OrganizationStaffMixin, TemplateView):
    """The agent start page's card of the newest reviews about them, alone: the card
    fetches it again whenever a review changes."""

    template_name = "ratings/includes/reviews_about_me.html"
    allowed_roles = RATED_ROLES

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reviews_about_me"] = selectors.reviews_about(
            self.membership, limit=selectors.REVIEWS_ABOUT_ME
        )
        return context
