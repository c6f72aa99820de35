"""The availability search: who covers the postal code, knows the product, works then, isn't
off and isn't booked; ranked by the day's workload then rating; and the nearest free times
when nobody is free."""

import random
import zoneinfo
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Membership, Role
from accounts.tests.factories import staff
from technicians import availability, registries, services
from technicians.models import VisitSettings, VisitStatus
from technicians.registries import TechnicianRating
from technicians.tests.factories import (
    area,
    bookable,
    booked_visit,
    product,
    profile_of,
    time_off,
)

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


def test_the_search_reads_a_fixed_number_of_queries_and_only_the_bookings_once_warm(
    organization, leeds, django_assert_max_num_queries
):
    technicians = [bookable(organization, areas=[leeds]) for _ in range(12)]
    for n, technician in enumerate(technicians):
        booked_visit(technician, local(7, 9 + n % 6))
        booked_visit(technician, local(8, 10))
        time_off(technician, local(9, 0), local(10, 0))

    with django_assert_max_num_queries(10):
        first = search(organization, local(7, 16))
    # The ratings come from the ratings app's cache (ratings.cache) once read.
    with django_assert_max_num_queries(1):
        free = search(organization, local(7, 16))
    for technician in technicians:
        booked_visit(technician, local(7, 16))
    with django_assert_max_num_queries(2):
        alternatives = search(organization, local(7, 16))

    assert len(first.free) == len(free.free) == 12
    assert alternatives.free == []
    assert len(alternatives.after) == 5


def test_other_staff_are_never_candidates(organization, leeds):
    receptionist = staff(organization, Role.RECEPTIONIST)
    bookable(organization, areas=[leeds], technician=receptionist)

    assert search(organization, local(7, 9)).free == []


# Reading the days outward ----------------------------------------------------------------
#
# The alternatives read the days around the wish a ring at a time and stop once they have
# enough. Each test below also asks the same search reading the whole fortnight at once (as
# it did before it read outward): the answers must be the same, offers and all.


def search_reading_every_day(monkeypatch, organization, start, **kwargs):
    with monkeypatch.context() as patched:
        everything = (range(availability.ALTERNATIVE_DAYS + 1),)
        patched.setattr(availability, "ALTERNATIVE_RINGS", everything)
        return search(organization, start, **kwargs)


def starts(slots) -> list[datetime]:
    return [slot.start for slot in slots]


def test_reading_outward_answers_as_reading_the_whole_fortnight_over_a_varied_fortnight(
    organization, leeds, monkeypatch, ratings
):
    rng = random.Random(19)
    people = [bookable(organization, areas=[leeds], full_name=name) for name in "ABC"]
    # A lunch break for one, evenings for another.
    bookable(organization, areas=[leeds], technician=people[1], hours=(time(18), time(21)))
    ratings[people[2].pk] = TechnicianRating(80.0, 5)
    blocks = [(8, 120), (10, 90), (12, 60), (13, 120), (15, 120), (18, 60), (19, 120)]
    for person in people:
        for day in range(6, 24):
            for hour, minutes in blocks:
                if rng.random() < 0.8:
                    booked_visit(person, local(day, hour), minutes=minutes)
        off = rng.randrange(8, 20)
        time_off(person, local(off, 12), local(off + rng.randrange(1, 4), 9))
    answers = []

    for day in (7, 9, 12, 16, 20):
        for hour, minute in ((8, 0), (10, 30), (13, 0), (16, 30), (19, 0)):
            wish = local(day, hour, minute)
            for now in (NOW, wish - timedelta(hours=20)):
                outward = search(organization, wish, now=now)
                assert outward == search_reading_every_day(
                    monkeypatch, organization, wish, now=now
                ), (wish, now)
                answers.append(outward)

    nobody_free = [found for found in answers if not found.free]
    assert len(nobody_free) >= 10
    assert any(len(found.after) == 5 and len(found.before) == 3 for found in nobody_free)


def test_a_visit_across_midnight_blocks_the_next_nights_first_hour_and_counts_for_the_day_it_starts(
    organization, leeds, monkeypatch
):
    tom = bookable(organization, areas=[leeds], hours=(time(18), time(23, 30)), full_name="Tom")
    bookable(organization, areas=[leeds], technician=tom, hours=(time(0), time(4)))
    booked_visit(tom, local(7, 22), minutes=180)  # 22:00 to 01:00 the next day

    found = search(organization, local(7, 22, 30))

    assert found.free == []
    assert starts(found.before) == [local(7, 21), local(7, 20, 30), local(7, 20)]
    assert starts(found.after) == [
        local(8, 1),
        local(8, 1, 30),
        local(8, 2),
        local(8, 2, 30),
        local(8, 3),
    ]
    assert [slot.offer.booked_minutes for slot in found.before] == [180, 180, 180]
    assert [slot.offer.booked_minutes for slot in found.after] == [0, 0, 0, 0, 0]
    assert found == search_reading_every_day(monkeypatch, organization, local(7, 22, 30))


def test_alternatives_keep_local_hours_across_the_spring_clock_change(
    organization, leeds, monkeypatch
):
    tom = bookable(organization, areas=[leeds], hours=(time(8), time(17)), full_name="Tom")
    # London moves to summer time on Sunday 30 March 2031; Monday 31 is fully booked.
    booked_visit(tom, local(31, 8, month=3), minutes=540)
    now = datetime(2031, 3, 29, 12, 0, tzinfo=UTC)

    found = search(organization, local(31, 9, month=3), now=now)

    # 16:00 on the Sunday is 15:00 UTC; on the Saturday it was 16:00 UTC.
    assert starts(found.before) == [
        datetime(2031, 3, 30, 15, 0, tzinfo=UTC),
        datetime(2031, 3, 30, 14, 30, tzinfo=UTC),
        datetime(2031, 3, 30, 14, 0, tzinfo=UTC),
    ]
    assert starts(found.after) == [
        local(1, 8, month=4),
        local(1, 8, 30, month=4),
        local(1, 9, month=4),
        local(1, 9, 30, month=4),
        local(1, 10, month=4),
    ]
    assert found == search_reading_every_day(
        monkeypatch, organization, local(31, 9, month=3), now=now
    )


def test_on_the_night_the_clocks_go_back_the_repeated_hour_is_offered_once(
    organization, leeds, monkeypatch
):
    tom = bookable(organization, areas=[leeds], hours=(time(0), time(4)), full_name="Tom")
    # London goes back to winter time at 02:00 on Sunday 26 October 2031.
    booked_visit(tom, local(25, 0, month=10), minutes=240)
    now = datetime(2031, 10, 24, 12, 0, tzinfo=UTC)

    found = search(organization, local(25, 2, month=10), now=now)

    # The grid is wall-clock times from local midnight: 01:00 and 01:30 are the summer ones.
    assert starts(found.after) == [
        datetime(2031, 10, 25, 23, 0, tzinfo=UTC),
        datetime(2031, 10, 25, 23, 30, tzinfo=UTC),
        datetime(2031, 10, 26, 0, 0, tzinfo=UTC),
        datetime(2031, 10, 26, 0, 30, tzinfo=UTC),
        datetime(2031, 10, 26, 2, 0, tzinfo=UTC),
    ]
    assert found.before == []  # Friday's night hours are past
    assert found == search_reading_every_day(
        monkeypatch, organization, local(25, 2, month=10), now=now
    )


def test_time_off_and_visits_across_the_edge_of_the_days_read_first_are_read_whole_and_counted_once(
    organization, leeds, monkeypatch
):
    tom = bookable(organization, areas=[leeds], hours=(time(8), time(17)), full_name="Tom")
    booked_visit(tom, local(7, 8), minutes=540)  # the wished Tuesday, full
    # Off over the three days read first and into the first hour of the next, which is read
    # with the rest of the fortnight.
    time_off(tom, local(8, 0), local(11, 9))
    booked_visit(tom, local(10, 23), minutes=120)  # Friday night into Saturday
    booked_visit(tom, local(11, 9), minutes=60)

    found = search(organization, local(7, 9))

    assert starts(found.after) == [
        local(11, 10),
        local(11, 10, 30),
        local(11, 11),
        local(11, 11, 30),
        local(11, 12),
    ]
    # Saturday's own visit; Friday night's counts for Friday.
    assert {slot.offer.booked_minutes for slot in found.after} == {60}
    assert starts(found.before) == [local(6, 16), local(6, 15, 30), local(6, 15)]
    assert found == search_reading_every_day(monkeypatch, organization, local(7, 9))


def test_alternatives_look_two_weeks_ahead_and_back_to_today_and_say_nothing_beyond(
    organization, leeds, monkeypatch, django_assert_max_num_queries
):
    tom = bookable(organization, areas=[leeds], hours=(time(8), time(17)), full_name="Tom")
    time_off(tom, local(6, 8), local(21, 0))  # back on the fourteenth day after the wish
    search(organization, local(7, 9))  # the setup is cached from here on

    # The wished day, its neighbours, the rest of the fortnight.
    with django_assert_max_num_queries(3):
        back_on_the_last_day = search(organization, local(7, 9))
    assert back_on_the_last_day == search_reading_every_day(monkeypatch, organization, local(7, 9))
    services.time_off_add(
        profile=profile_of(tom), start=local(21, 0), end=local(22, 0), by=tom, now=NOW
    )
    with django_assert_max_num_queries(10):  # the setup read anew: time off changes it
        back_too_late = search(organization, local(7, 9))

    assert back_on_the_last_day.before == []  # today, before the time off, is past
    assert starts(back_on_the_last_day.after) == [
        local(21, 8),
        local(21, 8, 30),
        local(21, 9),
        local(21, 9, 30),
        local(21, 10),
    ]
    assert (back_too_late.free, back_too_late.before, back_too_late.after) == ([], [], [])
    assert back_too_late.area == leeds  # covered: nobody free, not nobody there
    assert back_too_late == search_reading_every_day(monkeypatch, organization, local(7, 9))


def test_alternatives_found_on_the_wished_day_read_no_other_day(
    organization, leeds, django_assert_max_num_queries
):
    tom = bookable(organization, areas=[leeds], hours=(time(8), time(17)))
    booked_visit(tom, local(7, 10), minutes=120)
    search(organization, local(7, 11))  # the setup is cached from here on

    # The wished day's bookings.
    with django_assert_max_num_queries(1):
        found = search(organization, local(7, 11))

    assert (len(found.before), len(found.after)) == (3, 5)
