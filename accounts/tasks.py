import logging
import math

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from csportal.links import absolute_url

from . import presence
from .language import in_language_of
from .models import InvitationStatus, Membership, StaffInvitation, User
from .tokens import make_email_change_token, make_invitation_token

logger = logging.getLogger(__name__)

_EMAIL_RETRIES = {
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


def _send_email(template: str, context: dict, to: str, *, recipient: User | None) -> None:
    """Render `<template>_subject.txt`, `.txt` and `.html` and send them to one address, in
    the language of `recipient` (the account behind the address, if any) or the portal's."""
    with in_language_of(recipient):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject, text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


@shared_task(**_EMAIL_RETRIES)
def send_invitation_email(invitation_id: int) -> None:
    """Email the invitation's link, unless it was answered, withdrawn or expired since."""
    invitation = (
        StaffInvitation.objects.select_related("organization", "invited_by")
        .filter(pk=invitation_id, status=InvitationStatus.PENDING)
        .first()
    )
    now = timezone.now()
    if invitation is None or invitation.is_expired(now):
        return
    token = make_invitation_token(invitation)
    context = {
        "organization": invitation.organization,
        "inviter": invitation.invited_by,
        "role": invitation.get_role_display(),
        "link": absolute_url(reverse("accounts:invitation", args=[token])),
        "days": math.ceil((invitation.expires_at - now).total_seconds() / 86400),
    }
    # Someone invited may have an account already, and so a language.
    invitee = (
        User.objects.select_related("customer_profile")
        .filter(email__iexact=invitation.email)
        .first()
    )
    _send_email("accounts/email/invitation", context, invitation.email, recipient=invitee)
    logger.info("staff invitation %s emailed", invitation_id)


@shared_task(**_EMAIL_RETRIES)
def send_already_a_member_email(membership_id: int, invited_by_id: int) -> None:
    """Tell someone invited to a staff they are on already that nothing changed."""
    membership = (
        Membership.objects.select_related("user__customer_profile", "organization")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None:
        return
    context = {
        "organization": membership.organization,
        "inviter": User.objects.filter(pk=invited_by_id).first(),
        "link": absolute_url(reverse("accounts:login")),
    }
    _send_email(
        "accounts/email/already_a_member",
        context,
        membership.user.email,
        recipient=membership.user,
    )
    logger.info("already-a-member note for membership %s emailed", membership_id)


@shared_task(**_EMAIL_RETRIES)
def send_email_change_link(user_id: int, email: str) -> None:
    """Email the new address the link that makes it the person's login email."""
    user = (
        User.objects.select_related("customer_profile").filter(pk=user_id, is_active=True).first()
    )
    if user is None:
        return
    token = make_email_change_token(user, email, timezone.now())
    context = {
        "user": user,
        "email": email,
        "link": absolute_url(reverse("accounts:email-confirm", args=[token])),
        "hours": math.ceil(settings.EMAIL_CHANGE_TIMEOUT / 3600),
    }
    _send_email("accounts/email/email_change", context, email, recipient=user)
    logger.info("email change link for user %s emailed", user_id)


@shared_task(**_EMAIL_RETRIES)
def send_email_changed_notice(user_id: int, old_email: str) -> None:
    """Tell the address a person's login email moved from that it did: if someone else did
    it, this is how the owner learns."""
    user = User.objects.select_related("customer_profile").filter(pk=user_id).first()
    if user is None:
        return
    context = {"user": user, "old_email": old_email, "new_email": user.email}
    _send_email("accounts/email/email_changed", context, old_email, recipient=user)
    logger.info("email change notice for user %s emailed", user_id)


@shared_task
def sweep_presence() -> int:
    """Expire connections nobody renewed, then announce whatever changed."""
    now = timezone.now()
    presence.presence_expire(now=now)
    return presence.presence_announce(now=now)
