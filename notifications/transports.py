"""One transport class per channel, chosen by settings like Django's email backends.

A transport sends one Notification and returns the provider's id, or raises
TransportError(permanent=...): permanent errors fail the row, others are retried.
"""

import json
import logging
import re
import smtplib
import sys
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string, select_template
from django.urls import reverse
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

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
        # The words around the title and body are in the recipient's language, as those are.
        with translation.override(notification.language or settings.LANGUAGE_CODE):
            return self._send(notification)

    def _send(self, notification: Notification) -> str:
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


# Letters, digits, dots and hyphens only: a host that URL parsers could read differently
# (a backslash, a percent sign) must not pass for one of the allowed names.
_DNS_NAME = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)+")


def push_endpoint_allowed(endpoint: str) -> bool:
    """Whether `endpoint` is HTTPS on one of the push services in WEB_PUSH_ALLOWED_HOSTS.

    The endpoint comes from whoever calls our API; the worker POSTs to it with retries, so
    anything else would let a customer make our servers call addresses inside our network.
    An entry is a host name, `*.domain` for its subdomains, and a port when not 443.
    """
    try:
        url = urlsplit(endpoint)
        port = url.port or 443
    except ValueError:
        return False
    host = url.hostname or ""
    if url.scheme != "https" or "@" in url.netloc or not _DNS_NAME.fullmatch(host):
        return False
    return any(_host_matches(host, port, entry) for entry in settings.WEB_PUSH_ALLOWED_HOSTS)


def _host_matches(host: str, port: int, entry: str) -> bool:
    allowed = urlsplit(f"//{entry.strip().lower()}")
    if port != (allowed.port or 443):
        return False
    name = allowed.hostname or ""
    if name.startswith("*."):
        return host.endswith(name[1:])
    return host == name


class WebPushTransport:
    """Web Push with VAPID to every browser the person subscribed; dead ones are forgotten.

    Only endpoints on the allowed push services are called (rows stored before that check
    may point anywhere), redirects are not followed, and an error keeps the push service's
    status and reason, never its body.
    """

    def send(self, notification: Notification) -> str:
        from pywebpush import WebPushException, webpush

        subscriptions = [
            subscription
            for subscription in PushSubscription.objects.filter(user_id=notification.recipient_id)
            if push_endpoint_allowed(subscription.endpoint)
        ]
        if not subscriptions:
            raise TransportError(_("no browser subscribed on a known push service"), permanent=True)
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
        with requests.Session() as session:
            # A push service has no reason to redirect; following one would leave the
            # allowed hosts.
            session.max_redirects = 0
            for subscription in subscriptions:
                try:
                    webpush(
                        subscription_info=subscription.as_subscription_info(),
                        data=payload,
                        vapid_private_key=settings.VAPID_PRIVATE_KEY,
                        vapid_claims={"sub": settings.VAPID_SUBJECT},
                        timeout=settings.NOTIFICATION_SEND_TIMEOUT,
                        ttl=24 * 60 * 60,
                        requests_session=session,
                    )
                except WebPushException as exc:
                    if exc.response is None:  # refused before sending: our own message
                        errors.append(exc.message)
                        continue
                    status = exc.response.status_code
                    if status in (404, 410):
                        subscription.delete()
                    errors.append(
                        _("push service answered %(status)s %(reason)s")
                        % {"status": status, "reason": (exc.response.reason or "")[:100]}
                    )
                except requests.RequestException as exc:
                    errors.append(
                        _("push service unreachable (%(error)s)") % {"error": type(exc).__name__}
                    )
                else:
                    delivered += 1
        if delivered:
            return f"push-{notification.pk}-{delivered}"
        gone = not any(
            push_endpoint_allowed(endpoint)
            for endpoint in PushSubscription.objects.filter(
                user_id=notification.recipient_id
            ).values_list("endpoint", flat=True)
        )
        raise TransportError("; ".join(errors)[:1000], permanent=gone)


def transport_for(channel: str):
    return import_string(settings.NOTIFICATION_TRANSPORTS[channel])()
