"""Reviews, responses, gifts, and the scores they feed.

scores       each target's sums and points: kept up to date, recomputed, snapshotted daily
eligibility  who may rate or thank whom, for which ticket, visit or chat
reviews      posting, editing and taking back a review; the provider's answer and flag
gifts        a customer's thank-you to someone who served them
"""

from .eligibility import (
    NOT_FINISHED,
    NOT_FOR_STAFF,
    SUBJECT_FIELDS,
    TICKET_REPLY_KINDS,
    has_dealt_with,
    is_staff_of,
    may_review,
    served_filter,
    subject_finished,
    subject_served,
)
from .gifts import gift_send
from .reviews import (
    RESPONDING_ROLES,
    REVIEW_AUDIENCE,
    review_delete,
    review_edit,
    review_flag,
    review_post,
    review_respond,
)
from .scores import (
    GLOBAL_PRIOR_CACHE_KEY,
    GLOBAL_PRIOR_SECONDS,
    STAR_FIELDS,
    SUM_FIELDS,
    global_prior,
    prior_for,
    score_points,
    scores_recompute,
    scores_snapshot,
)

__all__ = [
    "GLOBAL_PRIOR_CACHE_KEY",
    "GLOBAL_PRIOR_SECONDS",
    "NOT_FINISHED",
    "NOT_FOR_STAFF",
    "RESPONDING_ROLES",
    "REVIEW_AUDIENCE",
    "STAR_FIELDS",
    "SUBJECT_FIELDS",
    "SUM_FIELDS",
    "TICKET_REPLY_KINDS",
    "gift_send",
    "global_prior",
    "has_dealt_with",
    "is_staff_of",
    "may_review",
    "prior_for",
    "review_delete",
    "review_edit",
    "review_flag",
    "review_post",
    "review_respond",
    "score_points",
    "scores_recompute",
    "scores_snapshot",
    "served_filter",
    "subject_finished",
    "subject_served",
]
