"""One transport class per channel, chosen by settings like Django's email backends.

A transport sends one Notification and returns the provider's id, or raises
TransportError(permanent=...): permanent errors fail the row, others are retried.
"""

import json
import logging
import smtplib
import sys

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string, select_template
from django.urls import reverse
from django.utils.module_loading import import_string

from csportal.links import absolute_url

from .models import Notification, PushSubscription

logger = logging.getLogger(__name__)


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def sms_text(notification: Notification) -> str:
    parts = [notification.title, notification.body, absolute_url(notification.link)]
    return "\n".join(part for part in parts if part)[:1600]


# SMS -------------------------------------------------------------------------------------


class ConsoleSmsTransport:
    """Prints messages: the embedded mode's stand-in for Twilio."""

    def send(self, notification: Notification) -> str:
        sys.stdout.write(f"SMS to {notification.address}:\n{sms_text(notification)}\n---\n")
        sys.stdout.flush()
        return f"console-{notification.pk}"


class LocmemSmsTransport:
    """Keeps messages in `outbox`, like Django's locmem email backend."""

    outbox: list[dict] = []

    def send(self, notification: Notification) -> str:
        self.outbox.append({"to": notification.address, "body": sms_text(notification)})
        return f"locmem-{notification.pk}"


# Twilio's error codes that no retry can fix: bad or unreachable numbers, opted out.
PERMANENT_TWILIO_CODES = {21211, 21214, 21408, 21610, 21612, 21614, 30003, 30005, 30006}


class TwilioSmsTransport:
    def __init__(self):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(timeout=settings.NOTIFICATION_SEND_TIMEOUT),
        )
        if settings.TWILIO_API_BASE_URL:
            self.client.api.base_url = settings.TWILIO_API_BASE_URL

    def send(self, notification: Notification) -> str:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        sender = (
            {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if settings.TWILIO_MESSAGING_SERVICE_SID
            else {"from_": settings.TWILIO_FROM_NUMBER}
        )
        callback = {}
        if settings.PUBLIC_BASE_URL:
            callback["status_callback"] = absolute_url(reverse("notifications:twilio-status"))
        try:
            message = self.client.messages.create(
                to=notification.address, body=sms_text(notification), **sender, **callback
            )
        except TwilioRestException as exc:
            permanent = exc.code in PERMANENT_TWILIO_CODES or (
                400 <= exc.status < 500 and exc.status != 429
            )
            raise TransportError(
                f"Twilio {exc.status} {exc.code}: {exc.msg}", permanent=permanent
            ) from exc
        except (TwilioException, requests.RequestException) as exc:
            raise TransportError(f"Twilio unreachable: {exc}") from exc
        return message.sid


# Email -----------------------------------------------------------------------------------


def _email_templates(kind: str, part: str) -> list[str]:
    base = kind.replace(".", "_")
    return [f"notifications/email/{base}_{part}", f"notifications/email/notification_{part}"]


class EmailTransport:
    """Django's configured email backend, with subject / text / HTML templates per kind."""

    def send(self, notification: Notification) -> str:
        context = {"notification": notification, "link": absolute_url(notification.link)}
        message_id = make_msgid(domain="csportal")
        subject = render_to_string(_email_templates(notification.kind, "subject.txt"), context)
        text = render_to_string(_email_templates(notification.kind, "body.txt"), context)
        message = EmailMultiAlternatives(
            " ".join(subject.split()),
            text,
            to=[notification.address],
            connection=get_connection(timeout=settings.NOTIFICATION_SEND_TIMEOUT),
            headers={"Message-ID": message_id, "X-Csportal-Notification": str(notification.pk)},
        )
        try:
            html_template = select_template(_email_templates(notification.kind, "body.html"))
        except TemplateDoesNotExist:
            html_template = None
        if html_template is not None:
            message.attach_alternative(html_template.render(context), "text/html")
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise TransportError(f"recipient refused: {exc.recipients}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransportError(f"email not sent: {exc}") from exc
        return message_id


# Web push --------------------------------------------------------------------------------


class WebPushTransport:
    """Web Push with VAPID to every browser the person subscribed; dead ones are forgotten."""

    def send(self, notification: Notification) -> str:
        from pywebpush import WebPushException, webpush

        subscriptions = list(PushSubscription.objects.filter(user_id=notification.recipient_id))
        if not subscriptions:
            raise TransportError("no browser subscribed to push", permanent=True)
        payload = json.dumps(
            {
                "id": notification.pk,
                "title": notification.title,
                "body": notification.body,
                "link": notification.link,
                "kind": notification.kind,
            }
        )
        delivered, errors = 0, []
        for subscription in subscriptions:
            try:
                webpush(
                    subscription_info=subscription.as_subscription_info(),
                    data=payload,
                    vapid_private_key=settings.VAPID_PRIVATE_KEY,
                    vapid_claims={"sub": settings.VAPID_SUBJECT},
                    timeout=settings.NOTIFICATION_SEND_TIMEOUT,
                    ttl=24 * 60 * 60,
                )
            except WebPushException as exc:
                status = getattr(exc.response, "status_code", None)
                if status in (404, 410):
                    subscription.delete()
                errors.append(f"{status}: {exc}")
            except requests.RequestException as exc:
                errors.append(str(exc))
            else:
                delivered += 1
        if delivered:
            return f"push-{notification.pk}-{delivered}"
        gone = not PushSubscription.objects.filter(user_id=notification.recipient_id).exists()
        raise TransportError("; ".join(errors)[:1000], permanent=gone)


def transport_for(channel: str):
    return import_string(settings.NOTIFICATION_TRANSPORTS[channel])()
