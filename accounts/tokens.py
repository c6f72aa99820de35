"""Signed links for staff invitations, and the keys of API tokens.

A link names its invitation and the nonce it was sent with; whether it can still be used
(pending, unexpired) is the invitation's state, so accepting, declining, withdrawing or
resending it retires the link at once.
"""

import hashlib
import secrets

from django.core import signing
from django.utils.crypto import constant_time_compare

from .models import StaffInvitation

_SALT = "accounts.invitation"


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


def new_api_key() -> str:
    return secrets.token_urlsafe(32)


def api_key_hash(key: str) -> str:
    """What is stored of an API key, and looked up when a request presents one."""
    return hashlib.sha256(key.encode()).hexdigest()
