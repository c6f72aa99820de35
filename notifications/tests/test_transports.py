"""Each transport against a real protocol peer on loopback."""

import base64
import json
import os
import socket
import time
import urllib.parse
from contextlib import contextmanager

import http_ece
import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import override_settings
from py_vapid import Vapid

from notifications.models import Channel, PushSubscription
from notifications.transports import (
    EmailTransport,
    TransportError,
    TwilioSmsTransport,
    WebPushTransport,
)

from .factories import NotificationFactory, PushSubscriptionFactory
from .peers import http_peer, json_response

ACCOUNT_SID = "AC" + "a" * 32
AUTH_TOKEN = "twilio-test-token"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _twilio_settings(peer, **extra):
    return override_settings(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_API_BASE_URL=peer.url,
        TWILIO_MESSAGING_SERVICE_SID="MG" + "b" * 32,
        PUBLIC_BASE_URL="https://portal.example.com",
        **extra,
    )


@pytest.mark.django_db
def test_twilio_transport_posts_the_message_twilio_expects_and_returns_its_sid():
    notification = NotificationFactory(address="+442071838750", link="/tickets/7/")

    def respond(request):
        return json_response(201, {"sid": "SM" + "c" * 32, "status": "queued"})

    with http_peer(respond) as peer, _twilio_settings(peer):
        sid = TwilioSmsTransport().send(notification)

    assert sid == "SM" + "c" * 32
    [request] = peer.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    expected_auth = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected_auth}"
    form = urllib.parse.parse_qs(request.body.decode())
    assert form["To"] == ["+442071838750"]
    assert form["MessagingServiceSid"] == ["MG" + "b" * 32]
    assert form["Body"] == [
        "Your technician is on the way\nTom will arrive at 10:30.\n"
        "https://portal.example.com/tickets/7/"
    ]
    assert form["StatusCallback"] == ["https://portal.example.com/webhooks/twilio/status/"]


@pytest.mark.django_db
def test_twilio_rejecting_the_number_is_a_permanent_error():
    notification = NotificationFactory()

    def respond(request):
        return json_response(
            400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400}
        )

    with (
        http_peer(respond) as peer,
        _twilio_settings(peer),
        pytest.raises(TransportError) as caught,
    ):
        TwilioSmsTransport().send(notification)

    assert caught.value.permanent is True
    assert "21211" in str(caught.value)


@pytest.mark.django_db
def test_twilio_server_error_is_retryable():
    notification = NotificationFactory()

    def respond(request):
        return json_response(503, {"code": 20503, "message": "Service unavailable", "status": 503})

    with (
        http_peer(respond) as peer,
        _twilio_settings(peer),
        pytest.raises(TransportError) as caught,
    ):
        TwilioSmsTransport().send(notification)

    assert caught.value.permanent is False


@pytest.fixture
def smtp_server():
    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            received.append(envelope)
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    controller.received = received
    yield controller
    controller.stop()


@pytest.mark.django_db
def test_email_transport_sends_text_and_html_through_django_smtp_to_a_real_server(smtp_server):
    notification = NotificationFactory(
        channel=Channel.EMAIL, address="chris@example.com", link="/tickets/7/"
    )
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=smtp_server.port,
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        PUBLIC_BASE_URL="https://portal.example.com",
    ):
        message_id = EmailTransport().send(notification)

    [envelope] = smtp_server.received
    assert envelope.rcpt_tos == ["chris@example.com"]
    raw = envelope.content.decode()
    assert f"Message-ID: {message_id}" in raw
    assert "Subject: Your technician is on the way" in raw
    assert "multipart/alternative" in raw
    assert "text/html" in raw
    assert "https://portal.example.com/tickets/7/" in raw


def _browser_keys():
    """What a browser's PushManager.subscribe() holds: an ECDH key pair and an auth secret."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    public = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return private_key, _b64url(public), os.urandom(16)


def _vapid_keys():
    vapid = Vapid()
    vapid.generate_keys()
    private_raw = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    public_raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(private_raw), _b64url(public_raw)


@contextmanager
def local_push_service(respond, monkeypatch):
    """A push service on loopback that the real pywebpush client may reach.

    Production allows only the browsers' push services, over HTTPS; this peer speaks HTTPS
    with its own certificate (trusted through REQUESTS_CA_BUNDLE) and the allowlist is
    widened to its address for the test alone.
    """
    with (
        http_peer(respond, tls=True) as peer,
        override_settings(WEB_PUSH_ALLOWED_HOSTS=[peer.netloc]),
    ):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", peer.ca_file)
        yield peer


@pytest.mark.django_db
def test_web_push_is_encrypted_so_only_the_subscribed_browser_can_read_it(monkeypatch):
    browser_private, p256dh, auth_secret = _browser_keys()
    vapid_private, vapid_public = _vapid_keys()
    notification = NotificationFactory(channel=Channel.PUSH, address="browser", link="/tickets/7/")

    def respond(request):
        return 201, {}, b""

    with (
        local_push_service(respond, monkeypatch) as peer,
        override_settings(VAPID_PRIVATE_KEY=vapid_private, VAPID_SUBJECT="mailto:ops@example.com"),
    ):
        PushSubscriptionFactory(
            user=notification.recipient,
            endpoint=f"{peer.url}/push/abc",
            p256dh=p256dh,
            auth=_b64url(auth_secret),
        )
        WebPushTransport().send(notification)

    [request] = peer.requests
    assert request.path == "/push/abc"
    assert request.headers["content-encoding"] == "aes128gcm"
    plaintext = http_ece.decrypt(
        request.body, private_key=browser_private, auth_secret=auth_secret, version="aes128gcm"
    )
    assert json.loads(plaintext) == {
        "id": notification.pk,
        "title": "Your technician is on the way",
        "body": "Tom will arrive at 10:30.",
        "link": "/tickets/7/",
        "kind": "general",
    }
    scheme, _, credentials = request.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    params = dict(part.strip().split("=", 1) for part in credentials.split(","))
    assert params["k"] == vapid_public
    claims = json.loads(_b64url_decode(params["t"].split(".")[1]))
    assert claims["aud"] == peer.url
    assert claims["sub"] == "mailto:ops@example.com"
    assert claims["exp"] > time.time()


@pytest.mark.django_db
def test_web_push_forgets_a_subscription_the_push_service_says_is_gone(monkeypatch):
    _private, p256dh, auth_secret = _browser_keys()
    vapid_private, _public = _vapid_keys()
    notification = NotificationFactory(channel=Channel.PUSH, address="browser")

    def respond(request):
        return 410, {}, b"gone"

    with (
        local_push_service(respond, monkeypatch) as peer,
        override_settings(VAPID_PRIVATE_KEY=vapid_private),
    ):
        PushSubscriptionFactory(
            user=notification.recipient,
            endpoint=f"{peer.url}/push/gone",
            p256dh=p256dh,
            auth=_b64url(auth_secret),
        )
        with pytest.raises(TransportError) as caught:
            WebPushTransport().send(notification)

    assert caught.value.permanent is True
    assert str(caught.value) == "push service answered 410 Gone"
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
def test_a_push_services_error_is_recorded_as_its_status_and_reason_never_its_body(monkeypatch):
    _private, p256dh, auth_secret = _browser_keys()
    vapid_private, _public = _vapid_keys()
    notification = NotificationFactory(channel=Channel.PUSH, address="browser")

    def respond(request):
        return 500, {}, b"db_password=hunter2"

    with (
        local_push_service(respond, monkeypatch) as peer,
        override_settings(VAPID_PRIVATE_KEY=vapid_private),
    ):
        PushSubscriptionFactory(
            user=notification.recipient,
            endpoint=f"{peer.url}/push/abc",
            p256dh=p256dh,
            auth=_b64url(auth_secret),
        )
        with pytest.raises(TransportError) as caught:
            WebPushTransport().send(notification)

    assert str(caught.value) == "push service answered 500 Internal Server Error"
    assert caught.value.permanent is False
    assert len(peer.requests) == 1


@pytest.mark.django_db
def test_web_push_does_not_follow_a_redirect_off_the_push_service(monkeypatch):
    _private, p256dh, auth_secret = _browser_keys()
    vapid_private, _public = _vapid_keys()
    notification = NotificationFactory(channel=Channel.PUSH, address="browser")

    with http_peer(lambda request: (200, {}, b"internal")) as internal:

        def respond(request):
            return 307, {"Location": f"{internal.url}/admin"}, b""

        with (
            local_push_service(respond, monkeypatch) as peer,
            override_settings(VAPID_PRIVATE_KEY=vapid_private),
        ):
            PushSubscriptionFactory(
                user=notification.recipient,
                endpoint=f"{peer.url}/push/abc",
                p256dh=p256dh,
                auth=_b64url(auth_secret),
            )
            with pytest.raises(TransportError) as caught:
                WebPushTransport().send(notification)

    assert len(peer.requests) == 1
    assert internal.requests == []
    assert "internal" not in str(caught.value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "allowed_hosts",
    [
        pytest.param(None, id="the default allowlist: the browsers' push services"),
        pytest.param("peer", id="its host allowed, but plain http"),
    ],
)
def test_web_push_never_calls_an_endpoint_off_the_push_services_and_fails_for_good(
    allowed_hosts,
):
    """A subscription stored before endpoints were checked may point anywhere."""
    notification = NotificationFactory(channel=Channel.PUSH, address="browser")

    with http_peer(lambda request: (200, {}, b"internal")) as internal:
        PushSubscriptionFactory(
            user=notification.recipient, endpoint=f"{internal.url}/internal/admin"
        )
        widened = {"WEB_PUSH_ALLOWED_HOSTS": [internal.netloc]} if allowed_hosts else {}
        with override_settings(**widened), pytest.raises(TransportError) as caught:
            WebPushTransport().send(notification)

    assert internal.requests == []
    assert caught.value.permanent is True
    assert str(caught.value) == "no browser subscribed on a known push service"
