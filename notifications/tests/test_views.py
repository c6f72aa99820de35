import pytest

from accounts.models import Role
from accounts.tests.factories import MembershipFactory
from notifications.models import (
    Channel,
    NotificationPreference,
    OrganizationDefault,
    QuietHours,
    Status,
)

from .factories import NotificationFactory


def _in_app(user, **kwargs):
    return NotificationFactory(
        recipient=user, channel=Channel.IN_APP, address="", status=Status.SENT, **kwargs
    )


def test_every_page_shows_the_bell_with_the_unread_count(client, customer):
    _in_app(customer)
    _in_app(customer)
    client.force_login(customer)

    response = client.get("/me/")

    assert response.status_code == 200
    assert b"data-unread-count>2</span>" in response.content


def test_the_inbox_lists_your_notifications_and_opening_one_marks_it_read_and_follows_the_link(
    client, customer, other_customer
):
    mine = _in_app(customer, title="Repair finished", link="/me/")
    _in_app(other_customer, title="Not yours")
    client.force_login(customer)

    inbox = client.get("/notifications/")
    opened = client.post(f"/notifications/{mine.pk}/open/")

    assert b"Repair finished" in inbox.content
    assert b"Not yours" not in inbox.content
    assert opened.status_code == 302
    assert opened["Location"] == "/me/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_a_link_to_another_site_is_never_followed(client, customer):
    notification = _in_app(customer, link="https://evil.example/phish")
    client.force_login(customer)

    response = client.post(f"/notifications/{notification.pk}/open/")

    assert response["Location"] == "/notifications/"


def test_opening_someone_elses_notification_is_a_404_and_leaves_it_unread(
    client, customer, other_customer
):
    theirs = _in_app(other_customer)
    client.force_login(customer)

    assert client.post(f"/notifications/{theirs.pk}/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(client, customer):
    _in_app(customer)
    _in_app(customer)
    client.force_login(customer)

    client.post("/notifications/read-all/")

    assert client.get("/me/").content.count(b"data-unread-count hidden>0</span>") == 1


def test_preferences_save_channels_per_kind_and_quiet_hours(client, customer):
    client.force_login(customer)

    response = client.post(
        "/notifications/preferences/",
        {"general": ["in_app", "sms"], "start": "22:00", "end": "07:00"},
    )

    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=customer, kind="general").channels == [
        "in_app",
        "sms",
    ]
    quiet = QuietHours.objects.get(user=customer)
    assert (quiet.start.hour, quiet.end.hour) == (22, 7)


def test_quiet_hours_with_one_end_missing_is_a_form_error_and_nothing_is_saved(client, customer):
    client.force_login(customer)

    response = client.post("/notifications/preferences/", {"general": ["email"], "start": "22:00"})

    assert response.status_code == 400
    assert "Give both times" in response.content.decode()
    assert not NotificationPreference.objects.exists()
    assert not QuietHours.objects.exists()


def test_a_manager_sets_the_organizations_default_channels(client, organization, manager):
    client.force_login(manager)

    response = client.post(f"/o/{organization.slug}/notifications/defaults/", {"general": ["sms"]})

    assert response.status_code == 302
    assert OrganizationDefault.objects.get(organization=organization, kind="general").channels == [
        "sms"
    ]


@pytest.mark.parametrize("persona", ["agent", "other_manager", "customer"])
def test_only_the_organizations_managers_set_its_defaults(client, organization, persona, request):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(f"/o/{organization.slug}/notifications/defaults/", {"general": ["sms"]})

    assert response.status_code == 404
    assert not OrganizationDefault.objects.exists()


def test_staff_see_the_status_and_error_of_each_message_sent(client, organization, agent):
    NotificationFactory(
        organization=organization,
        status=Status.FAILED,
        error="Twilio 400 21211: Invalid 'To' Phone Number",
    )
    client.force_login(agent)

    response = client.get(f"/o/{organization.slug}/deliveries/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-status="failed"' in page
    assert "Invalid &#x27;To&#x27; Phone Number" in page


def test_the_deliveries_page_is_closed_to_technicians_and_other_organizations(
    client, organization, technician, other_manager
):
    for outsider in (technician, other_manager):
        client.force_login(outsider)
        assert client.get(f"/o/{organization.slug}/deliveries/").status_code == 404


def test_a_suspended_manager_cannot_open_the_deliveries_page(client, organization):
    suspended = MembershipFactory(
        organization=organization, role=Role.MANAGER, is_active=False
    ).user
    client.force_login(suspended)

    assert client.get(f"/o/{organization.slug}/deliveries/").status_code == 404


def test_the_service_worker_is_served_from_the_root_as_javascript(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"showNotification" in response.content
