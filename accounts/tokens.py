"""Signed links for staff invitations and email changes, and the keys of API tokens.

An invitation link names its invitation and the nonce it was sent with; whether it can still
be used (pending, unexpired) is the invitation's state, so accepting, declining, withdrawing
or resending it retires the link at once.

An email-change link carries the new address itself: nothing is stored until it is
followed. It also carries a digest of the account's email and password, so a change of
either (the link followed, another link followed first, a stolen password replaced) retires
every link sent before.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import StaffInvitation, User

_SALT = "accounts.invitation"
_EMAIL_CHANGE_SALT = "accounts.email_change"


def make_invitation_token(invitation: StaffInvitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=_SALT)


def read_invitation_token(token: str) -> StaffInvitation | None:
    """The invitation a genuine link of its newest sending was made for; else None."""
    try:
        payload = signing.loads(token, salt=_SALT)
        invitation = StaffInvitation.objects.select_related("organization", "invited_by").get(
            pk=payload["i"]
        )
        nonce = str(payload["n"])
    except (signing.BadSignature, StaffInvitation.DoesNotExist, KeyError, TypeError, ValueError):
        return None
    if not constant_time_compare(nonce, invitation.nonce):
        return None
    return invitation


@dataclass(frozen=True)
class EmailChangeLink:
    user: User
    email: str
    sent_at: datetime


def _account_state(user: User) -> str:
    return salted_hmac(_EMAIL_CHANGE_SALT, f"{user.email}\0{user.password}").hexdigest()


def make_email_change_token(user: User, email: str, now: datetime) -> str:
    payload = {"u": user.pk, "e": email, "s": _account_state(user), "t": int(now.timestamp())}
    return signing.dumps(payload, salt=_EMAIL_CHANGE_SALT)


def read_email_change_token(token: str) -> EmailChangeLink | None:
    """What a genuine link made since the account's email and password last changed asks
    for; else None. Whether it has expired is the caller's to judge, by `sent_at`."""
    try:
        payload = signing.loads(token, salt=_EMAIL_CHANGE_SALT)
        user = User.objects.get(pk=payload["u"], is_active=True)
        email, state = str(payload["e"]), str(payload["s"])
        sent_at = datetime.fromtimestamp(int(payload["t"]), tz=UTC)
    except (
        signing.BadSignature,
        User.DoesNotExist,
        KeyError,
        TypeError,
        ValueError,
        OverflowError,
    ):
        return None
    if not constant_time_compare(state, _account_state(user)):
        return None
    return EmailChangeLink(user=user, email=email, sent_at=sent_at)


def new_api_key() -> str:
    return secrets.token_urlsafe(32)


def api_key_hash(key: str) -> str:
    """What is stored of an API key, and looked up when a request presents one."""
    return hashlib.sha256(key.encode()).hexdigest()
