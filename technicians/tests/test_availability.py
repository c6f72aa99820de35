"""The availability search: who covers the postal code, knows the product, works then, isn't
off and isn't booked; ranked by the day's workload then rating; and the nearest free times
when nobody is free."""

import zoneinfo
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Membership, Role
from accounts.tests.factories import staff
from technicians import availability, registries
from technicians.models import VisitSettings, VisitStatus
from technicians.registries import TechnicianRating
from technicians.tests.factories import area, bookable, booked_visit, product, time_off

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
# A Monday morning in winter, when London is on UTC.
NOW = datetime(2031, 1, 6, 7, 0, tzinfo=UTC)


def local(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    return datetime(2031, month, day, hour, minute, tzinfo=LONDON)


def search(organization, start, end=None, *, postal_code="LS2 7QT", skill="boilers", now=NOW):
    return availability.search(
        organization,
        postal_code,
        skill,
        start,
        end or start + timedelta(hours=1),
        now=now,
    )


def names(offers) -> list[str]:
    return [str(offer.technician) for offer in offers]


@pytest.fixture
def leeds(organization):
    product(organization, "boilers")
    return area(organization, "LS", name="Leeds")


@pytest.fixture
def ratings():
    """Install a ratings provider for the test, as the ratings app does in its ready()."""
    given: dict[int, TechnicianRating] = {}
    saved = list(registries._ratings)
    registries.register_ratings(lambda organization_id, user_ids: given)
    yield given
    registries._ratings[:] = saved


def test_a_technician_covering_the_area_with_the_skill_and_free_then_is_offered(
    organization, leeds
):
    tom = bookable(organization, areas=[leeds], full_name="Tom")

    found = search(organization, local(7, 9))

    assert names(found.free) == ["Tom"]
    assert (found.area, found.product.skill) == (leeds, "boilers")
    assert found.free[0].profile.membership.user == tom
    assert (found.before, found.after) == ([], [])


def test_the_longest_prefix_decides_the_area(organization, leeds):
    central = area(organization, "LS2", name="Leeds centre")
    bookable(organization, areas=[leeds], full_name="Tom")
    bookable(organization, areas=[central], full_name="Tess")

    in_centre = search(organization, local(7, 9), postal_code="ls2-7qt")
    elsewhere = search(organization, local(7, 9), postal_code="LS6 1AA")

    assert (in_centre.area, names(in_centre.free)) == (central, ["Tess"])
    assert (elsewhere.area, names(elsewhere.free)) == (leeds, ["Tom"])


def test_a_postal_code_no_area_covers_finds_nobody_and_says_so(organization, leeds):
    bookable(organization, areas=[leeds])

    found = search(organization, local(7, 9), postal_code="YO21 3PX")

    assert (found.area, found.free, found.before, found.after) == (None, [], [], [])


def test_only_technicians_with_the_products_skill_are_offered(organization, leeds):
    product(organization, "ovens")
    bookable(organization, areas=[leeds], skills=["boilers"], full_name="Tom")
    bookable(organization, areas=[leeds], skills=["ovens", "boilers"], full_name="Tess")

    assert names(search(organization, local(7, 9), skill="ovens").free) == ["Tess"]


def test_only_a_time_within_working_hours_is_free(organization, leeds):
    bookable(organization, areas=[leeds], hours=(time(8), time(12)), weekdays=[1])

    on_tuesday = search(organization, local(7, 11))
    past_the_end = search(organization, local(7, 11, 30))
    on_wednesday = search(organization, local(8, 9))

    assert len(on_tuesday.free) == 1
    assert past_the_end.free == []
    assert on_wednesday.free == []


def test_working_hours_are_the_organizations_local_time_on_both_sides_of_the_clock_change(
    organization, leeds
):
    bookable(organization, areas=[leeds], hours=(time(9), time(17)))
    # London moves to summer time on Sunday 30 March 2031: nine o'clock is 08:00 UTC after.
    before_change = datetime(2031, 3, 28, 9, 0, tzinfo=UTC)
    after_change = datetime(2031, 3, 31, 8, 0, tzinfo=UTC)
    an_hour_early_after = datetime(2031, 3, 31, 7, 30, tzinfo=UTC)

    assert len(search(organization, before_change).free) == 1
    assert len(search(organization, after_change).free) == 1
    assert search(organization, an_hour_early_after).free == []


def test_a_technician_off_then_is_not_free(organization, leeds):
    tom = bookable(organization, areas=[leeds], full_name="Tom")
    bookable(organization, areas=[leeds], full_name="Tess")
    time_off(tom, local(7, 10), local(9, 0), reason="Training")

    assert names(search(organization, local(7, 9)).free) == ["Tess", "Tom"]
    assert names(search(organization, local(7, 9, 30)).free) == ["Tess"]


def test_a_booked_technician_is_not_free_but_back_to_back_and_cancelled_visits_dont_block(
    organization, leeds
):
    tom = bookable(organization, areas=[leeds], full_name="Tom")
    booked_visit(tom, local(7, 10))
    booked_visit(tom, local(7, 14), status=VisitStatus.CANCELLED)

    assert search(organization, local(7, 9, 30)).free == []
    assert names(search(organization, local(7, 9)).free) == ["Tom"]  # ends as the visit starts
    assert names(search(organization, local(7, 11)).free) == ["Tom"]  # starts as it ends
    assert names(search(organization, local(7, 14)).free) == ["Tom"]


def test_technicians_who_left_are_inactive_or_of_another_organization_are_not_offered(
    organization, other_organization, leeds
):
    left = bookable(organization, areas=[leeds])
    Membership.objects.filter(user=left).update(is_active=False)
    product(other_organization, "boilers")
    bookable(other_organization, areas=[area(other_organization, "LS")])
    moved_on = bookable(organization, areas=[leeds])
    Membership.objects.filter(user=moved_on).update(role=Role.AGENT)

    assert search(organization, local(7, 9)).free == []


def test_free_technicians_come_lightest_day_first_then_best_rated_then_unrated(
    organization, leeds, ratings
):
    busy = bookable(organization, areas=[leeds], full_name="Busy Bea")
    rated = bookable(organization, areas=[leeds], full_name="Rated Rob")
    better = bookable(organization, areas=[leeds], full_name="Better Ben")
    bookable(organization, areas=[leeds], full_name="New Nina")
    booked_visit(busy, local(7, 14), minutes=90)
    booked_visit(busy, local(8, 9), minutes=240)  # another day: doesn't count
    ratings.update(
        {
            busy.pk: TechnicianRating(99.0, 40),
            rated.pk: TechnicianRating(70.0, 12),
            better.pk: TechnicianRating(88.5, 3),
        }
    )

    found = search(organization, local(7, 9))

    assert names(found.free) == ["Better Ben", "Rated Rob", "New Nina", "Busy Bea"]
    assert [offer.booked_minutes for offer in found.free] == [0, 0, 0, 90]
    assert found.free[0].rating == TechnicianRating(88.5, 3)
    assert found.free[2].rating is None


def test_when_nobody_is_free_the_nearest_times_before_and_after_are_offered_with_who_comes(
    organization, leeds
):
    tom = bookable(organization, areas=[leeds], hours=(time(8), time(17)), full_name="Tom")
    booked_visit(tom, local(7, 10), minutes=120)

    found = search(organization, local(7, 11))

    assert found.free == []
    assert [slot.start for slot in found.before] == [local(7, 9), local(7, 8, 30), local(7, 8)]
    assert [slot.start for slot in found.after] == [
        local(7, 12),
        local(7, 12, 30),
        local(7, 13),
        local(7, 13, 30),
        local(7, 14),
    ]
    assert {str(slot.offer.technician) for slot in found.before + found.after} == {"Tom"}
    assert all(slot.end - slot.start == timedelta(hours=1) for slot in found.after)


def test_alternatives_go_on_to_the_next_days_skip_time_off_and_never_offer_the_past(
    organization, leeds
):
    tom = bookable(organization, areas=[leeds], hours=(time(9), time(11)), weekdays=[1, 3])
    booked_visit(tom, local(7, 9), minutes=120)  # Tuesday full
    time_off(tom, local(9, 0), local(10, 0))  # Thursday off
    VisitSettings.objects.create(organization=organization, slot_minutes=60)

    found = search(organization, local(7, 9), now=local(7, 8))

    assert found.before == []  # the morning before 09:00 isn't working time
    assert [slot.start for slot in found.after] == [
        local(14, 9),
        local(14, 10),
        local(16, 9),
        local(16, 10),
        local(21, 9),
    ]


def test_a_slot_is_the_best_technician_free_then(organization, leeds, ratings):
    tom = bookable(organization, areas=[leeds], full_name="Tom")
    tess = bookable(organization, areas=[leeds], full_name="Tess")
    booked_visit(tom, local(7, 9), minutes=60)
    booked_visit(tess, local(7, 9), minutes=120)
    ratings[tess.pk] = TechnicianRating(95.0, 10)

    found = search(organization, local(7, 9))

    assert (found.after[0].start, str(found.after[0].offer.technician)) == (local(7, 10), "Tom")
    assert (found.after[1].start, str(found.after[1].offer.technician)) == (
        local(7, 10, 30),
        "Tom",
    )
    assert str(found.after[2].offer.technician) == "Tom"  # 11:00: both free, Tom's day lighter


def test_a_visit_being_moved_does_not_block_its_own_time(organization, leeds):
    tom = bookable(organization, areas=[leeds])
    visit = booked_visit(tom, local(7, 9))

    found = availability.search(
        organization,
        "LS2 7QT",
        "boilers",
        local(7, 9, 30),
        local(7, 10, 30),
        now=NOW,
        exclude_visit_id=visit.pk,
    )

    assert len(found.free) == 1


@pytest.mark.parametrize(
    ("postal_code", "skill", "start", "end", "field"),
    [
        ("LS2 7QT!", "boilers", local(7, 9), local(7, 10), "postal_code"),
        ("", "boilers", local(7, 9), local(7, 10), "postal_code"),
        ("LS2 7QT", "kettles", local(7, 9), local(7, 10), "skill"),
        ("LS2 7QT", "boilers", local(7, 10), local(7, 9), "end"),
        ("LS2 7QT", "boilers", local(7, 9), local(8, 9), "end"),
        ("LS2 7QT", "boilers", local(5, 9), local(5, 10), "start"),
        ("LS2 7QT", "boilers", local(7, 9).replace(tzinfo=None), local(7, 10), "start"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    organization, leeds, postal_code, skill, start, end, field
):
    with pytest.raises(ValidationError) as refused:
        availability.search(organization, postal_code, skill, start, end, now=NOW)

    assert field in refused.value.message_dict


def test_another_organizations_product_is_unknown_here(organization, other_organization, leeds):
    product(other_organization, "solar")

    with pytest.raises(ValidationError) as refused:
        search(organization, local(7, 9), skill="solar")

    assert "skill" in refused.value.message_dict


def test_the_search_reads_a_fixed_number_of_queries_however_many_technicians_and_visits(
    organization, leeds, django_assert_max_num_queries
):
    technicians = [bookable(organization, areas=[leeds]) for _ in range(12)]
    for n, technician in enumerate(technicians):
        booked_visit(technician, local(7, 9 + n % 6))
        booked_visit(technician, local(8, 10))
        time_off(technician, local(9, 0), local(10, 0))

    with django_assert_max_num_queries(7):
        free = search(organization, local(7, 16))
    for technician in technicians:
        booked_visit(technician, local(7, 16))
    with django_assert_max_num_queries(8):
        alternatives = search(organization, local(7, 16))

    assert len(free.free) == 12
    assert alternatives.free == []
    assert len(alternatives.after) == 5


def test_other_staff_are_never_candidates(organization, leeds):
    receptionist = staff(organization, Role.RECEPTIONIST)
    bookable(organization, areas=[leeds], technician=receptionist)

    assert search(organization, local(7, 9)).free == []
