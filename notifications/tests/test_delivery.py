"""Delivery by a worker: claimed once, retried with backoff, failed for good when it must."""

import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.utils import timezone, translation

from csportal import realtime
from notifications import services
from notifications.models import Channel, Notification, PendingNotification, SmsOptOut, Status
from notifications.transports import LocmemSmsTransport, TransportError

from .factories import NotificationFactory, PushSubscriptionFactory
from .peers import http_peer


@pytest.fixture(autouse=True)
def sms_outbox():
    LocmemSmsTransport.outbox.clear()
    yield LocmemSmsTransport.outbox
    LocmemSmsTransport.outbox.clear()


def test_delivering_sends_the_sms_and_records_it(db, sms_outbox):
    notification = NotificationFactory()

    assert services.notification_deliver(notification_id=notification.pk) == Status.SENT

    notification.refresh_from_db()
    assert sms_outbox == [
        {"to": "+14155550123", "body": "Your technician is on the way\nTom will arrive at 10:30."}
    ]
    assert notification.status == Status.SENT
    assert notification.attempts == 1
    assert notification.provider_id == f"locmem-{notification.pk}"
    assert notification.sent_at is not None


def test_a_number_that_texted_stop_after_queueing_is_not_messaged(db, sms_outbox):
    notification = NotificationFactory()
    SmsOptOut.objects.create(phone=notification.address)

    assert services.notification_deliver(notification_id=notification.pk) == Status.SUPPRESSED

    notification.refresh_from_db()
    assert sms_outbox == []
    assert notification.status == Status.SUPPRESSED
    assert "STOP" in notification.error


def test_a_task_run_twice_sends_once(db, sms_outbox):
    notification = NotificationFactory()

    services.notification_deliver(notification_id=notification.pk)
    assert services.notification_deliver(notification_id=notification.pk) is None

    assert len(sms_outbox) == 1


def test_a_task_killed_after_claiming_is_rerun_by_the_sweeper_and_sends_once(db, sms_outbox):
    notification = NotificationFactory()
    # The worker claimed the row and died before the provider call.
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.SENDING, attempts=1, claimed_at=timezone.now() - timedelta(minutes=30)
    )
    assert services.notification_deliver(notification_id=notification.pk) is None

    with mock.patch("notifications.services.delivery._enqueue") as enqueue:
        services.notifications_dispatch_due()
    [[due]] = enqueue.call_args.args
    services.notification_deliver(notification_id=due)
    services.notification_deliver(notification_id=due)

    notification.refresh_from_db()
    assert len(sms_outbox) == 1
    assert notification.status == Status.SENT
    assert notification.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_notification_send_it_once(sms_outbox):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL (CI runs it)")
    notification = NotificationFactory()
    barrier = threading.Barrier(4)
    results = []

    def worker():
        barrier.wait()
        results.append(services.notification_deliver(notification_id=notification.pk))
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results, key=str) == sorted([Status.SENT, None, None, None], key=str)
    assert len(sms_outbox) == 1


def test_a_retryable_error_queues_the_message_again_with_backoff(db):
    notification = NotificationFactory()

    with mock.patch.object(LocmemSmsTransport, "send", side_effect=TransportError("Twilio 503")):
        assert services.notification_deliver(notification_id=notification.pk) == Status.QUEUED

    notification.refresh_from_db()
    assert notification.status == Status.QUEUED
    assert notification.attempts == 1
    assert notification.error == "Twilio 503"
    assert notification.not_before > timezone.now() + timedelta(seconds=20)
    # Not due yet: a second run finds nothing to do.
    assert services.notification_deliver(notification_id=notification.pk) is None


@override_settings(NOTIFICATION_MAX_ATTEMPTS=2)
def test_retries_stop_at_the_cap_and_the_message_fails(db):
    notification = NotificationFactory()

    with mock.patch.object(LocmemSmsTransport, "send", side_effect=TransportError("timeout")):
        services.notification_deliver(notification_id=notification.pk)
        Notification.objects.filter(pk=notification.pk).update(not_before=None)
        assert services.notification_deliver(notification_id=notification.pk) == Status.FAILED

    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert notification.attempts == 2
    assert notification.failed_at is not None


def test_a_permanent_error_fails_at_once_with_the_providers_reason(db):
    notification = NotificationFactory()

    with mock.patch.object(
        LocmemSmsTransport,
        "send",
        side_effect=TransportError("Twilio 400 21211: Invalid 'To' Phone Number", permanent=True),
    ):
        services.notification_deliver(notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert notification.error == "Twilio 400 21211: Invalid 'To' Phone Number"


def test_a_push_to_an_internal_address_stored_before_the_check_fails_for_good_unsent(db):
    notification = NotificationFactory(channel=Channel.PUSH, address="browser")

    with http_peer(lambda request: (200, {}, b"internal")) as internal:
        PushSubscriptionFactory(
            user=notification.recipient, endpoint=f"{internal.url}/internal/admin"
        )
        assert services.notification_deliver(notification_id=notification.pk) == Status.FAILED

    assert internal.requests == []
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.FAILED, 1)
    assert notification.error == "no browser subscribed on a known push service"


@override_settings(SMS_RATE_PER_RECIPIENT_PER_HOUR=2)
def test_sms_past_the_per_recipient_rate_waits_instead_of_sending(db, sms_outbox):
    notifications = NotificationFactory.create_batch(3)

    statuses = [services.notification_deliver(notification_id=n.pk) for n in notifications]

    assert statuses == [Status.SENT, Status.SENT, Status.QUEUED]
    assert len(sms_outbox) == 2
    held = Notification.objects.get(pk=notifications[2].pk)
    assert held.attempts == 0
    assert held.not_before > timezone.now()


@override_settings(SMS_RATE_PER_ORGANIZATION_PER_HOUR=1)
def test_sms_past_the_per_organization_rate_waits(organization, sms_outbox):
    first = NotificationFactory(organization=organization, address="+14155550101")
    second = NotificationFactory(organization=organization, address="+14155550102")

    services.notification_deliver(notification_id=first.pk)

    assert services.notification_deliver(notification_id=second.pk) == Status.QUEUED
    assert len(sms_outbox) == 1


def test_a_status_change_is_published_to_the_open_deliveries_pages_only(organization, sms_outbox):
    from csportal.models import Event

    notification = NotificationFactory(organization=organization)

    services.notification_deliver(notification_id=notification.pk)

    event = Event.objects.filter(type="notification.status").get()
    assert event.group == f"deliveries.{organization.pk}"
    assert event.data == {"notifications": [{"id": notification.pk, "status": "sent", "error": ""}]}


def test_a_real_worker_delivers_what_notify_queued(customer, celery_worker, sms_outbox):
    services.notify(
        recipient=customer,
        kind="general",
        title="Your repair is done",
        dedupe_key="ticket:9:result",
        channels=[Channel.SMS],
    )

    # The outbox fills before the worker records the outcome: wait for the record.
    deadline = time.monotonic() + 15
    while (
        not Notification.objects.filter(status=Status.SENT).exists() and time.monotonic() < deadline
    ):
        time.sleep(0.05)

    assert Notification.objects.get().status == Status.SENT
    assert sms_outbox == [{"to": "+14155550123", "body": "Your repair is done"}]


def test_a_real_worker_turns_a_message_asked_for_after_commit_into_notifications(
    customer, celery_worker
):
    services.notify_after_commit(
        recipient=customer, kind="general", title="We got your request", dedupe_key="later:real"
    )

    deadline = time.monotonic() + 15
    while PendingNotification.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)

    told = Notification.objects.filter(dedupe_key__startswith="later:real:")
    assert sorted(told.values_list("channel", flat=True)) == [Channel.EMAIL, Channel.IN_APP]
    assert not PendingNotification.objects.exists()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("manager", True), ("agent", True), ("receptionist", True), ("technician", False)],
)
def test_the_deliveries_group_is_open_to_the_roles_that_see_the_deliveries_page(
    request, organization, who, allowed
):
    user = request.getfixturevalue(who)

    assert realtime.may_join_object_group(user, f"deliveries.{organization.pk}") is allowed


def test_another_organizations_staff_may_not_watch_its_deliveries(organization, other_manager):
    assert realtime.may_join_object_group(other_manager, f"deliveries.{organization.pk}") is False
    assert realtime.may_join_object_group(other_manager, "deliveries.x1") is False


def test_an_email_is_worded_around_its_message_in_the_language_of_the_message(db):
    notification = NotificationFactory(
        channel=Channel.EMAIL,
        address="chris@example.com",
        title="새 소식",
        body="기사가 출발했습니다.",
        link="/tickets/1/",
        language="ko",
    )

    with translation.override("en"):
        services.notification_deliver(notification_id=notification.pk)

    [email] = mail.outbox
    assert email.subject == "새 소식"
    assert email.body.startswith("새 소식\n\n기사가 출발했습니다.\n\n포털에서 열기: ")
    assert "포털에서 열기" in email.alternatives[0][0]
