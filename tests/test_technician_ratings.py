"""The ratings app hands technicians' ratings down to the availability search through the
registry it fills in its ready(), and their recent reviews to the search page's offer cards
through a slot: technicians never import ratings."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ratings.models import Score, TargetKind
from ratings.tests.factories import posted_review
from technicians import availability
from technicians.registries import TechnicianRating
from technicians.tests.factories import area, bookable, product

pytestmark = pytest.mark.django_db

NOW = datetime(2031, 1, 6, 7, 0, tzinfo=UTC)
NINE = datetime(2031, 1, 7, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London"))


def test_free_technicians_carry_their_points_score_and_the_better_rated_comes_first(
    organization, other_organization
):
    product(organization, "boilers")
    leeds = area(organization, "LS")
    fair = bookable(organization, areas=[leeds], full_name="Fair Fred")
    good = bookable(organization, areas=[leeds], full_name="Good Gail")
    Score.objects.create(
        organization=organization, kind=TargetKind.TECHNICIAN, person=fair, points=61.0, count=4
    )
    Score.objects.create(
        organization=organization, kind=TargetKind.TECHNICIAN, person=good, points=87.5, count=9
    )
    # What someone scores at another organization is not their score here.
    Score.objects.create(
        organization=other_organization, kind=TargetKind.TECHNICIAN, person=fair, points=99.0
    )

    found = availability.search(
        organization, "LS1", "boilers", NINE, NINE.replace(hour=10), now=NOW
    )

    assert [(str(o.technician), o.rating) for o in found.free] == [
        ("Good Gail", TechnicianRating(points=87.5, reviews=9)),
        ("Fair Fred", TechnicianRating(points=61.0, reviews=4)),
    ]


def test_the_visit_search_shows_each_free_technicians_points_and_recent_reviews(
    client, organization, customer
):
    product(organization, "boilers")
    leeds = area(organization, "LS")
    tom = bookable(organization, areas=[leeds], full_name="Tom Technician")
    posted_review(organization, technician=tom, stars=5, comment="Quick and tidy.")
    posted_review(organization, technician=tom, stars=3)
    day = timezone.now().date() + timedelta(days=3)
    client.force_login(customer)

    response = client.get(
        reverse("technicians:visit-new", args=[organization.slug]),
        {
            "address": "14 Mill Lane",
            "postal_code": "LS2 7QT",
            "product": "boilers",
            "symptoms": "No hot water.",
            "day": day.isoformat(),
            "start_time": "10:00",
        },
    )

    page = response.content.decode()
    card = page[page.index(f'data-technician="{tom.pk}"') :]
    assert "Quick and tidy." in card
    assert "5 stars" in card
    assert f"{Score.objects.get(person=tom).points:.0f} points" in card
