"""The reception desk and the managers' field-service pages: who gets in, what they show,
and every action through its service, with errors on the page."""

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AgentSkill, Membership
from technicians.models import (
    BranchOffice,
    ProductLine,
    ServiceArea,
    ServiceRequest,
    TechnicianProfile,
    VisitSettings,
    VisitStatus,
    WorkingHours,
)
from technicians.staff_forms import DeskSearchForm
from technicians.tests.factories import (
    VisitFactory,
    area,
    bookable,
    booked_visit,
    picture,
    product,
)

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def next_week_at(hour: int) -> datetime:
    day = timezone.now().astimezone(LONDON).date() + timedelta(days=7)
    return datetime.combine(day, time(hour), tzinfo=LONDON)


@pytest.fixture
def leeds(organization):
    product(organization, "boilers", "Boilers")
    return area(organization, "LS2", name="Leeds centre")


@pytest.fixture
def tom(organization, leeds, technician):
    return bookable(organization, areas=[leeds], technician=technician)


@pytest.fixture
def una(organization, leeds):
    return bookable(organization, areas=[leeds], full_name="Una Technician")


def desk_booking(customer, start: datetime, choice_user, **fields) -> dict:
    data = {
        "postal_code": "LS2 7QT",
        "product": ProductLine.objects.get(skill="boilers").pk,
        "day": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "minutes": 60,
        "customer_email": customer.email.upper(),
        "address": "12 Station Road",
        "symptoms": "No hot water",
        "choice": f"{choice_user.pk}@{start.isoformat()}",
    }
    data.update(fields)
    return data


# Who gets in -------------------------------------------------------------------------------

DESK_URLS = ["technicians:desk", "technicians:desk-search", "technicians:desk-waiting"]
MANAGER_URLS = [
    ("technicians:board", []),
    ("technicians:workload", []),
    ("technicians:visit-settings", []),
    ("technicians:technicians", []),
    ("technicians:catalogue", ["offices"]),
    ("technicians:catalogue", ["areas"]),
    ("technicians:catalogue", ["products"]),
]


def test_receptionists_and_managers_open_the_desk(organization, receptionist, manager):
    for person in (receptionist, manager):
        for name in DESK_URLS:
            assert client_for(person).get(reverse(name, args=["acme"])).status_code == 200


def test_nobody_else_finds_the_desk(
    organization, agent, technician, customer, other_manager, client
):
    for person in (agent, technician, customer, other_manager):
        for name in DESK_URLS:
            assert client_for(person).get(reverse(name, args=["acme"])).status_code == 404
    response = client.get(reverse("technicians:desk", args=["acme"]))
    assert response.status_code == 302


def test_only_the_organizations_managers_open_the_field_pages(
    organization, manager, receptionist, agent, technician, customer, other_manager, leeds
):
    office = BranchOffice.objects.get()
    tech_membership = Membership.objects.get(user=technician)
    urls = [reverse(name, args=["acme", *args]) for name, args in MANAGER_URLS]
    urls += [
        reverse("technicians:catalogue-edit", args=["acme", "offices", office.pk]),
        reverse("technicians:technician-edit", args=["acme", tech_membership.pk]),
    ]
    for url in urls:
        assert client_for(manager).get(url).status_code == 200, url
        for person in (receptionist, agent, technician, customer, other_manager):
            assert client_for(person).get(url).status_code == 404, (url, person)


def test_a_manager_cant_reach_another_organizations_rows(organization, other_organization, manager):
    theirs = BranchOffice.objects.create(organization=other_organization, name="Globex HQ")
    edit = reverse("technicians:catalogue-edit", args=["acme", "offices", theirs.pk])
    delete = reverse("technicians:catalogue-delete", args=["acme", "offices", theirs.pk])

    assert client_for(manager).get(edit).status_code == 404
    assert client_for(manager).post(delete).status_code == 404
    assert BranchOffice.objects.filter(pk=theirs.pk).exists()
    assert (
        client_for(manager).get(reverse("technicians:catalogue", args=["acme", "x"])).status_code
        == 404
    )


def test_a_receptionist_cant_post_to_the_field_pages(organization, receptionist):
    url = reverse("technicians:catalogue", args=["acme", "offices"])
    assert client_for(receptionist).post(url, {"name": "North"}).status_code == 404
    assert not BranchOffice.objects.exists()


# The desk ----------------------------------------------------------------------------------


def test_the_desk_search_shows_who_is_free_best_first(organization, receptionist, tom, una):
    start = next_week_at(10)
    booked_visit(tom, start - timedelta(hours=2))
    response = client_for(receptionist).get(
        reverse("technicians:desk-search", args=["acme"]),
        desk_booking(receptionist, start, tom),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Una Technician") < html.index("Tom Technician")
    assert f'value="{una.pk}@{start.isoformat()}" checked' in html


def test_the_desk_search_names_what_is_wrong_without_failing(organization, receptionist, leeds):
    response = client_for(receptionist).get(
        reverse("technicians:desk-search", args=["acme"]),
        {"postal_code": "??", "product": "x", "day": "soon", "start_time": "25:99"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Day: Enter a valid date." in html
    assert "Time: Enter a valid time." in html


def test_the_desk_search_waits_for_a_postal_code_or_a_time_before_it_finds_fault(
    organization, receptionist, leeds
):
    response = client_for(receptionist).get(
        reverse("technicians:desk-search", args=["acme"]), {"postal_code": "", "start_time": ""}
    )

    html = response.content.decode()
    assert "Type a postal code and a time: who is free then shows here." in html
    assert "errorlist" not in html


def test_the_desk_search_says_when_no_area_covers_the_code(organization, receptionist, tom):
    start = next_week_at(10)
    response = client_for(receptionist).get(
        reverse("technicians:desk-search", args=["acme"]),
        desk_booking(receptionist, start, tom, postal_code="ZZ1"),
    )
    assert "No area of ours covers this postal code." in response.content.decode()


def test_the_desk_books_a_caller_by_their_account_email(organization, receptionist, customer, tom):
    start = next_week_at(10)
    response = client_for(receptionist).post(
        reverse("technicians:desk", args=["acme"]), desk_booking(customer, start, tom)
    )

    assert response.status_code == 302
    visit = ServiceRequest.objects.get()
    assert (visit.customer, visit.technician, visit.status) == (
        customer,
        tom,
        VisitStatus.SCHEDULED,
    )
    assert visit.scheduled_start == start
    assert visit.booked_by == receptionist


def test_the_desk_refuses_an_email_without_an_account(organization, receptionist, tom):
    start = next_week_at(10)
    data = desk_booking(receptionist, start, tom, customer_email="nobody@example.com")
    response = client_for(receptionist).post(reverse("technicians:desk", args=["acme"]), data)

    assert response.status_code == 400
    assert "No customer account has this email" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_the_desk_shows_missing_fields_and_an_unpicked_result(organization, receptionist, tom):
    response = client_for(receptionist).post(
        reverse("technicians:desk", args=["acme"]), {"postal_code": "LS2"}
    )

    assert response.status_code == 400
    assert "Pick a technician or a time from the results." in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_a_garbled_pick_is_a_form_error(organization, receptionist, customer, tom):
    start = next_week_at(10)
    for choice in ("nonsense", f"{tom.pk}@yesterday", "999999@" + start.isoformat()):
        data = desk_booking(customer, start, tom, choice=choice)
        response = client_for(receptionist).post(reverse("technicians:desk", args=["acme"]), data)
        assert response.status_code == 400
    assert not ServiceRequest.objects.exists()


def test_a_taken_slot_comes_back_with_the_alternatives_picked(
    organization, receptionist, customer, tom
):
    start = next_week_at(10)
    booked_visit(tom, start)
    response = client_for(receptionist).post(
        reverse("technicians:desk", args=["acme"]), desk_booking(customer, start, tom)
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "That time was just taken. Pick one of these instead." in html
    earlier = start - timedelta(hours=1)
    assert f'value="{tom.pk}@{earlier.isoformat()}" checked' in html
    assert ServiceRequest.objects.count() == 1


def test_a_technician_of_another_organization_cant_be_picked(
    organization, other_organization, receptionist, customer, tom
):
    stranger = bookable(other_organization)
    start = next_week_at(10)
    response = client_for(receptionist).post(
        reverse("technicians:desk", args=["acme"]), desk_booking(customer, start, stranger)
    )
    assert response.status_code == 400
    assert not ServiceRequest.objects.exists()


def test_the_desk_lists_waiting_requests_by_office(organization, receptionist, leeds, customer):
    VisitFactory(organization=organization, customer=customer, summary="Leaking tap", area=leeds)
    VisitFactory(organization=organization, customer=customer, summary="Somewhere else")
    VisitFactory(organization=organization, customer=customer, summary="Booked", status="cancelled")

    html = (
        client_for(receptionist)
        .get(reverse("technicians:desk-waiting", args=["acme"]))
        .content.decode()
    )

    assert html.index(leeds.branch_office.name) < html.index("Leaking tap")
    assert html.index("No area yet") < html.index("Somewhere else")
    assert "Booked" not in html


def test_the_desk_schedules_a_waiting_request_from_the_search(
    organization, receptionist, customer, tom, leeds
):
    waiting = VisitFactory(
        organization=organization,
        customer=customer,
        area=leeds,
        postal_code="LS27QT",
        product=ProductLine.objects.get(),
        symptoms="Cold radiators",
    )
    page = client_for(receptionist).get(
        reverse("technicians:desk", args=["acme"]), {"request": waiting.pk}
    )
    assert 'value="LS27QT"' in page.content.decode()

    start = next_week_at(11)
    data = desk_booking(customer, start, tom, request=waiting.pk)
    response = client_for(receptionist).post(reverse("technicians:desk", args=["acme"]), data)

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.status, waiting.technician, waiting.scheduled_start) == (
        VisitStatus.SCHEDULED,
        tom,
        start,
    )
    assert ServiceRequest.objects.count() == 1


def test_another_organizations_request_isnt_found_by_the_desk(
    organization, other_organization, receptionist, customer, tom
):
    theirs = VisitFactory(organization=other_organization, customer=customer)
    url = reverse("technicians:desk", args=["acme"])
    assert client_for(receptionist).get(url, {"request": theirs.pk}).status_code == 404
    data = desk_booking(customer, next_week_at(10), tom, request=theirs.pk)
    assert client_for(receptionist).post(url, data).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == VisitStatus.REQUESTED


def test_the_reception_desk_and_console_show_the_desk_panel(
    organization, receptionist, manager, customer, leeds
):
    VisitFactory(organization=organization, customer=customer, summary="Leaking tap", area=leeds)
    for person, url in (
        (receptionist, "accounts:reception-desk"),
        (manager, "accounts:manager-console"),
    ):
        html = client_for(person).get(reverse(url, args=["acme"])).content.decode()
        assert "Technician visits" in html
        assert "Leaking tap" in html
        assert reverse("technicians:desk", args=["acme"]) in html


# The manager's catalogues ------------------------------------------------------------------


def test_a_manager_adds_edits_and_closes_an_office(organization, manager):
    url = reverse("technicians:catalogue", args=["acme", "offices"])
    assert client_for(manager).post(url, {"name": "North", "phone": ""}).status_code == 302
    office = BranchOffice.objects.get()

    edit = reverse("technicians:catalogue-edit", args=["acme", "offices", office.pk])
    assert client_for(manager).post(edit, {"name": "North Leeds"}).status_code == 302
    office.refresh_from_db()
    assert office.name == "North Leeds"

    delete = reverse("technicians:catalogue-delete", args=["acme", "offices", office.pk])
    assert client_for(manager).post(delete).status_code == 302
    assert not BranchOffice.objects.exists()


def test_office_errors_show_on_the_form(organization, manager):
    BranchOffice.objects.create(organization=organization, name="North")
    url = reverse("technicians:catalogue", args=["acme", "offices"])

    taken = client_for(manager).post(url, {"name": "North"})
    bad_phone = client_for(manager).post(url, {"name": "South", "phone": "call me"})
    empty = client_for(manager).post(url, {"name": "  "})

    assert taken.status_code == bad_phone.status_code == empty.status_code == 400
    assert "Another one has this name already." in taken.content.decode()
    assert BranchOffice.objects.count() == 1


def test_an_office_with_areas_stays_with_a_message(organization, manager, leeds):
    office = leeds.branch_office
    delete = reverse("technicians:catalogue-delete", args=["acme", "offices", office.pk])
    response = client_for(manager).post(delete, follow=True)
    assert "Move this office&#x27;s areas to another office before closing it." in (
        response.content.decode()
    )
    assert BranchOffice.objects.filter(pk=office.pk).exists()


def test_a_manager_saves_an_area_with_its_prefixes(organization, manager, leeds):
    url = reverse("technicians:catalogue", args=["acme", "areas"])
    response = client_for(manager).post(
        url,
        {"name": "Headingley", "branch_office": leeds.branch_office.pk, "prefixes": "ls6, ls16"},
    )
    assert response.status_code == 302
    made = ServiceArea.objects.get(name="Headingley")
    assert sorted(made.prefixes.values_list("prefix", flat=True)) == ["LS16", "LS6"]


def test_a_prefix_of_another_area_is_refused_on_the_form(organization, manager, leeds):
    url = reverse("technicians:catalogue", args=["acme", "areas"])
    response = client_for(manager).post(
        url, {"name": "Centre 2", "branch_office": leeds.branch_office.pk, "prefixes": "LS2"}
    )
    assert response.status_code == 400
    assert "LS2 is in Leeds centre already." in response.content.decode()
    assert ServiceArea.objects.count() == 1


def test_an_area_needs_an_office_of_ours(organization, other_organization, manager):
    theirs = BranchOffice.objects.create(organization=other_organization, name="Globex HQ")
    url = reverse("technicians:catalogue", args=["acme", "areas"])
    response = client_for(manager).post(
        url, {"name": "X", "branch_office": theirs.pk, "prefixes": "X1"}
    )
    assert response.status_code == 400
    assert not ServiceArea.objects.exists()


def test_a_product_lines_skill_is_fixed_once_made(organization, manager):
    url = reverse("technicians:catalogue", args=["acme", "products"])
    assert client_for(manager).post(url, {"name": "Heat pumps"}).status_code == 302
    line = ProductLine.objects.get()
    assert line.skill == "heat-pumps"

    edit = reverse("technicians:catalogue-edit", args=["acme", "products", line.pk])
    response = client_for(manager).post(edit, {"name": "Air pumps", "skill": "air"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.name, line.skill) == ("Air pumps", "heat-pumps")


# Technicians and rules ---------------------------------------------------------------------


def test_a_manager_sets_up_a_technician_in_one_form(organization, manager, technician, leeds):
    membership = Membership.objects.get(user=technician)
    url = reverse("technicians:technician-edit", args=["acme", membership.pk])
    response = client_for(manager).post(
        url,
        {
            "introduction": "Twenty years on boilers.",
            "years_of_experience": "20",
            "areas": [leeds.pk],
            "skills": [ProductLine.objects.get().pk],
            "hours_0": "08:00-12:00, 13:00-17:00",
            "hours_4": "9-15",
            "photo": picture(),
        },
    )

    assert response.status_code == 302
    profile = TechnicianProfile.objects.get(membership=membership)
    assert profile.introduction == "Twenty years on boilers."
    assert profile.years_of_experience == 20
    assert list(profile.areas.all()) == [leeds]
    assert profile.photo_type == "image/jpeg"
    assert list(
        AgentSkill.objects.filter(membership=membership).values_list("skill", flat=True)
    ) == ["boilers"]
    hours = WorkingHours.objects.filter(technician=profile).order_by("weekday", "start")
    assert [(h.weekday, h.start, h.end) for h in hours] == [
        (0, time(8), time(12)),
        (0, time(13), time(17)),
        (4, time(9), time(15)),
    ]
    page = client_for(manager).get(url).content.decode()
    assert 'value="08:00-12:00, 13:00-17:00"' in page


def test_bad_technician_input_shows_on_the_form_and_changes_nothing(
    organization, manager, technician
):
    membership = Membership.objects.get(user=technician)
    url = reverse("technicians:technician-edit", args=["acme", membership.pk])
    for data in (
        {"years_of_experience": "200"},
        {"years_of_experience": "3", "hours_1": "late"},
        {"years_of_experience": "3", "hours_1": "17:00-08:00"},
        {"years_of_experience": "3", "hours_1": "08:00-12:00, 11:00-13:00"},
        {"years_of_experience": "3", "photo": picture("x.jpg", b"not a picture")},
    ):
        response = client_for(manager).post(url, data)
        assert response.status_code == 400, data
    assert not TechnicianProfile.objects.filter(
        membership=membership, years_of_experience=3
    ).exists()
    assert not WorkingHours.objects.exists()


def test_a_manager_cant_edit_a_non_technician(organization, manager, agent):
    membership = Membership.objects.get(user=agent)
    url = reverse("technicians:technician-edit", args=["acme", membership.pk])
    assert client_for(manager).get(url).status_code == 404


def test_the_technicians_page_lists_every_technician(organization, manager, tom):
    html = client_for(manager).get(reverse("technicians:technicians", args=["acme"])).content
    assert b"Tom Technician" in html
    assert b"boilers" in html


def test_a_manager_sets_the_visit_rules(organization, manager):
    url = reverse("technicians:visit-settings", args=["acme"])
    data = {"change_cutoff_hours": 6, "visit_minutes": 90, "slot_minutes": 15, "reminder_hours": 2}
    assert client_for(manager).post(url, data).status_code == 302
    rules = VisitSettings.objects.get(organization=organization)
    assert (rules.change_cutoff_hours, rules.visit_minutes) == (6, 90)

    bad = client_for(manager).post(url, {**data, "visit_minutes": "5", "slot_minutes": "x"})
    assert bad.status_code == 400
    rules.refresh_from_db()
    assert rules.visit_minutes == 90


# Board and workload ------------------------------------------------------------------------


def test_the_day_board_shows_each_technicians_visits_that_day(organization, manager, tom, una):
    start = next_week_at(10)
    booked_visit(tom, start, summary="Boiler service")
    booked_visit(tom, start + timedelta(days=1), summary="Another day")
    url = reverse("technicians:board", args=["acme"])

    html = client_for(manager).get(url, {"day": start.date().isoformat()}).content.decode()

    assert "Boiler service" in html
    assert "Another day" not in html
    assert "Una Technician" in html
    assert "10:00" in html


def test_the_day_board_refresh_is_the_rows_alone_and_bad_days_are_today(organization, manager, tom):
    url = reverse("technicians:board", args=["acme"])
    rows = client_for(manager).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert rows.lstrip().startswith('<div id="board-rows"')
    assert client_for(manager).get(url, {"day": "not-a-day"}).status_code == 200


def test_the_workload_shows_visits_and_hours_per_day_and_area(organization, manager, tom, leeds):
    start = next_week_at(10)
    booked_visit(tom, start, minutes=90, area=leeds)
    url = reverse("technicians:workload", args=["acme"])

    html = client_for(manager).get(url, {"day": start.date().isoformat()}).content.decode()

    assert "1 visit" in html
    assert "1.5 of 9.0 h" in html
    assert "Leeds centre" in html


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("10", time(10)), ("1030", time(10, 30)), ("930", time(9, 30)), ("14:15", time(14, 15))],
)
def test_the_desk_reads_a_time_as_typed_quickly(organization, typed, meant):
    form = DeskSearchForm({"start_time": typed}, organization=organization)
    form.is_valid()
    assert form.cleaned_data["start_time"] == meant
