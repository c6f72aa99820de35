"""The project's URLs plus two floors for the HTTP benchmarks (bench/bench_settings.py only).

    GET  /bench/floor/json    a JsonResponse: no database, no template
    POST /bench/floor/insert  one INSERT of one small row in one transaction
    POST /bench/floor/nine    nine round trips in one transaction (BEGIN, 7 INSERTs, COMMIT):
                              the issue's reference point, 26-33% of the one-INSERT view

They go through the same middleware and the same gunicorn as every page and endpoint, so
what an endpoint costs above them is what its own code costs.
"""

from django.db import transaction
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

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


urlpatterns = [
    path("bench/floor/json", floor_json),
    path("bench/floor/insert", floor_insert),
    path("bench/floor/nine", floor_nine),
    path("", include("csportal.urls")),
]
