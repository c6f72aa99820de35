"""What apps above technicians hand down, registered in their AppConfig.ready(), never
imported from here (DESIGN.md: dependencies point one way).

    registries.register_visit_finished("surveys", offer_survey)
    registries.register_ratings(technician_ratings)

Visit finished: `hook(visit)` runs once the transaction that completed the visit commits,
each hook on its own: one that raises is logged and the others still run, and the
technician's report stands. A hook that must not be lost queues a Celery task with the
visit's id (the task re-reads the visit); the visit it gets has its organization, customer,
technician, product and area loaded.

Report and desk steps: `step(visit, data, by)` runs inside the transaction that completes
the visit (`register_report_step`) or books it at the reception desk (`register_desk_step`),
after the visit is saved, with the submitted form or API data. A step that refuses raises
ValidationError({field: message}): the whole report or booking is undone and the message
shows on the form. Its inputs come from the app's own panel in the report form or the desk
form (slots "technicians.visit_report" and "technicians.desk").

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


VisitStep = Callable[[object, Mapping[str, object], object], None]
_report_steps: dict[str, VisitStep] = {}
_desk_steps: dict[str, VisitStep] = {}


def register_report_step(name: str, step: VisitStep) -> None:
    """Run `step(visit, data, by)` as part of every completion report."""
    _report_steps[name] = step


def register_desk_step(name: str, step: VisitStep) -> None:
    """Run `step(visit, data, by)` as part of every booking made at the reception desk."""
    _desk_steps[name] = step


def run_report_steps(visit, data: Mapping[str, object], by) -> None:
    for step in list(_report_steps.values()):
        step(visit, data, by)


def run_desk_steps(visit, data: Mapping[str, object], by) -> None:
    for step in list(_desk_steps.values()):
        step(visit, data, by)


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
