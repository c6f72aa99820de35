"""Reviews, responses, gifts, and the scores they feed."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, Role, User
from csportal.realtime import org_role_group, org_staff_group, publish, user_group
from notifications.services import notify
from tickets.models import Ticket

from . import scoring, sentiment
from .models import Gift, GiftKind, Review, ReviewResponse, Score, ScoreSnapshot, TargetKind

STAR_FIELDS = {n: f"stars_{n}" for n in range(1, 6)}
RESPONDING_ROLES = (Role.MANAGER, Role.AGENT)


# Scores ----------------------------------------------------------------------------------


def prior_for(score: Score) -> float:
    """The mean stars a target is pulled towards: all organizations' for an organization,
    its own organization's for a person."""
    scores = Score.objects.filter(kind=TargetKind.ORGANIZATION)
    if score.kind != TargetKind.ORGANIZATION:
        scores = scores.filter(organization_id=score.organization_id)
    totals = scores.aggregate(stars=Sum("stars_total"), count=Sum("count"))
    if not totals["count"]:
        return scoring.DEFAULT_PRIOR
    return totals["stars"] / totals["count"]


def score_points(
    score: Score, *, now: datetime | None = None, prior: float | None = None
) -> float | None:
    return scoring.points(
        count=score.count,
        weight_sum=score.weight_sum,
        weighted_stars=score.weighted_stars,
        weighted_sentiment=score.weighted_sentiment,
        responded=score.responded,
        response_seconds=score.response_seconds,
        prior=prior_for(score) if prior is None else prior,
        now=now or timezone.now(),
    )


def _targets(review: Review) -> list[tuple[str, int | None]]:
    targets = [(TargetKind.ORGANIZATION, None)]
    if review.agent_id:
        targets.append((TargetKind.AGENT, review.agent_id))
    if review.technician_id:
        targets.append((TargetKind.TECHNICIAN, review.technician_id))
    return targets


def _score_rows(review: Review) -> list[Score]:
    # A review's targets never change after posting, so one lookup serves every step of an
    # operation (sums, response, points) instead of a get_or_create per target per step.
    if not hasattr(review, "_score_rows"):
        review._score_rows = [
            Score.objects.get_or_create(
                organization_id=review.organization_id, kind=kind, person_id=person_id
            )[0]
            for kind, person_id in _targets(review)
        ]
    return review._score_rows


def _add(review: Review, sign: int, *, stars: int, sentiment_value: float) -> None:
    """Add (sign=1) or take back (sign=-1) one review's contribution, atomically."""
    changes = {
        "count": F("count") + sign,
        "stars_total": F("stars_total") + sign * stars,
        "weight_sum": F("weight_sum") + sign * review.weight,
        "weighted_stars": F("weighted_stars") + sign * review.weight * stars,
        "weighted_sentiment": F("weighted_sentiment") + sign * review.weight * sentiment_value,
        STAR_FIELDS[stars]: F(STAR_FIELDS[stars]) + sign,
        "updated_at": timezone.now(),
    }
    for score in _score_rows(review):
        Score.objects.filter(pk=score.pk).update(**changes)


def _refresh_points(review: Review) -> None:
    # Runs after the F() updates in the same transaction: the row locks they took make
    # concurrent reviews of one target take turns here, so the stored points match the sums.
    for score in _score_rows(review):
        score.refresh_from_db()
        score.points = score_points(score)
        score.save(update_fields=["points"])


def scores_recompute(*, organization: Organization | None = None) -> int:
    """Rebuild every score from the reviews themselves; the incremental sums must agree."""
    organizations = [organization] if organization else list(Organization.objects.all())
    rebuilt = 0
    for org in organizations:
        with transaction.atomic():
            Score.objects.filter(organization=org).update(
                count=0,
                stars_total=0,
                weight_sum=0.0,
                weighted_stars=0.0,
                weighted_sentiment=0.0,
                responded=0,
                response_seconds=0.0,
                stars_1=0,
                stars_2=0,
                stars_3=0,
                stars_4=0,
                stars_5=0,
            )
            for review in Review.objects.filter(organization=org).select_related("response"):
                _add(review, 1, stars=review.stars, sentiment_value=review.sentiment)
                response = getattr(review, "response", None)
                if response is not None:
                    _add_response(review, response)
            for score in Score.objects.filter(organization=org):
                score.points = score_points(score)
                score.save(update_fields=["points"])
                rebuilt += 1
    return rebuilt


def scores_snapshot(*, day=None) -> int:
    """Record today's points of every target once; later runs the same day change nothing."""
    day = day or timezone.localdate()
    now = timezone.now()
    taken = 0
    for score in Score.objects.filter(count__gt=0):
        _snapshot, created = ScoreSnapshot.objects.get_or_create(
            score=score,
            day=day,
            defaults={"points": score_points(score, now=now) or 0.0, "count": score.count},
        )
        taken += created
    return taken


# Reviews ---------------------------------------------------------------------------------


def has_dealt_with(customer: User, organization: Organization) -> bool:
    """Whether the customer was served by the organization (a ticket so far; visits and
    chats join as those apps land)."""
    return Ticket.objects.filter(customer=customer, organization=organization).exists()


def _check_person(organization: Organization, user: User | None, roles, field: str) -> None:
    if (
        user is not None
        and not Membership.objects.filter(
            user=user, organization=organization, role__in=roles
        ).exists()
    ):
        raise ValidationError({field: _("Choose someone of this provider's staff.")})


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
        "created_at": review.created_at,
        "response": {
            "body": response.body,
            "author": str(response.author),
            "created_at": response.created_at,
        }
        if response
        else None,
    }


def review_post(
    *,
    customer: User,
    organization: Organization,
    stars: int,
    comment: str = "",
    ticket: Ticket | None = None,
    agent: User | None = None,
    technician: User | None = None,
) -> Review:
    """Rate a provider the customer dealt with; at most once per ticket.

    The provider's staff see it at once and are notified; the scores take it in atomically.
    """
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationError({"stars": _("Give from 1 to 5 stars.")})
    if ticket is not None:
        if ticket.customer_id != customer.pk or ticket.organization_id != organization.pk:
            raise ValidationError({"ticket": _("Choose one of your tickets with this provider.")})
        if agent is None and ticket.assignee_id:
            agent = ticket.assignee
        if Review.objects.filter(customer=customer, ticket=ticket).exists():
            raise ValidationError({"ticket": _("You have already reviewed this ticket.")})
    elif not has_dealt_with(customer, organization):
        raise ValidationError(_("You can review a provider once it has served you."))
    _check_person(organization, agent, (Role.AGENT, Role.MANAGER), "agent")
    _check_person(organization, technician, (Role.TECHNICIAN,), "technician")
    language, mood = sentiment.analyse(comment)
    now = timezone.now()
    with transaction.atomic():
        review = Review.objects.create(
            organization=organization,
            customer=customer,
            ticket=ticket,
            agent=agent,
            technician=technician,
            stars=stars,
            comment=comment.strip(),
            language=language,
            sentiment=mood,
            weight=scoring.decay_weight(now),
            created_at=now,
        )
        _add(review, 1, stars=stars, sentiment_value=mood)
        _refresh_points(review)
        publish("review.posted", _review_payload(review), groups=[org_staff_group(organization.pk)])
        for person in _review_audience(review):
            notify(
                recipient=person,
                kind="review.posted",
                title=_("New %(stars)d★ review from %(name)s") % {"stars": stars, "name": customer},
                body=review.comment[:300],
                link=reverse("ratings:dashboard", args=[organization.slug]),
                organization=organization,
                dedupe_key=f"review-posted:{review.pk}:{person.pk}",
            )
    return review


def _review_audience(review: Review) -> list[User]:
    managers = User.objects.filter(
        memberships__organization_id=review.organization_id,
        memberships__role=Role.MANAGER,
        memberships__is_active=True,
    )
    people = {user.pk: user for user in managers}
    for person in (review.agent, review.technician):
        if person is not None:
            people[person.pk] = person
    return list(people.values())


def _check_editable(review: Review, customer: User) -> None:
    if review.customer_id != customer.pk:
        raise ValidationError(_("Only its author can change a review."))
    if timezone.now() - review.created_at > timedelta(hours=settings.RATING_EDIT_WINDOW_HOURS):
        raise ValidationError(
            _("A review can be changed only in its first %(hours)d hours.")
            % {"hours": settings.RATING_EDIT_WINDOW_HOURS}
        )


def review_edit(*, review: Review, customer: User, stars: int, comment: str) -> Review:
    _check_editable(review, customer)
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationError({"stars": _("Give from 1 to 5 stars.")})
    language, mood = sentiment.analyse(comment)
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        _add(review, -1, stars=review.stars, sentiment_value=review.sentiment)
        review.stars, review.comment, review.language, review.sentiment = (
            stars,
            comment.strip(),
            language,
            mood,
        )
        review.edited_at = timezone.now()
        review.save(update_fields=["stars", "comment", "language", "sentiment", "edited_at"])
        _add(review, 1, stars=stars, sentiment_value=mood)
        _refresh_points(review)
        publish(
            "review.posted",
            _review_payload(review),
            groups=[org_staff_group(review.organization_id)],
        )
    return review


def review_delete(*, review: Review, customer: User) -> None:
    _check_editable(review, customer)
    with transaction.atomic():
        # of=("self",): Postgres can't lock the nullable side of the outer join to response.
        review = (
            Review.objects.select_for_update(of=("self",))
            .select_related("response")
            .get(pk=review.pk)
        )
        _add(review, -1, stars=review.stars, sentiment_value=review.sentiment)
        response = getattr(review, "response", None)
        if response is not None:
            _add_response(review, response, sign=-1)
        _refresh_points(review)
        publish(
            "review.deleted",
            {"id": review.pk, "organization": review.organization_id},
            groups=[org_staff_group(review.organization_id)],
        )
        review.delete()


def _add_response(review: Review, response: ReviewResponse, sign: int = 1) -> None:
    seconds = max((response.created_at - review.created_at).total_seconds(), 0.0)
    for score in _score_rows(review):
        Score.objects.filter(pk=score.pk).update(
            responded=F("responded") + sign, response_seconds=F("response_seconds") + sign * seconds
        )


def review_respond(*, review: Review, author: User, body: str) -> ReviewResponse:
    """The provider answers publicly, once; the customer sees it at once."""
    if (
        not Membership.objects.active()
        .filter(user=author, organization_id=review.organization_id, role__in=RESPONDING_ROLES)
        .exists()
    ):
        raise ValidationError(_("Only the provider's agents and managers can respond."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("This field may not be blank.")})
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if ReviewResponse.objects.filter(review=review).exists():
            raise ValidationError({"body": _("This review has a response already.")})
        response = ReviewResponse.objects.create(review=review, author=author, body=body)
        _add_response(review, response)
        _refresh_points(review)
        payload = _review_payload(review)
        publish(
            "review.responded",
            payload,
            groups=[user_group(review.customer_id), org_staff_group(review.organization_id)],
        )
        notify(
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
    if (
        not Membership.objects.active()
        .filter(user=by, organization_id=review.organization_id)
        .exists()
    ):
        raise ValidationError(_("Only the provider's staff can flag its reviews."))
    Review.objects.filter(pk=review.pk).update(
        is_flagged=True, flag_reason=(reason or "").strip()[:300]
    )
    review.refresh_from_db()
    return review


# Gifts -----------------------------------------------------------------------------------


def gift_send(
    *,
    sender: User,
    organization: Organization,
    recipient: User,
    kind: str,
    note: str = "",
    ticket: Ticket | None = None,
) -> Gift:
    """A thank-you to an agent or technician who served the customer, optionally for one
    ticket of theirs; the recipient sees it arrive on their profile."""
    if kind not in GiftKind.values:
        raise ValidationError({"kind": _("Choose a gift from the list.")})
    _check_person(organization, recipient, (Role.AGENT, Role.MANAGER, Role.TECHNICIAN), "recipient")
    served = Ticket.objects.filter(customer=sender, organization=organization).filter(
        Q(assignee=recipient) | Q(updates__author=recipient)
    )
    if ticket is not None:
        if ticket.customer_id != sender.pk or ticket.organization_id != organization.pk:
            raise ValidationError({"ticket": _("Choose one of your tickets with this provider.")})
        served = served.filter(pk=ticket.pk)
    if not served.exists():
        raise ValidationError({"recipient": _("You can thank someone who has served you.")})
    with transaction.atomic():
        gift = Gift.objects.create(
            organization=organization,
            sender=sender,
            recipient=recipient,
            kind=kind,
            note=(note or "").strip()[:300],
            ticket=ticket,
        )
        publish(
            "gift.received",
            {
                "id": gift.pk,
                "kind": gift.kind,
                "label": str(gift.get_kind_display()),
                "note": gift.note,
                "from": str(sender),
            },
            # The recipient and their managers, who are the ones who see the profile.
            groups=[user_group(recipient.pk), org_role_group(organization.pk, Role.MANAGER)],
        )
        notify(
            recipient=recipient,
            kind="gift.received",
            title=_("%(name)s sent you %(gift)s")
            % {"name": sender, "gift": gift.get_kind_display().lower()},
            body=gift.note,
            organization=organization,
            dedupe_key=f"gift:{gift.pk}",
        )
    return gift
