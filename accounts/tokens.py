"""Signed, expiring, single-use links for staff invitations, and the keys of API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import User

_SALT = "accounts.invitation"


def _password_state(user: User) -> str:
    # Changes the moment a password is set, so an accepted link can't be used again.
    return salted_hmac(_SALT, f"{user.pk}:{user.password}").hexdigest()[:16]


def make_invitation_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "s": _password_state(user)}, salt=_SALT, compress=True)


def read_invitation_token(token: str) -> User | None:
    """The invited user if the token is genuine, unexpired and unused; else None."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=settings.INVITATION_TIMEOUT)
        user = User.objects.get(pk=payload["u"], is_active=True)
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError):
        return None
    if not constant_time_compare(payload.get("s", ""), _password_state(user)):
        return None
    return user


def new_api_key() -> str:
    return secrets.token_urlsafe(32)


def api_key_hash(key: str) -> str:
    """What is stored of an API key, and looked up when a request presents one."""
    return hashlib.sha256(key.encode()).hexdigest()
