"""Sign-in backends: Django's ModelBackend signs people in and reads the session's user."""

from django.contrib.auth.backends import BaseBackend, ModelBackend

# For logging a user in without a password check (sign-up, invitation accepted).
SIGN_IN_BACKEND = "django.contrib.auth.backends.ModelBackend"


class CachedModelBackend(BaseBackend):
    """Reads the user of sessions signed in before the user stopped being cached: a session
    stores its backend's dotted path, and one no longer in AUTHENTICATION_BACKENDS is signed
    out. It signs nobody in. Remove it once SESSION_COOKIE_AGE has passed since it went out.

    It caches nothing now: caching the whole user put their password hash in the cache.
    Django's session check (the password's hash against the session's) runs on the user it
    returns, so a new password signs these sessions out too.
    """

    def get_user(self, user_id):
        return ModelBackend().get_user(user_id)
