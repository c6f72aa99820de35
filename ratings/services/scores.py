"""The scores reviews feed: each target's sums, kept up to date as reviews come and go, and
the points computed from them."""

from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from accounts.models import Organization
from csportal.caching import remember

from .. import cache, scoring
from ..models import Review, ReviewResponse, Score, ScoreSnapshot, TargetKind

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

GLOBAL_PRIOR_CACHE_KEY = "ratings:global-prior"
GLOBAL_PRIOR_SECONDS = 600


# Priors and points -----------------------------------------------------------------------


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
    return remember(
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


# What a review adds ----------------------------------------------------------------------


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


# Applying additions ----------------------------------------------------------------------


def _targets(review: Review) -> list[tuple[str, int | None]]:
    targets: list[tuple[str, int | None]] = [(TargetKind.ORGANIZATION, None)]
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
    cache.scores_changed(review.organization_id)


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


# Recomputing and snapshots ---------------------------------------------------------------


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
            _reset_sums(org)
            _add_every_review(org, now)
            rebuilt += _store_every_points(org, now, organizations_prior)
            cache.scores_changed(org.pk)
    return rebuilt


def _reset_sums(organization: Organization) -> None:
    Score.objects.filter(organization=organization).update(
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


def _add_every_review(organization: Organization, now: datetime) -> None:
    for review in Review.objects.filter(organization=organization).select_related("response"):
        changes = [
            _review_additions(review, 1, stars=review.stars, sentiment_value=review.sentiment)
        ]
        response = getattr(review, "response", None)
        if response is not None:
            changes.append(_response_additions(review, response))
        _add_sums(review, _combined(*changes), now)


def _store_every_points(
    organization: Organization, now: datetime, organizations_prior: float
) -> int:
    stored = 0
    for score in Score.objects.filter(organization=organization):
        is_organization = score.kind == TargetKind.ORGANIZATION
        score.points = score_points(
            score, now=now, prior=organizations_prior if is_organization else None
        )
        score.save(update_fields=["points"])
        stored += 1
    return stored


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
