"""One env-driven settings module: embedded defaults, production by environment variables.

Every variable is listed in `.env.example`. With nothing set the portal runs embedded:
SQLite under var/, in-memory channel layer and cache, Celery's memory transport.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from csportal import secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
# `make run` names a file under var/: a fresh clone gets a key of its own on its first run
# and keeps it, so sessions outlive a restart. Unset in production, where a missing key
# must stop the server rather than have each process make up its own.
SECRET_KEY_FILE = env.str("SECRET_KEY_FILE", default="")
if not SECRET_KEY and SECRET_KEY_FILE:
    SECRET_KEY = secret_key.read_or_create(BASE_DIR / SECRET_KEY_FILE)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-embedded-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "csportal",
    "accounts",
    "notifications",
    "tickets",
    "ratings",
    "technicians",
    "sensitivity",
    "chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "csportal.middleware.PrivateResponsesMiddleware",
    # Before any view or middleware looks a value up; after auth, so its 404 page is the
    # signed-in user's.
    "csportal.middleware.RefuseNulMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "csportal.urls"
CSRF_FAILURE_VIEW = "csportal.views.csrf_failure"
WSGI_APPLICATION = "csportal.wsgi.application"
ASGI_APPLICATION = "csportal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csportal.context_processors.shell",
            ],
        },
    },
]

# Widgets render through Jinja2 (Django's own widget templates, shipped for it): the
# template-language renderer spent 3 ms of a ticket page's 25 on three select boxes.
FORM_RENDERER = "django.forms.renderers.Jinja2"

# Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3 with Django's pool: persistent connections open one per thread under the
    # ASGI server and exhausted PostgreSQL's 100 connections in seconds when tried here.
    _db["CONN_MAX_AGE"] = 0
    # QuerySet.iterator() (every ModelChoiceField renders through it) would otherwise DECLARE,
    # FETCH and CLOSE a server-side cursor: three round trips for a handful of choices. No
    # code here iterates a table too large to fetch at once.
    _db["DISABLE_SERVER_SIDE_CURSORS"] = True
    # Parameters bound by the server, not quoted into the SQL in Python (psycopg's client
    # cursor cost 2 ms of a new ticket's Python: bench/tickets_load.py, issue 17), but no
    # statement prepared there (prepare_threshold None): a process still running during a
    # rolling deploy would fail every prepared read of a column a migration widened
    # (csportal/tests/test_rolling_migration.py).
    _db.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=None)
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=1),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    # A file (not memory) so the ASGI server, Celery worker threads and browser tests all see
    # one test database; WAL lets readers and the one writer work side by side.
    _db.setdefault("TEST", {})["NAME"] = str(VAR_DIR / "test-db.sqlite3")
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: channel layer, cache, Celery broker ---------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
EMBEDDED = not REDIS_URL
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub, not the core layer: a group send is one PUBLISH, whatever the size of
            # the group, where the core layer read the group's members and pushed to each
            # one's queue. Both are at-most-once, and a client that misses an event catches
            # up from the stored rows (csportal/realtime.py).
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL}],
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="csportal"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "csportal.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="csportal"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT = "csportal.broker:Transport"
    # Every page read its session from PostgreSQL; Redis answers it sooner and the database
    # still holds every session. Only with Redis: a per-process cache would keep a session
    # that another process logged out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"

CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "accounts-sweep-presence": {
        "task": "accounts.tasks.sweep_presence",
        "schedule": env.float("PRESENCE_SWEEP_SECONDS", default=5.0),
    },
    "csportal-prune-events": {"task": "csportal.tasks.prune_events", "schedule": 3600.0},
}

# Auth ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Only for sessions signed in before the user stopped being cached (its docstring).
    "accounts.backends.CachedModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
INVITATION_TIMEOUT = env.int("INVITATION_TIMEOUT", default=60 * 60 * 24 * 7)
EMAIL_CHANGE_TIMEOUT = env.int("EMAIL_CHANGE_TIMEOUT", default=60 * 60 * 24)
# Days an API token works after it is made; a password change or reset revokes it sooner.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=90)


def _lockout_username(request, credentials):
    # Logins match the email case-insensitively, so every spelling must count as one account
    # or an attacker gets five more guesses per capitalisation.
    source = credentials if credentials is not None else request.POST
    return (source.get("username") or "").strip().lower() or None


# Brute force: lock a username from one address, so an attacker elsewhere can't lock the
# real user out of their own account. Both the login form and the token API pass the email
# to `authenticate()` as `username`; axes would otherwise look under USERNAME_FIELD ("email"),
# find nothing, and never lock the account.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = _lockout_username
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# How many reverse proxies stand in front (docker-compose: 1, Caddy). Only then are their
# X-Forwarded-* headers believed: for the client's address, scheme and host.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
# The lockout and the API throttles count per client through this one function. Axes' own
# ipware reading took the proxy count against REMOTE_ADDR alone, found every client's
# address to be None, and so five failures from anywhere locked an account out everywhere.
AXES_CLIENT_IP_CALLABLE = "csportal.clientip.client_ip"
if PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One format per kind of value and language, for pages, scripts, emails and texts alike.
FORMAT_MODULE_PATH = ["csportal.formats"]

# Static files ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Served at the site's root, for what browsers ask for there (/favicon.ico).
WHITENOISE_ROOT = BASE_DIR / "site_root"

# Email ---------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="csportal <noreply@csportal.local>")

# Request limits: a body past this is refused before it is parsed (the API answers 413).
# Uploaded files are counted apart (TICKET_ATTACHMENT_MAX_BYTES); docker/Caddyfile refuses
# any request larger than the two allow together.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)

# REST API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: DRF answers a failed login with the first class's challenge, and only
    # TokenAuthentication has one, so a bad or missing credential is a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "csportal.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "csportal.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth_token": "20/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "csportal API",
    "DESCRIPTION": "Tickets, ratings, live chat, field technicians and surveys.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files: the CDN it loads from by default is one more
    # origin the CSP would have to trust, and /api/docs/ was blank without it.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The notification channel choices appear under several fields (the serializer field,
    # the `channels` list, the list filter); without one explicit name drf-spectacular warns
    # (W001, which fails `check --deploy --fail-level WARNING`) and names them by chance.
    "ENUM_NAME_OVERRIDES": {
        "NotificationChannelEnum": "notifications.models.Channel",
        "NotificationStatusEnum": "notifications.models.Status",
        "TicketChannelEnum": "tickets.models.Channel",
        "TicketStatusEnum": "tickets.models.Status",
        "GiftKindEnum": "ratings.models.GiftKind",
        "VisitStatusEnum": "technicians.models.VisitStatus",
        "VisitOutcomeEnum": "technicians.models.VisitOutcome",
        "CallOutcomeEnum": "sensitivity.models.CallOutcome",
    },
}

# Real-time -----------------------------------------------------------------------------
REALTIME_HEARTBEAT_SECONDS = env.float("REALTIME_HEARTBEAT_SECONDS", default=15.0)
# Event ids come from a sequence but transactions commit out of id order: a socket's resync
# cursor stays this far behind the newest event, longer than any transaction between writing
# an event and committing it, so one committed late is still found.
REALTIME_SETTLE_SECONDS = env.float("REALTIME_SETTLE_SECONDS", default=10.0)
# A socket's presence lasts this long unless its heartbeat renews it: three beats, so a busy
# server that beats late does not flicker anyone offline.
PRESENCE_TTL_SECONDS = env.float("PRESENCE_TTL_SECONDS", default=3 * REALTIME_HEARTBEAT_SECONDS)
# A person whose last tab closed is announced offline only after this, as their next page
# usually connects within it.
PRESENCE_GRACE_SECONDS = env.float("PRESENCE_GRACE_SECONDS", default=3.0)
# Presence changes are announced at most this often per server process, batched.
PRESENCE_BATCH_SECONDS = env.float("PRESENCE_BATCH_SECONDS", default=0.5)
REALTIME_EVENT_RETENTION_DAYS = env.int("REALTIME_EVENT_RETENTION_DAYS", default=7)

# Production hardening ------------------------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Off only for plain HTTP on this machine (`make run`): browsers keep a Secure cookie
    # from nothing but HTTPS and localhost, so a login at another address would not stick.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Everything comes from our origin, scripts only as files: pages pass data by json_script or
# data-* attributes and carry no inline script, style or handler (templates/, and
# templates/api_docs.html for Swagger UI), so no nonce is needed. 'self' covers the
# same-origin WebSocket at /ws/ too.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Swagger UI's stylesheet draws its icons as data: SVG images.
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Besides loopback (the container's own health check), the networks whose callers see what
# /healthz checked and what failed; everyone else gets only the status.
HEALTHZ_DETAIL_NETWORKS = env.list("HEALTHZ_DETAIL_NETWORKS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Notifications -------------------------------------------------------------------------
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
# Only for pointing the real client at a local fake in tests; empty means Twilio itself.
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="")
SMS_BACKEND = env.str("SMS_BACKEND", default="twilio" if TWILIO_ACCOUNT_SID else "console")
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="mailto:support@example.com")
# The only hosts push is sent to, over HTTPS: the browsers' push services (Chrome and other
# Chromium browsers: FCM; Firefox: Mozilla autopush; Safari: Apple; Edge: Windows WNS).
# "*.domain" allows its subdomains; add ":port" to an entry for a port other than 443.
WEB_PUSH_ALLOWED_HOSTS = env.list(
    "WEB_PUSH_ALLOWED_HOSTS",
    default=[
        "fcm.googleapis.com",
        "updates.push.services.mozilla.com",
        "*.push.apple.com",
        "*.notify.windows.com",
    ],
)
NOTIFICATION_TRANSPORTS = {
    "sms": {
        "twilio": "notifications.transports.TwilioSmsTransport",
        "console": "notifications.transports.ConsoleSmsTransport",
        "locmem": "notifications.transports.LocmemSmsTransport",
    }[SMS_BACKEND],
    "email": "notifications.transports.EmailTransport",
    "push": "notifications.transports.WebPushTransport",
}
NOTIFICATION_SEND_TIMEOUT = env.float("NOTIFICATION_SEND_TIMEOUT", default=10.0)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=30)
NOTIFICATION_STUCK_SECONDS = env.int("NOTIFICATION_STUCK_SECONDS", default=300)
SMS_RATE_PER_RECIPIENT_PER_HOUR = env.int("SMS_RATE_PER_RECIPIENT_PER_HOUR", default=10)
SMS_RATE_PER_ORGANIZATION_PER_HOUR = env.int("SMS_RATE_PER_ORGANIZATION_PER_HOUR", default=1000)
CELERY_BEAT_SCHEDULE["notifications-dispatch-due"] = {
    "task": "notifications.tasks.dispatch_due_notifications",
    "schedule": 30.0,
}
CELERY_BEAT_SCHEDULE["notifications-drain-pending"] = {
    "task": "notifications.tasks.drain_pending_notifications",
    "schedule": 30.0,
}

# Tickets ---------------------------------------------------------------------------------
# Per file; the proxy's request size limit (docker/Caddyfile) is derived from it.
TICKET_ATTACHMENT_MAX_BYTES = env.int("TICKET_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
CELERY_BEAT_SCHEDULE["tickets-send-reminders"] = {
    "task": "tickets.tasks.send_reminders",
    "schedule": 60.0,
}

# Technicians -----------------------------------------------------------------------------
# Per picture of a visit or a technician; at most five go in one request, which keeps a
# request within docker/Caddyfile's limit for ticket attachments.
VISIT_PHOTO_MAX_BYTES = env.int("VISIT_PHOTO_MAX_BYTES", default=8 * 1024 * 1024)
CELERY_BEAT_SCHEDULE["technicians-send-visit-reminders"] = {
    "task": "technicians.tasks.send_visit_reminders",
    "schedule": 60.0,
}

# Ratings ---------------------------------------------------------------------------------
RATING_HALF_LIFE_DAYS = env.float("RATING_HALF_LIFE_DAYS", default=180.0)
RATING_EDIT_WINDOW_HOURS = env.int("RATING_EDIT_WINDOW_HOURS", default=72)
CELERY_BEAT_SCHEDULE["ratings-daily-snapshots"] = {
    "task": "ratings.tasks.snapshot_scores",
    "schedule": 60.0 * 60,
}
