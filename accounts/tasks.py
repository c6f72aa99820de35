import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from csportal.links import absolute_url

from . import presence
from .models import Membership
from .tokens import make_invitation_token

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=5)
def send_invitation_email(membership_id: int) -> None:
    """Email the invitation link (or, for someone with an account, the news they joined)."""
    membership = (
        Membership.objects.select_related("user", "organization", "invited_by")
        .filter(pk=membership_id, is_active=True)
        .first()
    )
    if membership is None:
        return
    user = membership.user
    context = {
        "membership": membership,
        "organization": membership.organization,
        "user": user,
        "role": membership.get_role_display(),
        "link": absolute_url(reverse("accounts:login")),
    }
    if membership.is_pending:
        token = make_invitation_token(user)
        context["link"] = absolute_url(reverse("accounts:invitation", args=[token]))
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        text = render_to_string("accounts/email/invitation.txt", context)
        html = render_to_string("accounts/email/invitation.html", context)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    message.send()
    logger.info("invitation for membership %s emailed", membership_id)


@shared_task
def sweep_presence() -> int:
    """Expire connections nobody renewed, then announce whatever changed."""
    now = timezone.now()
    presence.presence_expire(now=now)
    return presence.presence_announce(now=now)
