import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.tests.factories import MembershipFactory
from notifications.models import (
    Channel,
    Notification,
    NotificationPreference,
    PushSubscription,
    Status,
)

from .factories import NotificationFactory


@pytest.fixture
def api():
    return APIClient()


def _in_app(user, **kwargs):
    return NotificationFactory(
        recipient=user, channel=Channel.IN_APP, address="", status=Status.SENT, **kwargs
    )


def test_the_inbox_lists_only_your_own_in_app_notifications_with_the_unread_count(
    api, customer, other_customer
):
    mine = _in_app(customer, title="Mine")
    _in_app(other_customer, title="Theirs")
    NotificationFactory(recipient=customer)  # an SMS: not part of the inbox

    api.force_authenticate(customer)
    response = api.get("/api/v1/notifications/")

    assert response.status_code == 200
    assert [n["id"] for n in response.data["results"]] == [mine.pk]
    assert response.data["unread"] == 1


def test_the_inbox_query_count_does_not_grow_with_the_page(
    api, customer, django_assert_max_num_queries
):
    api.force_authenticate(customer)
    for _ in range(3):
        _in_app(customer)
    with django_assert_max_num_queries(6):
        api.get("/api/v1/notifications/")
    for _ in range(40):
        _in_app(customer)
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/notifications/?unread=true")
    assert len(response.data["results"]) == 43


def test_marking_someone_elses_notification_read_is_a_404_and_changes_nothing(
    api, customer, other_customer
):
    theirs = _in_app(other_customer)

    api.force_authenticate(customer)
    response = api.post(f"/api/v1/notifications/{theirs.pk}/read/")

    assert response.status_code == 404
    assert response.data["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_one_and_mark_all_read(api, customer):
    first, second, third = (_in_app(customer) for _ in range(3))
    api.force_authenticate(customer)

    one = api.post(f"/api/v1/notifications/{first.pk}/read/")
    rest = api.post("/api/v1/notifications/read-all/")

    assert one.status_code == 200
    assert one.data["read_at"] is not None
    assert rest.data == {"marked": 2}
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_preferences_list_the_kinds_you_receive_and_save_a_choice(api, customer):
    api.force_authenticate(customer)

    saved = api.put(
        "/api/v1/notifications/preferences/",
        {"kind": "general", "channels": ["sms", "push"]},
        format="json",
    )
    listed = api.get("/api/v1/notifications/preferences/")

    assert saved.status_code == 200
    general = next(p for p in listed.data if p["kind"] == "general")
    assert general["channels"] == ["sms", "push"]
    assert general["custom"] is True


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "general", "channels": ["fax"]}, "channels"),
        ({"kind": "nope", "channels": ["sms"]}, "kind"),
        ({"kind": "general", "channels": "sms"}, "channels"),
        ({"kind": "general", "channels": ["sms"], "colour": "red"}, "colour"),
    ],
)
def test_bad_preferences_are_a_400_naming_the_field(api, customer, payload, field):
    api.force_authenticate(customer)

    response = api.put("/api/v1/notifications/preferences/", payload, format="json")

    assert response.status_code == 400
    assert field in response.data["fields"]
    assert not NotificationPreference.objects.exists()


def test_quiet_hours_need_valid_times(api, customer):
    api.force_authenticate(customer)

    bad = api.put(
        "/api/v1/notifications/quiet-hours/", {"start": "25:00", "end": "07:00"}, format="json"
    )
    good = api.put(
        "/api/v1/notifications/quiet-hours/", {"start": "22:00", "end": "07:00"}, format="json"
    )

    assert bad.status_code == 400
    assert "start" in bad.data["fields"]
    assert good.status_code == 200
    assert api.get("/api/v1/notifications/quiet-hours/").data == {
        "start": "22:00:00",
        "end": "07:00:00",
    }


def test_a_browser_subscribes_to_push_and_can_unsubscribe(api, customer):
    api.force_authenticate(customer)
    subscription = {
        "endpoint": "https://fcm.googleapis.com/fcm/send/abc",
        "keys": {"p256dh": "BPublicKey", "auth": "secret"},
        "expirationTime": None,
    }

    created = api.post("/api/v1/notifications/push-subscription/", subscription, format="json")
    assert created.status_code == 201
    assert PushSubscription.objects.get().user == customer

    removed = api.delete(
        "/api/v1/notifications/push-subscription/",
        {"endpoint": subscription["endpoint"]},
        format="json",
    )
    assert removed.status_code == 204
    assert not PushSubscription.objects.exists()


def test_a_push_subscription_without_keys_is_a_400_naming_keys(api, customer):
    api.force_authenticate(customer)

    response = api.post(
        "/api/v1/notifications/push-subscription/",
        {"endpoint": "https://fcm.googleapis.com/fcm/send/x"},
        format="json",
    )

    assert response.status_code == 400
    assert "keys" in response.data["fields"]


def test_a_push_endpoint_on_an_internal_address_is_a_400_naming_the_endpoint(api, customer):
    api.force_authenticate(customer)

    response = api.post(
        "/api/v1/notifications/push-subscription/",
        {
            "endpoint": "http://127.0.0.1:8000/internal/admin",
            "keys": {"p256dh": "BPublicKey", "auth": "secret"},
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.data["fields"]) == ["endpoint"]
    assert not PushSubscription.objects.exists()


def test_staff_see_where_each_message_of_their_organization_stands(
    api, organization, other_organization, agent
):
    ours = NotificationFactory(organization=organization, status=Status.DELIVERED)
    NotificationFactory(organization=other_organization)

    api.force_authenticate(agent)
    response = api.get(f"/api/v1/organizations/{organization.slug}/deliveries/")

    assert response.status_code == 200
    assert [(d["id"], d["status"]) for d in response.data["results"]] == [(ours.pk, "delivered")]


def test_another_organizations_staff_and_customers_cannot_see_deliveries(
    api, organization, other_agent, customer, technician
):
    NotificationFactory(organization=organization)

    for outsider in (other_agent, customer, technician):
        api.force_authenticate(outsider)
        response = api.get(f"/api/v1/organizations/{organization.slug}/deliveries/")
        assert response.status_code == 404, outsider


def test_a_suspended_agent_cannot_see_deliveries(api, organization):
    membership = MembershipFactory(organization=organization, role=Role.AGENT, is_active=False)

    api.force_authenticate(membership.user)

    assert api.get(f"/api/v1/organizations/{organization.slug}/deliveries/").status_code == 404
