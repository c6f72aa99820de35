"""The pictures are served only to who may see them, as what their bytes are."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.tests.factories import CustomerFactory
from technicians import services
from technicians.models import VisitStatus
from technicians.tests.factories import JPEG, PNG, VisitFactory, bookable, picture, profile_of

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def photo(organization, customer, technician):
    bookable(organization, technician=technician)
    start = timezone.now()
    visit = VisitFactory(
        organization=organization,
        customer=customer,
        technician=technician,
        status=VisitStatus.ARRIVED,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
    )
    return services.visit_photo_add(visit=visit, by=technician, upload=picture("leak.png", PNG))


def test_the_visits_customer_technician_and_desk_see_its_photo_as_a_picture(
    photo, customer, technician, receptionist, manager
):
    url = reverse("technicians:visit-photo", args=[photo.token])

    for person in (customer, technician, receptionist, manager):
        response = client_for(person).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "sandbox"
        assert b"".join(response.streaming_content) == PNG


def test_nobody_else_finds_a_visits_photo(
    organization, photo, other_customer, agent, other_manager
):
    colleague = bookable(organization)
    url = reverse("technicians:visit-photo", args=[photo.token])

    for person in (other_customer, agent, other_manager, colleague):
        assert client_for(person).get(url).status_code == 404
    assert client_for(other_customer).get(url.replace(photo.token, "0" * 32)).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_a_technicians_photo_is_shown_to_anybody_signed_in_while_they_work_there(
    organization, manager, technician
):
    bookable(organization, technician=technician)
    membership = Membership.objects.get(user=technician)
    services.technician_profile_save(
        membership=membership, by=manager, photo=picture("me.jpg", JPEG)
    )
    url = reverse("technicians:profile-photo", args=[profile_of(technician).pk])

    shown = client_for(CustomerFactory()).get(url)
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    gone = client_for(CustomerFactory()).get(url)

    assert (shown.status_code, shown["Content-Type"]) == (200, "image/jpeg")
    assert gone.status_code == 404
