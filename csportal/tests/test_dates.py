"""Dates and times read one way per language, in the zone that applies."""

import datetime
import json

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from csportal import dates

# 07:03 UTC on a winter Wednesday is 07:03 in London; 23:59 UTC in July is 00:59 there.
WINTER = datetime.datetime(2026, 12, 2, 7, 3, tzinfo=datetime.UTC)
SUMMER_NIGHT = datetime.datetime(2026, 7, 9, 23, 59, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("language", "moment", "day", "time", "long_day"),
    [
        ("en", "2 Dec 2026, 07:03", "2 Dec 2026", "07:03", "Wednesday 2 December 2026"),
        ("zh-hans", "2026年12月2日 07:03", "2026年12月2日", "07:03", "2026年12月2日 星期三"),
        ("ko", "2026년 12월 2일 07:03", "2026년 12월 2일", "07:03", "2026년 12월 2일 수요일"),
    ],
)
def test_each_language_has_one_format_for_moments_days_and_times(
    language, moment, day, time, long_day
):
    with translation.override(language):
        assert dates.format_datetime(WINTER, zone="Europe/London") == moment
        assert dates.format_date(WINTER, zone="Europe/London") == day
        assert dates.format_time(WINTER, zone="Europe/London") == time
        assert dates.format_long_date(WINTER, zone="Europe/London") == long_day


@pytest.mark.parametrize("language", ["en", "zh-hans", "ko"])
def test_the_short_formats_are_the_same_as_the_long_ones(language):
    with translation.override(language):
        assert dates.formats.get_format("SHORT_DATETIME_FORMAT") == dates.formats.get_format(
            "DATETIME_FORMAT"
        )
        assert dates.formats.get_format("SHORT_DATE_FORMAT") == dates.formats.get_format(
            "DATE_FORMAT"
        )


def test_a_moment_is_shown_in_the_zone_named_else_the_active_one():
    with translation.override("en"):
        assert dates.format_datetime(SUMMER_NIGHT, zone="Europe/London") == "10 Jul 2026, 00:59"
        assert dates.format_date(SUMMER_NIGHT, zone="America/New_York") == "9 Jul 2026"
        with timezone.override("Asia/Seoul"):
            assert dates.format_datetime(SUMMER_NIGHT) == "10 Jul 2026, 08:59"


def test_a_date_and_nothing_format_too():
    with translation.override("ko"):
        assert dates.format_date(datetime.date(2026, 1, 5)) == "2026년 1월 5일"
        assert dates.format_datetime(None) == ""


def test_the_template_filters_are_the_helpers():
    template = Template(
        "{% load dates %}"
        "{{ moment|when }}|{{ moment|day }}|{{ moment|clock }}|{{ moment|long_day }}"
    )
    with translation.override("zh-hans"), timezone.override("Europe/London"):
        rendered = template.render(Context({"moment": WINTER}))

    assert rendered == "2026年12月2日 07:03|2026年12月2日|07:03|2026年12月2日 星期三"


@pytest.mark.parametrize(
    ("language", "expected"), [("ko", "Y년 n월 j일 H:i"), ("zh-hans", "Y年n月j日 H:i")]
)
def test_scripts_get_the_same_formats_and_words_from_the_javascript_catalog(
    client, language, expected
):
    client.cookies["django_language"] = language

    response = client.get(reverse("javascript-catalog"))

    assert response.status_code == 200
    assert f'"DATETIME_FORMAT": {json.dumps(expected)}' in response.content.decode()
    assert "no-store" not in response.get("Cache-Control", "")


@override_settings(DEBUG=False)
def test_every_page_loads_the_catalog_before_its_scripts_and_names_its_time_zone(client, agent):
    client.force_login(agent)
    client.cookies["django_language"] = "ko"

    html = client.get(reverse("tickets:inbox", args=["acme"])).content.decode()

    first_script = html.index("<script")
    assert html.startswith(f'<script src="{reverse("javascript-catalog")}?v=', first_script)
    assert "l=ko" in html[first_script : html.index("</script>", first_script)]
    assert '<html lang="ko" data-timezone="Europe/London">' in html
