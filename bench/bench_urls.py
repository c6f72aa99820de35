"""The project's URLs plus two floors for the HTTP benchmarks (bench/bench_settings.py only).

    GET  /bench/floor/json    a JsonResponse: no database, no template
    POST /bench/floor/insert  one INSERT of one small row in one transaction
    POST /bench/floor/nine    nine round trips in one transaction (BEGIN, 7 INSERTs, COMMIT):
                              the issue's reference point, 26-33% of the one-INSERT view
    GET  /bench/floor/query   one SELECT of one row by primary key (?id=), returned as JSON:
                              the bare one-query view the read targets are set beside

They go through the same middleware and the same gunicorn as every page and endpoint, so
what an endpoint costs above them is what its own code costs.
"""

from django.db import transaction
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from csportal.models import Event


@require_GET
def floor_json(request):
    return JsonResponse({"ok": True, "items": [{"id": i, "name": f"row {i}"} for i in range(3)]})


@csrf_exempt
@require_POST
def floor_insert(request):
    with transaction.atomic():
        event = Event.objects.create(group="bench.floor", type="bench.insert", data={"n": 1})
    return JsonResponse({"id": event.pk}, status=201)


@csrf_exempt
@require_POST
def floor_nine(request):
    with transaction.atomic():
        for n in range(7):
            event = Event.objects.create(group="bench.floor", type="bench.nine", data={"n": n})
    return JsonResponse({"id": event.pk}, status=201)


@require_GET
def floor_query(request):
    try:
        pk = int(request.GET.get("id") or 1)
    except ValueError:
        pk = 1
    row = User.objects.filter(pk=pk).values("id", "email", "full_name").first()
    return JsonResponse({"user": row})


urlpatterns = [
    path("bench/floor/json", floor_json),
    path("bench/floor/query", floor_query),
    path("bench/floor/insert", floor_insert),
    path("bench/floor/nine", floor_nine),
    path("", include("csportal.urls")),
]


# The ratings benchmark (bench/ratings_load.py) ----------------------------------------------
#
#     POST /bench/ratings/reviews-unscored  the customers' POST /api/v1/reviews/, the same view
#                                           and service, with the score update left out
#
# The score update of a review is ratings.services.scores._apply (the atomic additions to
# every target's sums and the points recomputed from them). It is wrapped once, here, in
# ratings.services.reviews, where the review services look it up,
# so that a thread can leave them out (the view above, and the in-process yardstick of
# ratings_load.py) or read how long they took (score_update.seconds); every other caller,
# and every other request, runs them exactly as before.

import threading  # noqa: E402
import time  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from functools import wraps  # noqa: E402

from ratings.api.views import ReviewListView  # noqa: E402
from ratings.services import reviews as review_services  # noqa: E402


class _ScoreUpdate(threading.local):
    skip = False  # leave the score update out, in this thread
    seconds = 0.0  # time spent in it, in this thread, since the caller last reset it


score_update = _ScoreUpdate()


def _score_step(step):
    @wraps(step)
    def wrapper(*args, **kwargs):
        if score_update.skip:
            return None
        started = time.perf_counter()
        try:
            return step(*args, **kwargs)
        finally:
            score_update.seconds += time.perf_counter() - started

    wrapper.bench_score_step = True
    return wrapper


for _name in ("_apply",):
    if not getattr(getattr(review_services, _name), "bench_score_step", False):
        setattr(review_services, _name, _score_step(getattr(review_services, _name)))


@contextmanager
def skip_score_update():
    score_update.skip = True
    try:
        yield
    finally:
        score_update.skip = False


_review_list = ReviewListView.as_view()


@csrf_exempt
@require_POST
def review_post_unscored(request):
    with skip_score_update():
        return _review_list(request)


urlpatterns.insert(-1, path("bench/ratings/reviews-unscored", review_post_unscored))
