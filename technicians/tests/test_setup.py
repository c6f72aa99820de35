"""What a manager sets up and what a technician sets for themselves: offices, areas,
product lines, profiles, skills, the organization's visit rules, hours and time off."""

import zoneinfo
from datetime import UTC, datetime, time

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AgentSkill, Membership, Role
from accounts.tests.factories import staff
from csportal.models import Event
from csportal.realtime import org_audience_group
from technicians import selectors, services
from technicians.models import PostalPrefix, ServiceArea, TimeOff, WorkingHours
from technicians.tests.factories import (
    JPEG,
    BranchOfficeFactory,
    area,
    bookable,
    booked_visit,
    picture,
    product,
    profile_of,
)

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime(2031, 1, 6, 7, 0, tzinfo=UTC)


def local(day: int, hour: int) -> datetime:
    return datetime(2031, 1, day, hour, tzinfo=LONDON)


def membership(user):
    return Membership.objects.select_related("organization").get(user=user)


# Offices, areas, product lines -------------------------------------------------------------


def test_a_manager_opens_an_office_with_its_phone_in_international_form(organization, manager):
    office = services.branch_office_save(
        organization=organization, by=manager, name=" Leeds ", phone="+44 113 496 0000"
    )

    assert (office.name, office.phone) == ("Leeds", "+441134960000")
    assert Event.objects.filter(
        type="technicians.changed",
        group=org_audience_group(organization.pk, services.VISIT_AUDIENCE),
    ).exists()


def test_only_managers_set_up_offices_areas_and_products(organization, receptionist, technician):
    office = BranchOfficeFactory(organization=organization)

    for someone in (receptionist, technician):
        with pytest.raises(ValidationError):
            services.branch_office_save(organization=organization, by=someone, name="X")
        with pytest.raises(ValidationError):
            services.service_area_save(
                organization=organization,
                by=someone,
                name="X",
                branch_office=office,
                prefixes=["X1"],
            )
        with pytest.raises(ValidationError):
            services.product_line_save(organization=organization, by=someone, name="Boilers")

    assert not ServiceArea.objects.exists()


def test_an_area_keeps_exactly_the_prefixes_it_is_given_normalized(organization, manager):
    office = BranchOfficeFactory(organization=organization)
    leeds = services.service_area_save(
        organization=organization,
        by=manager,
        name="Leeds",
        branch_office=office,
        prefixes=["ls1", "LS 2", ""],
    )

    services.service_area_save(
        organization=organization,
        by=manager,
        name="Leeds",
        branch_office=office,
        prefixes=["LS2", "ls6"],
        area=leeds,
    )

    assert sorted(leeds.prefixes.values_list("prefix", flat=True)) == ["LS2", "LS6"]


def test_a_prefix_belongs_to_one_area_and_the_refusal_names_it(organization, manager):
    office = BranchOfficeFactory(organization=organization)
    area(organization, "LS2", name="Leeds centre", office=office)

    with pytest.raises(ValidationError) as refused:
        services.service_area_save(
            organization=organization,
            by=manager,
            name="Leeds north",
            branch_office=office,
            prefixes=["LS6", "ls2"],
        )
    with pytest.raises(ValidationError) as empty:
        services.service_area_save(
            organization=organization, by=manager, name="X", branch_office=office, prefixes=[" "]
        )

    assert refused.value.message_dict["prefixes"] == ["LS2 is in Leeds centre already."]
    assert "prefixes" in empty.value.message_dict
    assert PostalPrefix.objects.count() == 1


def test_another_organizations_office_cant_hold_an_area(organization, other_organization, manager):
    theirs = BranchOfficeFactory(organization=other_organization)

    with pytest.raises(ValidationError) as refused:
        services.service_area_save(
            organization=organization, by=manager, name="X", branch_office=theirs, prefixes=["X"]
        )

    assert "branch_office" in refused.value.message_dict


def test_an_office_with_areas_cant_be_closed(organization, manager):
    office = BranchOfficeFactory(organization=organization)
    area(organization, "LS", office=office)

    with pytest.raises(ValidationError):
        services.branch_office_delete(office=office, by=manager)


def test_a_product_lines_skill_comes_from_its_name_and_stays(organization, manager):
    boilers = services.product_line_save(organization=organization, by=manager, name="Gas boilers")

    services.product_line_save(
        organization=organization, by=manager, name="Boilers", skill="other", product=boilers
    )

    boilers.refresh_from_db()
    assert (boilers.name, boilers.skill) == ("Boilers", "gas-boilers")
    with pytest.raises(ValidationError) as twice:
        services.product_line_save(organization=organization, by=manager, name="Boilers")
    assert "name" in twice.value.message_dict


# Technicians -------------------------------------------------------------------------------


def test_a_manager_writes_a_technicians_profile_with_areas_and_a_photo(
    organization, manager, technician
):
    leeds = area(organization, "LS")

    profile = services.technician_profile_save(
        membership=membership(technician),
        by=manager,
        areas=[leeds],
        introduction=" Twenty years of boilers. ",
        years_of_experience=20,
        photo=picture("me.jpg", JPEG),
    )

    profile.refresh_from_db()
    assert (profile.introduction, profile.years_of_experience, profile.photo_type) == (
        "Twenty years of boilers.",
        20,
        "image/jpeg",
    )
    assert list(profile.areas.all()) == [leeds]
    assert profile.photo.name.startswith(f"technicians/{organization.pk}/")


def test_a_profile_is_for_technicians_of_the_managers_organization_only(
    organization, other_organization, manager, agent
):
    elsewhere = area(other_organization, "LS")
    tom = staff(organization, Role.TECHNICIAN)

    with pytest.raises(ValidationError) as not_a_technician:
        services.technician_profile_save(membership=membership(agent), by=manager)
    with pytest.raises(ValidationError) as foreign_area:
        services.technician_profile_save(membership=membership(tom), by=manager, areas=[elsewhere])
    with pytest.raises(ValidationError) as bad_photo:
        services.technician_profile_save(
            membership=membership(tom), by=manager, photo=picture("me.png", JPEG)
        )

    assert "membership" in not_a_technician.value.message_dict
    assert "areas" in foreign_area.value.message_dict
    assert "photo" in bad_photo.value.message_dict


def test_a_technicians_skills_are_their_product_lines_and_other_skills_stay(
    organization, manager, technician
):
    boilers, ovens = product(organization, "boilers"), product(organization, "ovens")
    profile = services.technician_profile_save(membership=membership(technician), by=manager)
    AgentSkill.objects.create(membership=profile.membership, skill="ovens")
    AgentSkill.objects.create(membership=profile.membership, skill="spanish")

    services.technician_skills_set(profile=profile, product_lines=[boilers], by=manager)

    assert sorted(profile.membership.skills.values_list("skill", flat=True)) == [
        "boilers",
        "spanish",
    ]
    assert ovens.skill not in selectors.skills_of(profile)


def test_visit_rules_are_checked_and_read_afresh_once_changed(organization, manager):
    assert selectors.visit_settings(organization).change_cutoff_hours == 24

    services.visit_settings_set(
        organization=organization,
        by=manager,
        change_cutoff_hours=6,
        visit_minutes=90,
        slot_minutes=15,
        reminder_hours=12,
    )
    with pytest.raises(ValidationError) as refused:
        services.visit_settings_set(
            organization=organization,
            by=manager,
            change_cutoff_hours=6,
            visit_minutes=5,
            slot_minutes=0,
            reminder_hours=12,
        )

    assert selectors.visit_settings(organization).visit_minutes == 90
    assert set(refused.value.message_dict) == {"visit_minutes", "slot_minutes"}


# Hours and time off ------------------------------------------------------------------------


def test_a_technician_sets_their_own_week_and_a_manager_may_too(organization, technician, manager):
    bookable(organization, technician=technician, hours=None)
    profile = profile_of(technician)

    services.working_hours_set(
        profile=profile, hours=[(0, time(8), time(12)), (0, time(13), time(17))], by=technician
    )
    services.working_hours_set(profile=profile, hours=[(5, time(9), time(13))], by=manager)

    assert [str(h) for h in WorkingHours.objects.filter(technician=profile)] == [
        "Saturday 09:00-13:00"
    ]


def test_nobody_else_sets_a_technicians_week_and_it_must_make_sense(
    organization, technician, receptionist
):
    bookable(organization, technician=technician)
    profile = profile_of(technician)
    colleague = bookable(organization)

    for someone in (receptionist, colleague):
        with pytest.raises(ValidationError):
            services.working_hours_set(profile=profile, hours=[], by=someone)
    for hours in (
        [(0, time(12), time(8))],
        [(0, time(8), time(12)), (0, time(11), time(14))],
        [(7, time(8), time(12))],
    ):
        with pytest.raises(ValidationError) as refused:
            services.working_hours_set(profile=profile, hours=hours, by=technician)
        assert "hours" in refused.value.message_dict

    assert WorkingHours.objects.filter(technician=profile).count() == 7


def test_a_technician_takes_time_off_but_not_over_their_booked_visits(
    organization, technician, manager
):
    bookable(organization, technician=technician)
    profile = profile_of(technician)
    booked_visit(technician, local(8, 10))

    taken = services.time_off_add(
        profile=profile,
        start=local(7, 0),
        end=local(8, 0),
        reason="Dentist",
        by=technician,
        now=NOW,
    )
    with pytest.raises(ValidationError) as over_a_visit:
        services.time_off_add(
            profile=profile, start=local(8, 0), end=local(9, 0), by=technician, now=NOW
        )
    by_manager = services.time_off_add(
        profile=profile, start=local(8, 0), end=local(9, 0), by=manager, now=NOW
    )

    assert "start" in over_a_visit.value.message_dict
    assert list(TimeOff.objects.order_by("start")) == [taken, by_manager]


def test_time_off_ends_after_it_starts_and_isnt_over_already(organization, technician):
    bookable(organization, technician=technician)
    profile = profile_of(technician)

    for start, end in ((local(8, 10), local(8, 9)), (local(1, 9), local(2, 9))):
        with pytest.raises(ValidationError) as refused:
            services.time_off_add(profile=profile, start=start, end=end, by=technician, now=NOW)
        assert "end" in refused.value.message_dict


def test_a_technician_takes_back_their_time_off(organization, technician):
    bookable(organization, technician=technician)
    profile = profile_of(technician)
    taken = services.time_off_add(
        profile=profile, start=local(7, 0), end=local(8, 0), by=technician, now=NOW
    )

    services.time_off_remove(time_off=taken, by=technician)

    assert not TimeOff.objects.exists()
