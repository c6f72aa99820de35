"""API authentication: `Authorization: Token <key>` with one of the person's ApiTokens."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiToken
from .tokens import api_key_hash

# "Last used" tells a person whether a token is still in use, for which the minutes are
# enough; recording every request would add a write to each API call.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's header parsing and 401 challenge, checked against the hash of the key: a
    revoked or expired token is refused with a `code` that says which."""

    def authenticate_credentials(self, key):
        # The token and its person in one query, by the unique index on key_hash.
        tokens = ApiToken.objects.select_related("user")
        try:
            token = tokens.get(key_hash=api_key_hash(key))
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                _("This token was revoked."), code="token_revoked"
            )
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                _("This token has expired."), code="token_expired"
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token.last_used_at is None or token.last_used_at <= now - LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
