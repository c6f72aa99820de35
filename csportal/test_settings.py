"""Settings for the test suite: production settings with the few things tests must pin."""

import os

os.environ.setdefault("SECRET_KEY", "test-suite-only-secret-key-not-for-production")

from .settings import *  # noqa: E402, F403

SECURE_SSL_REDIRECT = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
REALTIME_HEARTBEAT_SECONDS = 1.0

if REDIS_URL:  # noqa: F405
    # Keep test traffic apart from a portal that may be running on the same Redis.
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"csportal-test-{os.getpid()}"  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = f"csportal-test-{os.getpid()}"  # noqa: F405
