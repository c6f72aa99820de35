"""Reviews, responses, gifts, and the scores they feed."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Membership, Organization, Role, User
from accounts.selectors import works_for
from chat.models import Conversation
from csportal.realtime import org_role_group, org_staff_group, publish, user_group
from notifications.services import notify_after_commit
from technicians.models import ServiceRequest, VisitStatus
from tickets.models import Ticket, TicketUpdate, UpdateKind

from . import live, scoring, sentiment
from .models import Gift, GiftKind, Review, ReviewResponse, Score, ScoreSnapshot, TargetKind

STAR_FIELDS = {n: f"stars_{n}" for n in range(1, 6)}
SUM_FIELDS = (
    "count",
    "stars_total",
    "weight_sum",
    "weighted_stars",
    "weighted_sentiment",
    "responded",
    "response_seconds",
    *STAR_FIELDS.values(),
)
RESPONDING_ROLES = (Role.MANAGER, Role.AGENT)


# Scores ----------------------------------------------------------------------------------


GLOBAL_PRIOR_CACHE_KEY = "ratings:global-prior"
GLOBAL_PRIOR_SECONDS = 600


def _mean_stars(scores) -> float:
    totals = scores.aggregate(stars=Sum("stars_total"), count=Sum("count"))
    if not totals["count"]:
        return scoring.DEFAULT_PRIOR
    return totals["stars"] / totals["count"]


def global_prior() -> float:
    """All organizations' mean stars, the prior of every organization's score.

    Taken afresh every GLOBAL_PRIOR_SECONDS, not on every review: it moves slowly, and
    aggregating every provider's score on each post and page view cost 0.4-2 ms
    (bench/ratings_load.py, 1,000 providers). The incremental scores and the recompute
    read the same value, so they still agree.
    """
    return cache.get_or_set(
        GLOBAL_PRIOR_CACHE_KEY,
        lambda: _mean_stars(Score.objects.filter(kind=TargetKind.ORGANIZATION)),
        GLOBAL_PRIOR_SECONDS,
    )


def prior_for(score: Score) -> float:
    """The mean stars a target is pulled towards: all organizations' for an organization,
    its own organization's for a person."""
    if score.kind == TargetKind.ORGANIZATION:
        return global_prior()
    return _mean_stars(
        Score.objects.filter(kind=TargetKind.ORGANIZATION, organization_id=score.organization_id)
    )


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


def _target_rows(review: Review) -> list[Score]:
    """The review's score rows, made where missing (a target's first review)."""
    return [
        Score.objects.get_or_create(
            organization_id=review.organization_id, kind=kind, person_id=person_id
        )[0]
        for kind, person_id in _targets(review)
    ]


def _add_returning(review: Review, additions: dict, now: datetime) -> list[dict]:
    """Add to the sums of every score row the review counts in, in one UPDATE, and return
    the rows as they are now (the row locks it takes make concurrent reviews of a target
    take turns until commit, so what it returns is what this transaction stored).

    SQL, not the ORM: Django's update() returns no rows, and reading them back, once per
    target, was most of the 3.4 ms a score update cost (bench/ratings_load.py).
    """
    table = connection.ops.quote_name(Score._meta.db_table)
    columns = [connection.ops.quote_name(name) for name in additions]
    assignments = ", ".join(f"{column} = {column} + %s" for column in columns)
    matches, params = [], [*additions.values(), now]
    for kind, person_id in _targets(review):
        person = "person_id IS NULL" if person_id is None else "person_id = %s"
        matches.append(f"(organization_id = %s AND kind = %s AND {person})")
        params += [review.organization_id, kind] + ([] if person_id is None else [person_id])
    returned = ["id", "kind", "person_id", *SUM_FIELDS]
    # Names come from the model and SUM_FIELDS, values only as parameters.
    sql = (
        f"UPDATE {table} SET {assignments}, updated_at = %s "  # noqa: S608
        f"WHERE {' OR '.join(matches)} RETURNING {', '.join(returned)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(returned, row, strict=True)) for row in cursor.fetchall()]


def _add_sums(review: Review, additions: dict, now: datetime) -> list[dict]:
    rows = _add_returning(review, additions, now)
    if len(rows) < len(_targets(review)):
        # A target's first review: make its row, then add to the new rows only.
        done = {row["id"] for row in rows}
        missing = [score for score in _target_rows(review) if score.pk not in done]
        changes = {name: F(name) + value for name, value in additions.items()}
        Score.objects.filter(pk__in=[score.pk for score in missing]).update(
            **changes, updated_at=now
        )
        rows += Score.objects.filter(pk__in=[score.pk for score in missing]).values(
            "id", "kind", "person_id", *SUM_FIELDS
        )
    return rows


def _apply(review: Review, additions: dict, *, now: datetime) -> None:
    """Add `additions` to every score the review counts in and store their new points as of
    `now`.

    Three statements however many targets: the UPDATE returning the new sums, the
    all-organizations prior, and one UPDATE of the points.
    """
    rows = _add_sums(review, additions, now)
    organization_row = next(row for row in rows if row["kind"] == TargetKind.ORGANIZATION)
    priors = {
        TargetKind.ORGANIZATION: global_prior(),
        # A person's prior is their organization's mean, which the UPDATE just returned.
        "person": organization_row["stars_total"] / organization_row["count"]
        if organization_row["count"]
        else scoring.DEFAULT_PRIOR,
    }
    points = {
        row["id"]: _points(row, now=now, prior=priors.get(row["kind"], priors["person"]))
        for row in rows
    }
    _store_points(points)


def _store_points(points: dict[int, float | None]) -> None:
    # One statement for every row, in SQL for the reason _add_returning is. The CAST: a CASE
    # of bare parameters reads as text to PostgreSQL, and a None (a target whose every
    # review was taken back) has no type at all.
    table = connection.ops.quote_name(Score._meta.db_table)
    cases = " ".join("WHEN %s THEN %s" for _ in points)
    ids = ", ".join("%s" for _ in points)
    sql = (
        f"UPDATE {table} SET points = CAST(CASE id {cases} END AS DOUBLE PRECISION) "  # noqa: S608
        f"WHERE id IN ({ids})"
    )
    params = [value for pair in points.items() for value in pair] + list(points)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _points(row: dict, *, now: datetime, prior: float) -> float | None:
    return scoring.points(
        count=row["count"],
        weight_sum=row["weight_sum"],
        weighted_stars=row["weighted_stars"],
        weighted_sentiment=row["weighted_sentiment"],
        responded=row["responded"],
        response_seconds=row["response_seconds"],
        prior=prior,
        now=now,
    )


def _review_additions(review: Review, sign: int, *, stars: int, sentiment_value: float) -> dict:
    """What one review adds to (sign=1) or takes back from (sign=-1) its targets' sums."""
    return {
        "count": sign,
        "stars_total": sign * stars,
        "weight_sum": sign * review.weight,
        "weighted_stars": sign * review.weight * stars,
        "weighted_sentiment": sign * review.weight * sentiment_value,
        STAR_FIELDS[stars]: sign,
    }


def _response_additions(review: Review, response: ReviewResponse, sign: int = 1) -> dict:
    seconds = max((response.created_at - review.created_at).total_seconds(), 0.0)
    return {"responded": sign, "response_seconds": sign * seconds}


def _combined(*additions: dict) -> dict:
    total: dict = {}
    for change in additions:
        for name, value in change.items():
            total[name] = total.get(name, 0) + value
    return total


def scores_recompute(
    *, organization: Organization | None = None, now: datetime | None = None
) -> int:
    """Rebuild every score from the reviews themselves, with its points as of `now`; the
    incremental sums must agree."""
    now = now or timezone.now()
    organizations = [organization] if organization else list(Organization.objects.all())
    # Read before any sums are reset, so every organization's points use this one value.
    organizations_prior = global_prior()
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
                changes = [
                    _review_additions(
                        review, 1, stars=review.stars, sentiment_value=review.sentiment
                    )
                ]
                response = getattr(review, "response", None)
                if response is not None:
                    changes.append(_response_additions(review, response))
                _add_sums(review, _combined(*changes), now)
            for score in Score.objects.filter(organization=org):
                is_organization = score.kind == TargetKind.ORGANIZATION
                score.points = score_points(
                    score, now=now, prior=organizations_prior if is_organization else None
                )
                score.save(update_fields=["points"])
                rebuilt += 1
    return rebuilt


def scores_snapshot(*, day=None, now: datetime | None = None) -> int:
    """Record the points of every target as of `now` once for its day; later runs the same
    day change nothing."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
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

# What a review or a gift can be about, by the name of its field.
SUBJECT_FIELDS = ("ticket", "visit", "conversation")
_SUBJECT_MODELS = {"ticket": Ticket, "visit": ServiceRequest, "conversation": Conversation}
# A reply on a ticket: a progress note or the result. Status changes and assignments tell
# the customer nothing, and internal notes never reach them.
TICKET_REPLY_KINDS = (UpdateKind.PROGRESS, UpdateKind.RESULT)


def is_staff_of(user: User, organization: Organization) -> bool:
    """Whether the user is or was on the organization's staff, in any role, active or not:
    their stars and thanks would be their own organization's praise of itself. Past staff
    count too, or switching someone off for a minute would let them in."""
    return Membership.objects.filter(user=user, organization=organization).exists()


def served_filter(field: str) -> Q | Exists:
    """What makes a ticket, visit or chat (`field` says which) one in which the provider
    served the customer, as a filter on its model: a ticket its staff replied to where the
    customer sees it, a completed visit, an answered chat. Opening a ticket and writing on
    it oneself is not being served."""
    if field == "ticket":
        return Exists(
            TicketUpdate.objects.filter(
                ticket=OuterRef("pk"),
                kind__in=TICKET_REPLY_KINDS,
                is_public=True,
                author__memberships__organization=OuterRef("organization"),
            )
        )
    if field == "visit":
        return Q(status=VisitStatus.COMPLETED)
    return Q(agent__isnull=False)


def subject_served(field: str, subject) -> bool:
    """served_filter, for one ticket, visit or chat."""
    return _SUBJECT_MODELS[field].objects.filter(served_filter(field), pk=subject.pk).exists()


def has_dealt_with(customer: User, organization: Organization) -> bool:
    """Whether the organization served the customer: in a ticket, a visit or a chat."""
    mine = {"customer": customer, "organization": organization}
    return any(
        model.objects.filter(served_filter(field), **mine).exists()
        for field, model in _SUBJECT_MODELS.items()
    )


def may_review(customer: User, organization: Organization) -> bool:
    """Whether the customer may review the provider as a whole, as review_post decides:
    for the pages, to offer only what it accepts."""
    return not is_staff_of(customer, organization) and has_dealt_with(customer, organization)


# What the provider's own staff are told, on the pages as well as when refused.
NOT_FOR_STAFF = _lazy("You are on this provider's staff, so you can't rate it or thank its people.")


def _check_not_staff(user: User, organization: Organization) -> None:
    if is_staff_of(user, organization):
        raise ValidationError({"organization": str(NOT_FOR_STAFF)})


_NOT_YOURS = {
    "ticket": _lazy("Choose one of your tickets with this provider."),
    "visit": _lazy("Choose one of your visits with this provider."),
    "conversation": _lazy("Choose one of your chats with this provider."),
}
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


def subject_finished(field: str, subject) -> bool:
    """Whether a ticket (answered, then resolved or closed), visit (completed) or chat
    (answered) has something to rate or thank for yet."""
    if field == "ticket" and subject.is_open:
        return False
    return subject_served(field, subject)


# What the customer is told while a subject is not finished.
NOT_FINISHED = {
    "ticket": _lazy(
        "You can rate the service and send thanks once your request is answered and resolved."
    ),
    "visit": _lazy("You can rate the visit and send thanks once the technician has completed it."),
    "conversation": _lazy("You can rate the chat and send thanks once an agent has answered it."),
}


def _subject(
    customer: User, organization: Organization, subjects: dict
) -> tuple[str | None, object]:
    """The one ticket, visit or chat of `subjects` given (field, object), checked to be the
    customer's with this organization; (None, None) when none is."""
    given = [(field, value) for field, value in subjects.items() if value is not None]
    if len(given) > 1:
        raise ValidationError({given[1][0]: _("Choose one request, visit or chat, not several.")})
    if not given:
        return None, None
    field, subject = given[0]
    if subject.customer_id != customer.pk or subject.organization_id != organization.pk:
        raise ValidationError({field: str(_NOT_YOURS[field])})
    return field, subject


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
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationError({"stars": _("Give from 1 to 5 stars.")})
    _check_not_staff(customer, organization)
    field, subject = _subject(
        customer, organization, {"ticket": ticket, "visit": visit, "conversation": conversation}
    )
    if field is None and not has_dealt_with(customer, organization):
        raise ValidationError(_("You can review a provider once it has served you."))
    named = {"agent": agent, "technician": technician}
    agent, technician = _review_people(field, subject, agent, technician)
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
            publish(
                "review.posted", _review_payload(review), groups=[org_staff_group(organization.pk)]
            )
            live.announce_provider_changed(organization.pk)
            for person in _review_audience(review):
                notify_after_commit(
                    recipient=person,
                    kind="review.posted",
                    title=_("New %(stars)d★ review from %(name)s")
                    % {"stars": stars, "name": customer},
                    body=review.comment[:300],
                    link=reverse("ratings:dashboard", args=[organization.slug]),
                    organization=organization,
                    dedupe_key=f"review-posted:{review.pk}:{person.pk}",
                )
    except IntegrityError:
        # The same subject reviewed twice at once: the unique constraint let one through.
        if field is None:
            raise
        raise ValidationError({field: str(_REVIEWED_ALREADY[field])}) from None
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
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationError({"stars": _("Give from 1 to 5 stars.")})
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
        publish(
            "review.posted",
            _review_payload(review),
            groups=[org_staff_group(review.organization_id)],
        )
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
            groups=[org_staff_group(review.organization_id)],
        )
        live.announce_provider_changed(review.organization_id)
        review.delete()


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
        review = Review.objects.select_for_update().get(pk=review.pk)
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
            groups=[user_group(review.customer_id), org_staff_group(review.organization_id)],
        )
        live.announce_provider_changed(review.organization_id)
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


# Gifts -----------------------------------------------------------------------------------


def gift_send(
    *,
    sender: User,
    organization: Organization,
    recipient: User,
    kind: str,
    note: str = "",
    ticket: Ticket | None = None,
    visit: ServiceRequest | None = None,
    conversation: Conversation | None = None,
) -> Gift:
    """A thank-you to an agent or technician who served the customer (answered a ticket,
    came on a visit, answered a chat), optionally for one of those; the recipient sees it
    arrive on their profile. A gift for one of those waits until it is finished. The
    provider's own staff, past or present, never thank its people."""
    if kind not in GiftKind.values:
        raise ValidationError({"kind": _("Choose a gift from the list.")})
    _check_not_staff(sender, organization)
    _check_person(organization, recipient, (Role.AGENT, Role.MANAGER, Role.TECHNICIAN), "recipient")
    field, subject = _subject(
        sender, organization, {"ticket": ticket, "visit": visit, "conversation": conversation}
    )
    if field is not None and not subject_finished(field, subject):
        raise ValidationError(str(NOT_FINISHED[field]))
    if not _served_by(sender, organization, recipient, field, subject):
        raise ValidationError({"recipient": _("You can thank someone who has served you.")})
    with transaction.atomic():
        gift = Gift.objects.create(
            organization=organization,
            sender=sender,
            recipient=recipient,
            kind=kind,
            note=(note or "").strip()[:300],
            **({field: subject} if field else {}),
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
        notify_after_commit(
            recipient=recipient,
            kind="gift.received",
            title=_("%(name)s sent you %(gift)s")
            % {"name": sender, "gift": gift.get_kind_display().lower()},
            body=gift.note,
            organization=organization,
            dedupe_key=f"gift:{gift.pk}",
        )
    return gift


def _served_by(
    customer: User,
    organization: Organization,
    person: User,
    field: str | None,
    subject,
    *,
    likeliest: str = "ticket",
) -> bool:
    """Whether `person` served the customer: in `subject` when one is given, else anywhere,
    asking first where they most likely did (`likeliest`: a technician on a visit). Only
    where the provider served them (served_filter): on a ticket, its agent or whoever
    replied on it."""
    mine = {"customer": customer, "organization": organization}
    replied = Exists(
        TicketUpdate.objects.filter(
            ticket=OuterRef("pk"), author=person, kind__in=TICKET_REPLY_KINDS, is_public=True
        )
    )
    theirs = {
        "ticket": Q(assignee=person) | replied,
        "visit": Q(technician=person),
        "conversation": Q(agent=person),
    }
    served = {
        field: model.objects.filter(served_filter(field), theirs[field], **mine)
        for field, model in _SUBJECT_MODELS.items()
    }
    if field is not None:
        return served[field].filter(pk=subject.pk).exists()
    first = served.pop(likeliest)
    return first.exists() or any(found.exists() for found in served.values())
