"""The points score: a recency-weighted Bayesian average of stars, nudged by what the
comments say and by how the provider answers, on a 0-100 scale.

For a target with reviews i (stars s_i, sentiment e_i in [-1, 1], posted at t_i):

    w_i   = 2 ** ((t_i - EPOCH) / half_life)          fixed when the review is posted
    W(T)  = 2 ** ((T - EPOCH) / half_life)            the weight of a review posted now
    bayes = (C * W(T) * m + sum w_i s_i) / (C * W(T) + sum w_i)
    base  = (bayes - 1) / 4 * 100
    points = clamp(base + 5 * E + 5 * (R - 0.5) + S, 0, 100)

Dividing every w_i by W(T) shows the decay: a review loses half its weight every
half-life. m, the prior, is the mean stars of all organizations (for an organization) or
of the target's organization (for an agent or technician), and C = PRIOR_STRENGTH is how
many fresh reviews the prior is worth, so a handful of 5-star reviews can't beat a long
record. E = sum w_i e_i / sum w_i is the weighted sentiment; R is the share of reviews
answered; S is +2.5 when answers come within a day on average, -2.5 when slower, 0 with
no answers. Because w_i is fixed at posting, every sum is kept by atomic additions and a
full recompute gives the same numbers.
"""

from datetime import UTC, datetime

from django.conf import settings

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
PRIOR_STRENGTH = 5.0
DEFAULT_PRIOR = 3.0
FAST_RESPONSE_SECONDS = 24 * 60 * 60


def decay_weight(at: datetime) -> float:
    days = (at - EPOCH).total_seconds() / 86400
    return 2.0 ** (days / settings.RATING_HALF_LIFE_DAYS)


def points(
    *,
    count: int,
    weight_sum: float,
    weighted_stars: float,
    weighted_sentiment: float,
    responded: int,
    response_seconds: float,
    prior: float,
    now: datetime,
) -> float | None:
    """The 0-100 score from a target's sums, or None before its first review."""
    if count == 0 or weight_sum <= 0:
        return None
    prior_weight = PRIOR_STRENGTH * decay_weight(now)
    bayes = (prior_weight * prior + weighted_stars) / (prior_weight + weight_sum)
    base = (bayes - 1) / 4 * 100
    sentiment = weighted_sentiment / weight_sum
    answered = responded / count
    speed = 0.0
    if responded:
        speed = 2.5 if response_seconds / responded <= FAST_RESPONSE_SECONDS else -2.5
    return max(0.0, min(100.0, base + 5 * sentiment + 5 * (answered - 0.5) + speed))
