"""What apps above technicians hand down, registered in their AppConfig.ready(), never
imported from here (DESIGN.md: dependencies point one way).

    registries.register_visit_finished("surveys", offer_survey)
    registries.register_ratings(technician_ratings)

Visit finished: `hook(visit)` runs once the transaction that completed the visit commits,
each hook on its own: one that raises is logged and the others still run, and the
technician's report stands. A hook that must not be lost queues a Celery task with the
visit's id (the task re-reads the visit); the visit it gets has its organization, customer,
technician, product and area loaded.

Ratings: `provider(organization_id, user_ids)` returns {user id: TechnicianRating} for the
technicians it has a score for, in one query; without a provider nobody has a rating, and
availability ranks by workload alone.
"""

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)

VisitHook = Callable[[object], None]
_visit_finished: dict[str, VisitHook] = {}


def register_visit_finished(name: str, hook: VisitHook) -> None:
    """Call `hook(visit)` after every visit completes; a name registered again replaces it."""
    _visit_finished[name] = hook


def visit_finished_after_commit(visit) -> None:
    """Run the hooks once the completing transaction commits."""
    transaction.on_commit(partial(_run_visit_finished, visit))


def _run_visit_finished(visit) -> None:
    for name, hook in list(_visit_finished.items()):
        try:
            hook(visit)
        except Exception:
            logger.exception("visit-finished hook %s failed for visit %s", name, visit.pk)


@dataclass(frozen=True)
class TechnicianRating:
    points: float | None  # the 0-100 points score; None before the first review
    reviews: int


RatingsProvider = Callable[[int, Iterable[int]], Mapping[int, TechnicianRating]]
_ratings: list[RatingsProvider] = []


def register_ratings(provider: RatingsProvider) -> None:
    """Who rates technicians: one provider, the last registered."""
    _ratings[:] = [provider]


def technician_ratings(
    organization_id: int, user_ids: Iterable[int]
) -> dict[int, TechnicianRating]:
    """The rating of each of these technicians that has one; none without a provider."""
    user_ids = list(user_ids)
    if not _ratings or not user_ids:
        return {}
    return dict(_ratings[0](organization_id, user_ids))
