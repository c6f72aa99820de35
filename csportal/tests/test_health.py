"""`/healthz`: every part of the portal answers, or the one that doesn't is named."""

from unittest import mock

import pytest

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
