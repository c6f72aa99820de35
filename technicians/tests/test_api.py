"""The API's wiring: who may call what, 400s naming the field, 404 for what isn't yours,
409 with alternatives for a taken slot, and list query counts that don't grow."""

import zoneinfo
from datetime import UTC, datetime
from unittest import mock

import pytest
from rest_framework import serializers as drf
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.tests.factories import CustomerFactory, staff
from technicians import availability as search
from technicians.api.serializers import AvailabilitySerializer, OfferSerializer, SlotSerializer
from technicians.availability import Offer
from technicians.models import ServiceRequest, TimeOff, VisitStatus, WorkingHours
from technicians.registries import TechnicianRating
from technicians.tests.factories import (
    PNG,
    area,
    bookable,
    booked_visit,
    picture,
    product,
    profile_of,
    time_off,
)

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime(2031, 1, 6, 7, 0, tzinfo=UTC)
BOOKING = {
    "organization": "acme",
    "skill": "boilers",
    "postal_code": "LS2 7QT",
    "address": "14 Mill Lane",
    "symptoms": "No hot water",
    "start": "2031-01-07T09:00",
}


@pytest.fixture(autouse=True)
def _now():
    """Every request runs on Monday 6 January 2031, 07:00 UTC."""
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2031, 1, day, hour, minute, tzinfo=LONDON)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def leeds(organization):
    product(organization, "boilers", "Boilers")
    return area(organization, "LS2", name="Leeds centre")


@pytest.fixture
def tom(organization, leeds, technician):
    return bookable(organization, areas=[leeds], technician=technician)


@pytest.fixture
def visit(organization, customer, tom, leeds):
    return booked_visit(
        tom,
        local(7, 9),
        customer=customer,
        postal_code="LS27QT",
        area=leeds,
        product=product(organization, "boilers"),
    )


def availability(client, **params):
    query = {"organization": "acme", "postal_code": "LS2 7QT", "skill": "boilers"}
    query.update(params)
    return client.get("/api/v1/availability/", query)


# Availability ------------------------------------------------------------------------------


def test_a_customer_searches_and_gets_free_technicians_with_their_profile(customer, tom):
    profile = profile_of(tom)
    profile.introduction = "Boilers since 2011."
    profile.save()

    response = availability(client_for(customer), start="2031-01-07T09:00")

    assert response.status_code == 200
    body = response.json()
    # Without an offset the time is the organization's; the end is the usual visit length.
    assert (body["start"], body["end"]) == ("2031-01-07T09:00:00Z", "2031-01-07T10:00:00Z")
    assert body["area"]["name"] == "Leeds centre"
    assert body["free"] == [
        {
            "technician": {"id": tom.pk, "name": str(tom)},
            "profile": profile.pk,
            "introduction": "Boilers since 2011.",
            "years_of_experience": 0,
            "photo_url": None,
            "booked_minutes": 0,
            "rating": None,
        }
    ]
    assert (body["before"], body["after"]) == ([], [])


def test_when_nobody_is_free_the_answer_carries_the_nearest_times(customer, tom):
    booked_visit(tom, local(7, 9))

    body = availability(client_for(customer), start="2031-01-07T09:00:00+00:00").json()

    assert body["free"] == []
    assert body["after"][0]["start"] == "2031-01-07T10:00:00Z"
    assert body["after"][0]["offer"]["technician"]["id"] == tom.pk
    assert body["before"][0]["start"] == "2031-01-07T08:00:00Z"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"organization": "nobody", "start": "2031-01-07T09:00"}, "organization"),
        ({"organization": "", "start": "2031-01-07T09:00"}, "organization"),
        ({"postal_code": "LS2 7QT <", "start": "2031-01-07T09:00"}, "postal_code"),
        ({"skill": "kettles", "start": "2031-01-07T09:00"}, "skill"),
        ({"skill": "not a slug", "start": "2031-01-07T09:00"}, "skill"),
        ({"start": "tomorrow"}, "start"),
        ({}, "start"),
        ({"start": "2030-01-07T09:00"}, "start"),
        ({"start": "2031-01-07T09:00", "end": "2031-01-07T08:00"}, "end"),
    ],
)
def test_bad_availability_input_is_a_400_naming_the_field(customer, tom, params, field):
    response = availability(client_for(customer), **params)

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_the_search_needs_a_signed_in_user(tom):
    assert availability(APIClient(), start="2031-01-07T09:00").status_code == 401


def test_the_search_is_a_bounded_number_of_queries(
    customer, organization, leeds, django_assert_max_num_queries
):
    for _ in range(10):
        bookable(organization, areas=[leeds])
    client = client_for(customer)

    with django_assert_max_num_queries(12):  # the search's 7 plus the session user, throttles
        response = availability(client, start="2031-01-07T09:00")

    assert len(response.json()["free"]) == 10


# Booking -----------------------------------------------------------------------------------


def test_a_customer_books_through_the_api(customer, tom):
    response = client_for(customer).post(
        "/api/v1/service-requests/", {**BOOKING, "technician": tom.pk}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["technician"]["id"], body["scheduled_start"]) == (
        VisitStatus.SCHEDULED,
        tom.pk,
        "2031-01-07T09:00:00Z",
    )
    assert "customer" not in body  # the customer's own view


def test_a_taken_slot_is_a_409_with_the_alternatives(customer, other_customer, tom):
    client_for(other_customer).post(
        "/api/v1/service-requests/", {**BOOKING, "technician": tom.pk}, format="json"
    )

    response = client_for(customer).post(
        "/api/v1/service-requests/", {**BOOKING, "technician": tom.pk}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "slot_taken"
    assert body["availability"]["after"][0]["start"] == "2031-01-07T10:00:00Z"
    assert ServiceRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"technician": None}, "technician"),
        ({"technician": 99999}, "technician"),
        ({"address": ""}, "address"),
        ({"start": "soon"}, "start"),
        ({"colour": "blue"}, "colour"),
        ({"ticket": 99999}, "ticket"),
    ],
)
def test_bad_booking_input_is_a_400_naming_the_field(customer, tom, change, field):
    response = client_for(customer).post(
        "/api/v1/service-requests/", {**BOOKING, "technician": tom.pk, **change}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not ServiceRequest.objects.exists()


def test_a_booking_that_isnt_an_object_is_a_400(customer, tom):
    response = client_for(customer).post("/api/v1/service-requests/", [BOOKING], format="json")

    assert response.status_code == 400
    assert "organization" in response.json()["fields"]


def test_the_desk_books_for_a_caller_by_email_and_nobody_else_there_can(
    customer, tom, receptionist, other_manager
):
    body = {**BOOKING, "technician": tom.pk, "customer": customer.email}
    del body["organization"]
    url = "/api/v1/organizations/acme/service-requests/"

    as_technician = client_for(tom).post(url, body, format="json")
    as_outsider = client_for(other_manager).post(url, body, format="json")
    unknown = client_for(receptionist).post(
        url, {**body, "customer": "nobody@example.com"}, format="json"
    )
    booked = client_for(receptionist).post(url, body, format="json")

    assert (as_technician.status_code, as_outsider.status_code) == (404, 404)
    assert unknown.status_code == 400
    assert "customer" in unknown.json()["fields"]
    assert booked.status_code == 201
    assert booked.json()["customer"]["id"] == customer.pk
    assert ServiceRequest.objects.get().booked_by == receptionist


# Seeing visits -----------------------------------------------------------------------------


def test_a_customer_lists_only_their_own_visits(customer, other_customer, tom, visit):
    booked_visit(tom, local(8, 9), customer=other_customer)

    mine = client_for(customer).get("/api/v1/service-requests/").json()

    assert [row["id"] for row in mine["results"]] == [visit.pk]


def test_a_technician_lists_only_their_own_visits_and_the_desk_all(
    organization, tom, visit, receptionist, leeds
):
    colleague = bookable(organization, areas=[leeds])
    theirs = booked_visit(colleague, local(7, 9))
    url = "/api/v1/organizations/acme/service-requests/"

    own = client_for(tom).get(url).json()
    desk = client_for(receptionist).get(url).json()
    asked_for_a_colleagues = client_for(tom).get(url, {"technician": colleague.pk}).json()

    assert [row["id"] for row in own["results"]] == [visit.pk]
    assert [row["id"] for row in desk["results"]] == [visit.pk, theirs.pk]
    assert asked_for_a_colleagues["results"] == []


def test_staff_of_another_organization_and_agents_dont_see_its_visits(visit, other_manager, agent):
    url = "/api/v1/organizations/acme/service-requests/"

    assert client_for(other_manager).get(url).status_code == 404
    assert client_for(agent).get(url).status_code == 404
    assert client_for(other_manager).get(f"/api/v1/service-requests/{visit.pk}/").status_code == 404


def test_the_organizations_visits_filter_by_day_and_status(organization, tom, visit, receptionist):
    booked_visit(tom, local(8, 9), status=VisitStatus.CANCELLED)
    url = "/api/v1/organizations/acme/service-requests/"
    client = client_for(receptionist)

    on_the_8th = client.get(url, {"since": "2031-01-08", "until": "2031-01-08"}).json()
    scheduled = client.get(url, {"status": "scheduled"}).json()
    backwards = client.get(url, {"since": "2031-01-08", "until": "2031-01-07"})

    assert [row["scheduled_start"] for row in on_the_8th["results"]] == ["2031-01-08T09:00:00Z"]
    assert [row["id"] for row in scheduled["results"]] == [visit.pk]
    assert backwards.status_code == 400
    assert "until" in backwards.json()["fields"]


def test_listing_visits_costs_the_same_queries_for_two_or_twenty(
    organization, tom, receptionist, django_assert_max_num_queries
):
    client = client_for(receptionist)
    url = "/api/v1/organizations/acme/service-requests/"
    for hour in range(2):
        booked_visit(tom, local(7, 9 + hour))
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for day in range(8, 17):
        for hour in (9, 11):
            booked_visit(tom, local(day, hour))

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)

    assert response.json()["count"] == 20


def test_a_visit_is_seen_by_its_customer_its_technician_and_the_desk_only(
    organization, customer, other_customer, tom, visit, receptionist, leeds
):
    colleague = bookable(organization, areas=[leeds])
    url = f"/api/v1/service-requests/{visit.pk}/"

    as_customer = client_for(customer).get(url)
    as_technician = client_for(tom).get(url)
    as_desk = client_for(receptionist).get(url)

    assert (as_customer.status_code, as_technician.status_code, as_desk.status_code) == (
        200,
        200,
        200,
    )
    assert "customer" not in as_customer.json()
    assert as_technician.json()["customer"] == {
        "id": customer.pk,
        "name": str(customer),
        "phone": "+14155550123",
    }
    assert client_for(other_customer).get(url).status_code == 404
    assert client_for(colleague).get(url).status_code == 404
    assert client_for(customer).get("/api/v1/service-requests/not-a-number/").status_code == 404


# Acting on a visit -------------------------------------------------------------------------


def test_the_technician_steps_through_and_completes_with_photos(tom, visit, customer):
    client = client_for(tom)
    url = f"/api/v1/service-requests/{visit.pk}/"

    for step in ("on_the_way", "arrived", "in_progress"):
        assert client.post(url + "steps/", {"step": step}, format="json").status_code == 200
    done = client.post(
        url + "complete/",
        {
            "report": "Valve replaced",
            "outcome": "fixed",
            "time_spent_minutes": 45,
            "photos": [picture("valve.jpg"), picture("gauge.png", PNG)],
        },
        format="multipart",
    )

    assert done.status_code == 200
    body = done.json()
    assert (body["status"], body["outcome"], body["time_spent_minutes"]) == (
        "completed",
        "fixed",
        45,
    )
    assert [p["content_type"] for p in body["photos"]] == ["image/jpeg", "image/png"]
    seen_by_customer = client_for(customer).get(url).json()
    assert len(seen_by_customer["photos"]) == 2


def test_a_step_by_the_customer_is_403_and_a_bad_step_is_a_400(customer, tom, visit):
    url = f"/api/v1/service-requests/{visit.pk}/steps/"

    by_customer = client_for(customer).post(url, {"step": "arrived"}, format="json")
    unknown = client_for(tom).post(url, {"step": "dancing"}, format="json")
    backwards = client_for(tom).post(url, {"step": "arrived"}, format="json")
    client_for(tom).post(url, {"step": "in_progress"}, format="json")
    again = client_for(tom).post(url, {"step": "arrived"}, format="json")

    assert by_customer.status_code == 403
    assert unknown.status_code == 400
    assert "step" in unknown.json()["fields"]
    assert backwards.status_code == 200
    assert again.status_code == 400
    assert "status" in again.json()["fields"]


def test_a_bad_photo_is_a_400_naming_photos(tom, visit):
    client = client_for(tom)
    url = f"/api/v1/service-requests/{visit.pk}/"
    client.post(url + "steps/", {"step": "in_progress"}, format="json")

    response = client.post(
        url + "complete/",
        {"report": "Done", "outcome": "fixed", "photos": [picture("valve.png")]},
        format="multipart",
    )

    assert response.status_code == 400
    assert "photos" in response.json()["fields"]


def test_the_customer_reschedules_and_cancels_through_the_api(customer, tom, visit):
    url = f"/api/v1/service-requests/{visit.pk}/"
    client = client_for(customer)
    booked_visit(tom, local(8, 10))

    taken = client.post(url + "reschedule/", {"start": "2031-01-08T10:00"}, format="json")
    moved = client.post(url + "reschedule/", {"start": "2031-01-08T14:00"}, format="json")
    cancelled = client.post(url + "cancel/", format="json")

    assert taken.status_code == 409
    assert moved.status_code == 200
    assert moved.json()["scheduled_start"] == "2031-01-08T14:00:00Z"
    assert cancelled.json()["status"] == "cancelled"


def test_the_technician_cant_cancel_and_a_stranger_cant_find_the_visit(tom, visit, other_customer):
    url = f"/api/v1/service-requests/{visit.pk}/cancel/"

    assert client_for(tom).post(url).status_code == 403
    assert client_for(other_customer).post(url).status_code == 404
    assert ServiceRequest.objects.get().status == VisitStatus.SCHEDULED


# The technician's own week -----------------------------------------------------------------


def test_a_technician_reads_and_replaces_their_working_week(tom):
    client = client_for(tom)
    url = "/api/v1/organizations/acme/technicians/me/hours/"

    replaced = client.put(
        url,
        {"hours": [{"weekday": 0, "start": "08:00", "end": "12:00"}]},
        format="json",
    )
    read = client.get(url)

    assert replaced.status_code == 200
    assert read.json() == [{"weekday": 0, "start": "08:00:00", "end": "12:00:00"}]
    assert WorkingHours.objects.count() == 1


@pytest.mark.parametrize(
    "hours",
    [
        [{"weekday": 9, "start": "08:00", "end": "12:00"}],
        [{"weekday": 0, "start": "12:00", "end": "08:00"}],
        [{"weekday": 0, "start": "noon", "end": "13:00"}],
    ],
)
def test_a_bad_week_is_a_400_naming_hours(tom, hours):
    response = client_for(tom).put(
        "/api/v1/organizations/acme/technicians/me/hours/", {"hours": hours}, format="json"
    )

    assert response.status_code == 400
    assert "hours" in response.json()["fields"]
    assert WorkingHours.objects.count() == 7


def test_only_a_technician_with_a_profile_has_a_week(organization, receptionist):
    newcomer = staff(organization, Role.TECHNICIAN)
    url = "/api/v1/organizations/acme/technicians/me/hours/"

    assert client_for(receptionist).get(url).status_code == 404
    assert client_for(newcomer).get(url).status_code == 404


def test_a_technician_adds_lists_and_takes_back_time_off_of_their_own_only(
    organization, tom, leeds
):
    client = client_for(tom)
    url = "/api/v1/organizations/acme/technicians/me/time-off/"
    colleague = bookable(organization, areas=[leeds])
    theirs = time_off(colleague, local(9, 0), local(10, 0))

    added = client.post(
        url, {"start": "2031-01-09T00:00", "end": "2031-01-10T00:00", "reason": "Dentist"}
    )
    listed = client.get(url).json()
    not_mine = client.delete(f"{url}{theirs.pk}/")
    removed = client.delete(f"{url}{added.json()['id']}/")

    assert added.status_code == 201
    assert [row["reason"] for row in listed] == ["Dentist"]
    assert not_mine.status_code == 404
    assert removed.status_code == 204
    assert list(TimeOff.objects.all()) == [theirs]


def test_time_off_over_a_booked_visit_is_a_400_naming_start(tom, visit):
    response = client_for(tom).post(
        "/api/v1/organizations/acme/technicians/me/time-off/",
        {"start": "2031-01-07T00:00", "end": "2031-01-08T00:00"},
    )

    assert response.status_code == 400
    assert "start" in response.json()["fields"]


def test_customers_are_not_told_the_end_of_a_time_off_they_cant_see(customer, tom):
    # Time off only ever shows as a technician not being offered.
    time_off(tom, local(7, 0), local(8, 0), reason="Surgery")

    body = availability(client_for(customer), start="2031-01-07T09:00").json()

    assert "Surgery" not in str(body)
    assert body["free"] == []
    assert body["after"][0]["start"] == "2031-01-08T08:00:00Z"


def test_a_customer_from_elsewhere_may_search_but_sees_no_customers(tom, organization):
    stranger = CustomerFactory()
    booked_visit(tom, local(7, 10), customer=CustomerFactory(full_name="Private Person"))

    body = availability(client_for(stranger), start="2031-01-07T09:00").json()

    assert "Private Person" not in str(body)
    assert body["free"][0]["booked_minutes"] == 60


@pytest.mark.parametrize("rated", [True, False])
def test_an_offer_written_out_is_what_its_declared_fields_give(organization, rated):
    technician = bookable(organization, full_name="Tom")
    profile = profile_of(technician)
    profile.introduction, profile.years_of_experience = "Boilers since 2009.", 15
    rating = TechnicianRating(points=87.5, reviews=12) if rated else None
    offer = Offer(profile, booked_minutes=90, rating=rating)

    written = OfferSerializer().to_representation(offer)
    walked = drf.Serializer.to_representation(OfferSerializer(), offer)

    assert written == walked


@pytest.mark.parametrize("booked", [False, True], ids=["free", "alternatives"])
def test_an_answer_written_out_is_what_its_declared_fields_give(
    organization, tom, monkeypatch, booked
):
    if booked:
        booked_visit(tom, local(7, 9))
    found = search.search(organization, "LS2 7QT", "boilers", local(7, 9), local(7, 10), now=NOW)
    assert found.area is not None
    assert bool(found.free) is not booked
    assert bool(found.before and found.after) is booked

    written = AvailabilitySerializer(found).data
    with monkeypatch.context() as walking:
        for serializer in (AvailabilitySerializer, SlotSerializer, OfferSerializer):
            walking.setattr(serializer, "to_representation", drf.Serializer.to_representation)
        walked = AvailabilitySerializer(found).data

    assert written == walked
