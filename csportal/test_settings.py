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
PRESENCE_TTL_SECONDS = 3.0
PRESENCE_GRACE_SECONDS = 0.3
PRESENCE_BATCH_SECONDS = 0.05

if REDIS_URL:  # noqa: F405
    # Keep test traffic apart from a portal that may be running on the same Redis.
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"csportal-test-{os.getpid()}"  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = f"csportal-test-{os.getpid()}"  # noqa: F405
    # The same for Celery: a test's worker takes only this run's tasks, never a portal's.
    CELERY_TASK_DEFAULT_QUEUE = f"csportal-test-{os.getpid()}"

NOTIFICATION_TRANSPORTS["sms"] = "notifications.transports.LocmemSmsTransport"  # noqa: F405
TWILIO_AUTH_TOKEN = "test-twilio-auth-token"  # noqa: S105 - signs fake webhooks in tests

# One test database per run, so runs side by side (two checkouts, CI and a developer) never
# drop each other's tables.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"]["NAME"] = str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")  # noqa: F405
else:
    DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_csportal_{os.getpid()}"  # noqa: F405
