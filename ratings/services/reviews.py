"""Reviews: the customer posts, edits or takes back theirs; the provider answers or flags."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.language import in_language_of
from accounts.models import Organization, Role, User
from accounts.selectors import with_profiles, works_for
from chat.models import Conversation
from csportal.realtime import org_audience_group, publish, user_group
from notifications.services import notify_after_commit
from technicians.models import ServiceRequest
from tickets.models import Ticket

from .. import live, scoring, sentiment
from ..models import Review, ReviewResponse
from .eligibility import (
    _check_not_staff,
    _check_person,
    _served_by,
    _subject,
    has_dealt_with,
    subject_served,
)
from .scores import _apply, _combined, _response_additions, _review_additions

RESPONDING_ROLES = (Role.MANAGER, Role.AGENT)
# The staff who follow every review of their organization: those who answer them.
REVIEW_AUDIENCE = "reviews"

_REVIEWED_ALREADY = {
    "ticket": _lazy("You have already reviewed this ticket."),
    "visit": _lazy("You have already reviewed this visit."),
    "conversation": _lazy("You have already rated this chat."),
}
_NOT_SERVED = {
    "ticket": _lazy("You can rate a request once the provider has answered it."),
    "visit": _lazy("You can rate a visit once it is completed."),
    "conversation": _lazy("You can rate a chat once an agent has answered it."),
}


# Posting ---------------------------------------------------------------------------------


def review_post(
    *,
    customer: User,
    organization: Organization,
    stars: int,
    comment: str = "",
    ticket: Ticket | None = None,
    visit: ServiceRequest | None = None,
    conversation: Conversation | None = None,
    agent: User | None = None,
    technician: User | None = None,
    now: datetime | None = None,
) -> Review:
    """Rate a provider that served the customer: as a whole, or one answered ticket,
    completed visit or answered chat of theirs, at most once each. A review of a ticket or
    chat is also about the agent who handled it, of a visit about its technician, unless
    others who served the customer there are named. The provider's own staff, past or
    present, never review it.

    The provider's staff see it at once and are notified; the scores take it in atomically,
    as of `now`.
    """
    field, subject, agent, technician = _check_review(
        customer,
        organization,
        stars,
        subjects={"ticket": ticket, "visit": visit, "conversation": conversation},
        named={"agent": agent, "technician": technician},
    )
    language, mood = sentiment.analyse(comment)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            review = Review.objects.create(
                organization=organization,
                customer=customer,
                agent=agent,
                technician=technician,
                stars=stars,
                comment=comment.strip(),
                language=language,
                sentiment=mood,
                weight=scoring.decay_weight(now),
                created_at=now,
                **({field: subject} if field else {}),
            )
            _apply(review, _review_additions(review, 1, stars=stars, sentiment_value=mood), now=now)
            _announce_review(review)
    except IntegrityError:
        # The same subject reviewed twice at once: the unique constraint let one through.
        if field is None:
            raise
        raise ValidationError({field: str(_REVIEWED_ALREADY[field])}) from None
    return review


def _check_review(
    customer: User, organization: Organization, stars: int, *, subjects: dict, named: dict
) -> tuple[str | None, object, User | None, User | None]:
    """review_post's checks, in the order its errors are reported; returns the subject
    (field, object) and who the review is about (agent, technician)."""
    _check_stars(stars)
    _check_not_staff(customer, organization)
    field, subject = _subject(customer, organization, subjects)
    if field is None and not has_dealt_with(customer, organization):
        raise ValidationError(_("You can review a provider once it has served you."))
    agent, technician = _review_people(field, subject, named["agent"], named["technician"])
    if field is not None and Review.objects.filter(customer=customer, **{field: subject}).exists():
        raise ValidationError({field: str(_REVIEWED_ALREADY[field])})
    _check_person(organization, agent, (Role.AGENT, Role.MANAGER), "agent")
    _check_person(organization, technician, (Role.TECHNICIAN,), "technician")
    # Whom the customer names must have served them (there, when the review is about
    # something), or anyone could move any agent's score.
    for name, person in named.items():
        likeliest = "visit" if name == "technician" else "ticket"
        if person is not None and not _served_by(
            customer, organization, person, field, subject, likeliest=likeliest
        ):
            raise ValidationError({name: _("Choose someone who served you.")})
    return field, subject, agent, technician


def _check_stars(stars: int) -> None:
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationError({"stars": _("Give from 1 to 5 stars.")})


def _review_people(field: str | None, subject, agent: User | None, technician: User | None):
    """Who the review is about besides the provider: as chosen, or else who served the
    subject. A ticket must have been answered, a visit done and a chat answered before
    there is anything to rate."""
    if field is not None and not subject_served(field, subject):
        raise ValidationError({field: str(_NOT_SERVED[field])})
    if field == "ticket" and agent is None and subject.assignee_id:
        agent = subject.assignee
    elif field == "visit" and technician is None and subject.technician_id:
        technician = subject.technician
    elif field == "conversation" and agent is None:
        agent = subject.agent
    return agent, technician


def _announce_review(review: Review) -> None:
    """Show the new review to the provider's staff, and notify its managers and the people
    it is about."""
    organization = review.organization
    publish("review.posted", _review_payload(review), groups=_review_groups(review))
    live.announce_provider_changed(organization.pk)
    for person in _review_audience(review):
        with in_language_of(person):
            notify_after_commit(
                recipient=person,
                kind="review.posted",
                title=_("New %(stars)d★ review from %(name)s")
                % {"stars": review.stars, "name": review.customer},
                body=review.comment[:300],
                link=_review_link(review, person),
                organization=organization,
                dedupe_key=f"review-posted:{review.pk}:{person.pk}",
            )


def _review_audience(review: Review) -> list[User]:
    """The managers and the people the review is about, with their profiles: each is told
    in their language."""
    managers = User.objects.filter(
        memberships__organization_id=review.organization_id,
        memberships__role=Role.MANAGER,
        memberships__is_active=True,
    ).select_related("customer_profile")
    people = {user.pk: user for user in managers}
    for person in (review.agent, review.technician):
        if person is not None:
            people.setdefault(person.pk, person)
    with_profiles(people.values())
    return list(people.values())


def _review_groups(review: Review) -> list[str]:
    """Who sees a review change live: the staff who answer reviews, and the technician it
    is about, on their own ratings page. Not the whole staff: receptionists have no page for
    reviews, and a technician has no business with the others' reviews."""
    groups = [org_audience_group(review.organization_id, REVIEW_AUDIENCE)]
    if review.technician_id is not None:
        groups.append(user_group(review.technician_id))
    return groups


def _review_link(review: Review, person: User) -> str:
    """Where a notice of the review takes `person`: the reviews page, or for the technician
    it is about (who has none), their own ratings."""
    slug = review.organization.slug
    if person.pk == review.technician_id:
        return reverse("ratings:agent-profile", args=[slug, person.pk])
    return reverse("ratings:dashboard", args=[slug])


def _review_payload(review: Review) -> dict:
    response = getattr(review, "response", None)
    return {
        "id": review.pk,
        "organization": review.organization_id,
        "stars": review.stars,
        "comment": review.comment,
        "sentiment": review.sentiment,
        "customer": str(review.customer),
        "agent": str(review.agent) if review.agent_id else None,
        "technician": str(review.technician) if review.technician_id else None,
        "ticket": review.ticket_id,
        "visit": review.visit_id,
        "conversation": review.conversation_id,
        "created_at": review.created_at,
        "response": {
            "body": response.body,
            "author": str(response.author),
            "created_at": response.created_at,
        }
        if response
        else None,
    }


# The author's changes --------------------------------------------------------------------


def _check_editable(review: Review, customer: User, now: datetime) -> None:
    if review.customer_id != customer.pk:
        raise ValidationError(_("Only its author can change a review."))
    if now - review.created_at > timedelta(hours=settings.RATING_EDIT_WINDOW_HOURS):
        raise ValidationError(
            _("A review can be changed only in its first %(hours)d hours.")
            % {"hours": settings.RATING_EDIT_WINDOW_HOURS}
        )


def review_edit(
    *, review: Review, customer: User, stars: int, comment: str, now: datetime | None = None
) -> Review:
    """The author changes their review within its edit window; the scores follow, as of
    `now`."""
    now = now or timezone.now()
    _check_editable(review, customer, now)
    _check_stars(stars)
    language, mood = sentiment.analyse(comment)
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        taken_back = _review_additions(
            review, -1, stars=review.stars, sentiment_value=review.sentiment
        )
        review.stars, review.comment, review.language, review.sentiment = (
            stars,
            comment.strip(),
            language,
            mood,
        )
        review.edited_at = now
        review.save(update_fields=["stars", "comment", "language", "sentiment", "edited_at"])
        _apply(
            review,
            _combined(taken_back, _review_additions(review, 1, stars=stars, sentiment_value=mood)),
            now=now,
        )
        publish("review.posted", _review_payload(review), groups=_review_groups(review))
        live.announce_provider_changed(review.organization_id)
    return review


def review_delete(*, review: Review, customer: User, now: datetime | None = None) -> None:
    """The author takes their review back within its edit window; the scores give it back,
    as of `now`."""
    now = now or timezone.now()
    _check_editable(review, customer, now)
    with transaction.atomic():
        # of=("self",): Postgres can't lock the nullable side of the outer join to response.
        review = (
            Review.objects.select_for_update(of=("self",))
            .select_related("response")
            .get(pk=review.pk)
        )
        changes = [
            _review_additions(review, -1, stars=review.stars, sentiment_value=review.sentiment)
        ]
        response = getattr(review, "response", None)
        if response is not None:
            changes.append(_response_additions(review, response, sign=-1))
        _apply(review, _combined(*changes), now=now)
        publish(
            "review.deleted",
            {"id": review.pk, "organization": review.organization_id},
            groups=_review_groups(review),
        )
        live.announce_provider_changed(review.organization_id)
        review.delete()


# The provider's side ---------------------------------------------------------------------


def review_respond(
    *, review: Review, author: User, body: str, now: datetime | None = None
) -> ReviewResponse:
    """The provider answers publicly, once; the customer sees it at once. The scores count
    the answer as of `now`."""
    now = now or timezone.now()
    if not works_for(author, review.organization_id, RESPONDING_ROLES):
        raise ValidationError(_("Only the provider's agents and managers can respond."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("This field may not be blank.")})
    with transaction.atomic():
        # With whom the answer is told to, in their language; only the review is locked.
        review = (
            Review.objects.select_for_update(of=("self",))
            .select_related("organization", "customer__customer_profile")
            .get(pk=review.pk)
        )
        if ReviewResponse.objects.filter(review=review).exists():
            raise ValidationError({"body": _("This review has a response already.")})
        response = ReviewResponse.objects.create(
            review=review, author=author, body=body, created_at=now
        )
        _apply(review, _response_additions(review, response), now=now)
        payload = _review_payload(review)
        publish(
            "review.responded",
            payload,
            groups=[user_group(review.customer_id), *_review_groups(review)],
        )
        live.announce_provider_changed(review.organization_id)
        with in_language_of(review.customer):
            notify_after_commit(
                recipient=review.customer,
                kind="review.responded",
                title=_("%(provider)s answered your review") % {"provider": review.organization},
                body=body[:300],
                link=reverse("ratings:provider", args=[review.organization.slug]),
                organization=review.organization,
                dedupe_key=f"review-responded:{review.pk}",
            )
    return response


def review_flag(*, review: Review, by: User, reason: str) -> Review:
    """Staff mark an abusive review for a manager to look at."""
    if not works_for(by, review.organization_id):
        raise ValidationError(_("Only the provider's staff can flag its reviews."))
    Review.objects.filter(pk=review.pk).update(
        is_flagged=True, flag_reason=(reason or "").strip()[:300]
    )
    review.refresh_from_db()
    return review
