"""`/healthz`: every part of the portal answers, or the one that doesn't is named."""

from unittest import mock

import pytest
from django.test import override_settings

from csportal import health


@pytest.mark.django_db
def test_healthz_is_ok_when_every_part_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "cache": True,
        "channel_layer": True,
        "broker": True,
    }
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


@pytest.mark.django_db
@pytest.mark.parametrize("part", ["database", "cache", "channel_layer", "broker"])
def test_healthz_is_a_503_naming_the_part_that_failed(client, part):
    failing = mock.Mock(side_effect=ConnectionError("connection refused"))

    with mock.patch.dict(health.CHECKS, {part: failing}):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"][part] == {"ok": False, "error": "ConnectionError: connection refused"}
    assert [name for name, check in body["checks"].items() if not check["ok"]] == [part]


@pytest.mark.django_db
def test_healthz_answers_only_get(client):
    response = client.post("/healthz")

    assert response.status_code == 405


@pytest.mark.django_db
def test_healthz_tells_an_outside_caller_only_the_status(client):
    response = client.get("/healthz", REMOTE_ADDR="203.0.113.5")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
@override_settings(PROXY_COUNT=1)
def test_healthz_through_the_proxy_tells_only_the_status_whoever_the_proxy_is(client):
    response = client.get("/healthz", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")

    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_hides_which_part_failed_from_an_outside_caller(client):
    failing = mock.Mock(side_effect=ConnectionError("redis.internal:6379 refused"))

    with mock.patch.dict(health.CHECKS, {"cache": failing}):
        response = client.get("/healthz", REMOTE_ADDR="203.0.113.5")

    assert response.status_code == 503
    assert response.json() == {"status": "degraded"}


@pytest.mark.django_db
@override_settings(HEALTHZ_DETAIL_NETWORKS=["10.0.0.0/8"])
def test_healthz_shows_its_checks_to_a_caller_from_a_monitoring_network(client):
    response = client.get("/healthz", REMOTE_ADDR="10.1.2.3")

    assert set(response.json()["checks"]) == {"database", "cache", "channel_layer", "broker"}
