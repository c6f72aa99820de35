"""Sign-in backends."""

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

USER_SECONDS = 300
# For logging a user in without a password check (sign-up, invitation accepted).
SIGN_IN_BACKEND = "accounts.backends.CachedModelBackend"


def user_key(user_id) -> str:
    return f"accounts:user:{user_id}"


class CachedModelBackend(ModelBackend):
    """ModelBackend whose lookup of the session's user (on every signed-in page) reads the
    cache: the user query and building the model cost about 0.8 ms of a 12 ms page.

    The cached user is dropped whenever the user is saved or deleted (a password change, a
    deactivation, a new name or time zone; see accounts.receivers), so it is never staler than
    the last save. The TTL bounds what a write around the ORM could leave behind.
    """

    def get_user(self, user_id):
        read = super().get_user
        return cache.get_or_set(user_key(user_id), lambda: read(user_id), USER_SECONDS)
