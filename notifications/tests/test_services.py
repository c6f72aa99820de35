from datetime import UTC, datetime, time, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from accounts.tests.factories import CustomerFactory
from csportal.models import Event
from notifications import services
from notifications.models import (
    Channel,
    Notification,
    NotificationPreference,
    OrganizationDefault,
    PendingNotification,
    PushSubscription,
    QuietHours,
    SmsOptOut,
    Status,
)


@pytest.fixture
def enqueued():
    with mock.patch("notifications.services.delivery._enqueue") as enqueue:
        yield enqueue


def _notify(user, key="t:1", **kwargs):
    kwargs.setdefault("kind", "general")
    kwargs.setdefault("title", "Hello")
    return services.notify(recipient=user, dedupe_key=key, **kwargs)


def test_the_kinds_default_channels_apply_when_nobody_chose(customer, enqueued):
    notifications = _notify(customer)

    assert sorted(n.channel for n in notifications) == [Channel.EMAIL, Channel.IN_APP]


def test_an_organization_default_overrides_the_kinds_default(customer, organization, enqueued):
    OrganizationDefault.objects.create(organization=organization, kind="general", channels=["sms"])

    notifications = _notify(customer, organization=organization)

    assert [n.channel for n in notifications] == [Channel.SMS]
    assert notifications[0].address == "+14155550123"


def test_a_persons_own_choice_overrides_the_organization_default(customer, organization, enqueued):
    OrganizationDefault.objects.create(organization=organization, kind="general", channels=["sms"])
    NotificationPreference.objects.create(user=customer, kind="general", channels=["in_app"])

    notifications = _notify(customer, organization=organization)

    assert [n.channel for n in notifications] == [Channel.IN_APP]


def test_choosing_no_channels_sends_nothing(customer, enqueued):
    NotificationPreference.objects.create(user=customer, kind="general", channels=[])

    assert _notify(customer) == []
    assert not Notification.objects.exists()


def test_the_same_dedupe_key_never_makes_a_second_message(customer, enqueued):
    first = _notify(customer, key="ticket:7:update:3")
    second = _notify(customer, key="ticket:7:update:3")

    assert len(first) == 2
    assert second == []
    assert Notification.objects.count() == 2


def test_outside_channels_are_sent_after_commit_only(
    customer, django_capture_on_commit_callbacks, enqueued
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [email] = [n for n in _notify(customer) if n.channel == Channel.EMAIL]
    enqueued.assert_not_called()

    for callback in callbacks:
        callback()

    enqueued.assert_called_once_with([email.pk])


def test_in_app_notifications_are_published_live_with_the_unread_count(customer, enqueued):
    _notify(customer, key="a")
    _notify(customer, key="b")

    events = list(Event.objects.filter(type="notification.created").order_by("id"))
    assert [e.group for e in events] == [f"user.{customer.pk}"] * 2
    assert [e.data["unread"] for e in events] == [1, 2]
    assert events[1].data["title"] == "Hello"


def test_sms_to_an_opted_out_number_is_suppressed_and_never_queued(customer, enqueued):
    SmsOptOut.objects.create(phone="+14155550123")

    [sms] = _notify(customer, channels=[Channel.SMS])

    assert sms.status == Status.SUPPRESSED
    assert "STOP" in sms.error
    enqueued.assert_not_called()


def test_sms_to_someone_without_a_phone_is_suppressed(enqueued, db):
    person = CustomerFactory(profile__phone="")

    [sms] = _notify(person, channels=[Channel.SMS])

    assert sms.status == Status.SUPPRESSED
    assert sms.address == ""


@pytest.mark.parametrize(
    ("now_utc", "expected_end_utc"),
    [
        (datetime(2026, 11, 25, 23, 30, tzinfo=UTC), datetime(2026, 11, 26, 7, 0, tzinfo=UTC)),
        (datetime(2026, 11, 26, 3, 0, tzinfo=UTC), datetime(2026, 11, 26, 7, 0, tzinfo=UTC)),
        (datetime(2026, 11, 26, 12, 0, tzinfo=UTC), None),
    ],
)
def test_quiet_hours_across_midnight(customer, now_utc, expected_end_utc):
    QuietHours.objects.create(user=customer, start=time(22, 0), end=time(7, 0))

    assert services.quiet_until(customer, now_utc) == expected_end_utc


def test_quiet_hours_are_read_in_the_persons_time_zone(customer):
    customer.timezone = "Asia/Seoul"  # UTC+9
    customer.save()
    QuietHours.objects.create(user=customer, start=time(22, 0), end=time(7, 0))

    # 14:00 UTC is 23:00 in Seoul: quiet until 07:00 Seoul, which is 22:00 UTC.
    until = services.quiet_until(customer, datetime(2026, 11, 25, 14, 0, tzinfo=UTC))

    assert until == datetime(2026, 11, 25, 22, 0, tzinfo=UTC)


def test_quiet_hours_hold_back_sms_and_push_but_not_email_or_in_app(customer, enqueued):
    QuietHours.objects.create(user=customer, start=time(0, 0), end=time(23, 59))
    NotificationPreference.objects.create(
        user=customer, kind="general", channels=["in_app", "email", "sms"]
    )

    notifications = {n.channel: n for n in _notify(customer)}

    assert notifications[Channel.SMS].not_before is not None
    assert notifications[Channel.EMAIL].not_before is None
    assert notifications[Channel.IN_APP].status == Status.SENT


def test_marking_read_updates_the_count_and_tells_the_other_tabs(customer, enqueued):
    first, second = (
        next(n for n in _notify(customer, key=k) if n.channel == Channel.IN_APP) for k in "ab"
    )

    services.notification_mark_read(user=customer, notification=first)

    first.refresh_from_db()
    assert first.read_at is not None
    assert first.status == Status.READ
    event = Event.objects.filter(type="notification.read").latest("id")
    assert event.data == {"unread": 1}

    assert services.notification_mark_all_read(user=customer) == 1
    assert Event.objects.filter(type="notification.read").latest("id").data == {"unread": 0}


def test_someone_else_cannot_mark_your_notification_read(customer, other_customer, enqueued):
    [in_app] = _notify(customer, channels=[Channel.IN_APP])

    services.notification_mark_read(user=other_customer, notification=in_app)

    in_app.refresh_from_db()
    assert in_app.read_at is None


def test_preferences_refuse_unknown_kinds_and_channels(customer):
    with pytest.raises(ValidationError) as unknown_kind:
        services.preference_set(user=customer, kind="nope", channels=["email"])
    with pytest.raises(ValidationError) as unknown_channel:
        services.preference_set(user=customer, kind="general", channels=["fax"])

    assert "kind" in unknown_kind.value.message_dict
    assert "channels" in unknown_channel.value.message_dict
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        pytest.param("https://fcm.googleapis.com/fcm/send/dX3Yz:APA91b", id="Chrome"),
        pytest.param("https://updates.push.services.mozilla.com/wpush/v2/gAAAA", id="Firefox"),
        pytest.param("https://web.push.apple.com/QGuQyavXutnMH", id="Safari"),
        pytest.param("https://wns2-par02p.notify.windows.com/w/?token=BQYAAAD", id="Edge"),
    ],
)
def test_a_browser_subscribes_through_its_push_service(customer, endpoint):
    subscription = services.push_subscribe(
        user=customer, endpoint=endpoint, p256dh="BPublicKey", auth="secret"
    )

    assert (subscription.user, subscription.endpoint) == (customer, endpoint)


@pytest.mark.parametrize(
    "endpoint",
    [
        pytest.param("http://127.0.0.1:8000/internal/admin", id="loopback"),
        pytest.param("https://169.254.169.254/latest/meta-data/", id="cloud metadata"),
        pytest.param("https://push.example.net/send/abc", id="unknown host"),
        pytest.param("http://fcm.googleapis.com/fcm/send/abc", id="plain http"),
        pytest.param("https://fcm.googleapis.com:8443/fcm/send/abc", id="another port"),
        pytest.param("https://fcm.googleapis.com.evil.example/x", id="suffixed lookalike"),
        pytest.param("https://evil.example/fcm.googleapis.com", id="host in the path"),
        pytest.param("https://user:pw@fcm.googleapis.com/x", id="credentials"),
        pytest.param("https://notify.windows.com/w/", id="wildcard's bare domain"),
        pytest.param("https://internal\\.notify.windows.com/w/", id="backslash"),
    ],
)
def test_a_push_endpoint_off_the_browsers_push_services_is_refused_naming_the_endpoint(
    customer, endpoint
):
    with pytest.raises(ValidationError) as caught:
        services.push_subscribe(user=customer, endpoint=endpoint, p256dh="BPublicKey", auth="s")

    assert list(caught.value.message_dict) == ["endpoint"]
    assert not PushSubscription.objects.exists()


def test_a_bare_contact_gets_sms_and_email_with_the_number_normalised(organization, enqueued):
    sent = services.notify_contact(
        kind="general",
        title="How did we do?",
        dedupe_key="survey:1",
        phone="+44 20 7183 8750",
        email="walkin@example.com",
        organization=organization,
    )

    assert {(n.channel, n.address) for n in sent} == {
        (Channel.SMS, "+442071838750"),
        (Channel.EMAIL, "walkin@example.com"),
    }


def test_a_bare_contact_with_an_invalid_number_is_refused_naming_the_phone(db):
    with pytest.raises(ValidationError) as caught:
        services.notify_contact(kind="general", title="x", dedupe_key="k", phone="12")

    assert "phone" in caught.value.message_dict
    assert not Notification.objects.exists()


def test_provider_status_only_moves_forward(db, enqueued):
    from .factories import NotificationFactory

    notification = NotificationFactory(status=Status.SENT, provider_id="SM1")

    services.notification_record_provider_status(provider_id="SM1", provider_status="delivered")
    services.notification_record_provider_status(provider_id="SM1", provider_status="sent")

    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED
    assert notification.delivered_at is not None


def test_stop_opts_a_number_out_and_start_opts_it_back_in(db):
    assert services.sms_consent_from_reply(phone="+14155550123", body=" stop ") == "stop"
    assert SmsOptOut.objects.filter(phone="+14155550123").exists()

    assert services.sms_consent_from_reply(phone="+14155550123", body="START") == "start"
    assert not SmsOptOut.objects.exists()

    assert services.sms_consent_from_reply(phone="+14155550123", body="stop by at 5") is None


def test_dispatch_due_requeues_a_send_whose_worker_died(db, enqueued):
    from .factories import NotificationFactory

    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    stuck = NotificationFactory(
        status=Status.SENDING, attempts=1, claimed_at=now - timedelta(minutes=10)
    )
    fresh = NotificationFactory(status=Status.SENDING, attempts=1, claimed_at=now)

    due = services.notifications_dispatch_due(now=now)

    assert due == [stuck.pk]
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == Status.QUEUED
    assert fresh.status == Status.SENDING


def _later(user, key, **kwargs):
    kwargs.setdefault("kind", "ticket.updated")
    kwargs.setdefault("title", "News")
    services.notify_after_commit(recipient=user, dedupe_key=key, **kwargs)


def test_notify_after_commit_writes_one_pending_row_and_no_notification_before_the_commit(
    customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as scheduled:
        _later(customer, "later:1", body="The engineer is on the way.")

    assert len(scheduled) == 1
    pending = PendingNotification.objects.get()
    assert (pending.recipient, pending.dedupe_key, pending.body) == (
        customer,
        "later:1",
        "The engineer is on the way.",
    )
    assert not Notification.objects.exists()


def test_a_change_rolled_back_takes_its_pending_message_with_it(customer):
    def failing_change():
        with transaction.atomic():
            _later(customer, "later:rolled-back")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()

    assert not PendingNotification.objects.exists()


def test_notify_after_commit_refuses_an_unregistered_kind(customer):
    with pytest.raises(LookupError):
        _later(customer, "later:bad", kind="no.such.kind")

    assert not PendingNotification.objects.exists()


def test_notify_after_commit_tells_the_recipient_once_through_the_worker(customer, after_commit):
    for _ in range(2):
        with after_commit():
            _later(customer, "later:2")

    told = Notification.objects.filter(recipient=customer, dedupe_key__startswith="later:2:")
    assert sorted(told.values_list("channel", flat=True)) == sorted(
        services.channels_for(user=customer, kind="ticket.updated")
    )
    assert {n.title for n in told} == {"News"}
    assert not PendingNotification.objects.exists()


def test_commits_while_a_drain_waits_in_the_queue_queue_no_second_one(
    customer, django_capture_on_commit_callbacks
):
    with mock.patch("notifications.tasks.drain_pending_notifications.delay") as delay:
        for n in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                _later(customer, f"later:queued:{n}")

    assert delay.call_count == 1
    assert PendingNotification.objects.count() == 3


def test_a_commit_after_a_drain_started_queues_the_next_drain(
    customer, django_capture_on_commit_callbacks
):
    with mock.patch("notifications.tasks.drain_pending_notifications.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            _later(customer, "later:before")
        services.pending_notifications_drain()
        with django_capture_on_commit_callbacks(execute=True):
            _later(customer, "later:after")

    assert delay.call_count == 2
    assert [p.dedupe_key for p in PendingNotification.objects.all()] == ["later:after"]


def test_a_broker_that_refuses_the_drain_leaves_the_message_for_the_sweep(
    customer, django_capture_on_commit_callbacks, caplog
):
    refused = mock.patch(
        "notifications.tasks.drain_pending_notifications.delay",
        side_effect=ConnectionError("broker down"),
    )
    with refused, django_capture_on_commit_callbacks(execute=True):
        _later(customer, "later:swept")

    assert "broker down" in caplog.text
    assert PendingNotification.objects.count() == 1
    assert services.pending_notifications_drain() == 1
    assert Notification.objects.filter(dedupe_key__startswith="later:swept:").exists()


def test_a_message_that_keeps_failing_is_dropped_after_the_last_attempt_and_others_still_go(
    customer, settings, caplog
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    _later(customer, "later:poison", title="Poison")
    _later(customer, "later:fine", title="Fine")
    real_notify = services.notify

    def failing_for_poison(**message):
        if message["title"] == "Poison":
            raise RuntimeError("cannot send this one")
        return real_notify(**message)

    with mock.patch("notifications.services.pending.notify", side_effect=failing_for_poison):
        assert services.pending_notifications_drain() == 1
        assert PendingNotification.objects.get().attempts == 1
        assert services.pending_notifications_drain() == 1

    assert not PendingNotification.objects.exists()
    assert {n.title for n in Notification.objects.all()} == {"Fine"}
    assert "later:poison failed (attempt 2), dropped" in caplog.text


def test_the_beat_sweeps_pending_messages_every_30_seconds(settings):
    sweeps = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "notifications.tasks.drain_pending_notifications"
    ]

    assert [entry["schedule"] for entry in sweeps] == [30.0]


# Languages -------------------------------------------------------------------------------


def test_a_message_keeps_the_language_it_was_worded_in(customer, enqueued):
    with translation.override("ko"):
        _notify(customer, "lang:1", channels=[Channel.IN_APP])
    _notify(customer, "lang:2", channels=[Channel.IN_APP], language="zh-hans")

    languages = Notification.objects.order_by("id").values_list("language", flat=True)
    assert list(languages) == ["ko", "zh-hans"]


def test_a_pending_message_keeps_its_language_whichever_language_the_worker_speaks(
    customer, after_commit
):
    with after_commit(), translation.override("zh-hans"):
        # The drain runs once this block is left, in the portal's language.
        _later(customer, "later:lang")

    assert set(
        Notification.objects.filter(recipient=customer).values_list("language", flat=True)
    ) == {"zh-hans"}
