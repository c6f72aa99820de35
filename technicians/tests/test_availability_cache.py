"""The search keeps the organization's setup in the cache (technicians.cache): each write
that changes who can come shows in the very next search, and booking never trusts it."""

from datetime import time

import pytest

from accounts import services as accounts_services
from accounts.models import Membership, Role
from accounts.tests.factories import CustomerFactory, staff
from technicians import services
from technicians.models import ServiceRequest
from technicians.tests.factories import BranchOfficeFactory, area, bookable, product, profile_of
from technicians.tests.test_availability import NOW, local, names, search
from technicians.tests.test_booking import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(organization):
    return staff(organization, Role.MANAGER)


@pytest.fixture
def leeds(organization):
    product(organization, "boilers")
    return area(organization, "LS", name="Leeds")


@pytest.fixture
def tom(organization, leeds):
    technician = bookable(organization, areas=[leeds], full_name="Tom")
    assert names(search(organization, local(7, 9)).free) == ["Tom"]  # cached from here on
    return technician


def test_a_new_area_covers_its_postal_codes_at_once(organization, manager, tom):
    york = services.service_area_save(
        organization=organization,
        by=manager,
        name="York",
        branch_office=BranchOfficeFactory(organization=organization),
        prefixes=["YO"],
    )
    services.technician_profile_save(membership=membership(tom), by=manager, areas=[york])

    found = search(organization, local(7, 9), postal_code="YO1 7HH")

    assert (found.area, names(found.free)) == (york, ["Tom"])


def test_a_new_product_line_can_be_searched_at_once(organization, manager, tom):
    solar = services.product_line_save(organization=organization, by=manager, name="Solar")
    services.technician_skills_set(profile=profile_of(tom), product_lines=[solar], by=manager)

    assert names(search(organization, local(7, 9), skill=solar.skill).free) == ["Tom"]
    assert search(organization, local(7, 9)).free == []  # boilers are no longer his


def test_new_working_hours_count_at_once(organization, tom):
    services.working_hours_set(profile=profile_of(tom), hours=[(1, time(12), time(17))], by=tom)

    assert search(organization, local(7, 9)).free == []  # Tuesday morning: not any more
    assert names(search(organization, local(7, 13)).free) == ["Tom"]


def test_a_suspended_technician_is_not_offered_from_the_next_search(organization, manager, tom):
    accounts_services.membership_set_active(membership=membership(tom), is_active=False, by=manager)

    assert search(organization, local(7, 9)).free == []


def test_skills_changed_on_the_staff_page_count_at_once(organization, tom):
    accounts_services.membership_set_skills(membership=membership(tom), skills=["solar"])

    assert search(organization, local(7, 9)).free == []


def test_a_renamed_technician_is_offered_under_the_new_name(organization, tom):
    accounts_services.customer_profile_update(user=tom, full_name="Thomas")

    assert names(search(organization, local(7, 9)).free) == ["Thomas"]


def test_booking_checks_the_database_not_the_cached_setup(organization, tom):
    # Changed behind the services' back: the cached setup still offers him...
    Membership.objects.filter(user=tom).update(is_active=False)
    assert names(search(organization, local(7, 9)).free) == ["Tom"]

    # ...but booking asks the database, and he is not bookable.
    with pytest.raises(services.SlotTaken):
        book(organization, CustomerFactory(), tom, local(7, 9))
    assert not ServiceRequest.objects.exists()


def test_time_off_taken_counts_at_once(organization, tom):
    services.time_off_add(
        profile=profile_of(tom), start=local(7, 8), end=local(7, 12), by=tom, now=NOW
    )

    assert search(organization, local(7, 9)).free == []


def membership(user) -> Membership:
    return Membership.objects.get(user=user)
