"""Production settings, loaded the way the servers load them: in a fresh process, from env.

Each test starts Python in a subprocess because settings are read once per process; the
test suite's own settings (csportal.test_settings) must not leak into what is checked.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def production_env(**overrides: str | None) -> dict[str, str]:
    """The environment docker-compose.yml gives the app, plus `overrides` (None removes)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(BASE_DIR)),
        "DJANGO_SETTINGS_MODULE": "csportal.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "portal.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://portal.example.com",
        "PUBLIC_BASE_URL": "https://portal.example.com",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "PROXY_COUNT": "1",
    }
    # Without DATABASE_URL the settings fall back to their embedded SQLite file.
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter with fixed arguments
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_passes_with_production_environment():
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env()
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_load_without_a_secret_key():
    result = run_python(["-c", "import csportal.settings"], production_env(SECRET_KEY=None))

    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_postgresql_database_url_uses_the_psycopg_pool_without_persistent_connections():
    env = production_env(DATABASE_URL="postgres://csportal:secret@db.internal:5432/csportal")
    script = (
        "import json, csportal.settings as s; "
        "print(json.dumps(s.DATABASES['default'], default=str))"
    )

    result = run_python(["-c", script], env)

    assert result.returncode == 0, result.stderr
    database = json.loads(result.stdout)
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["HOST"] == "db.internal"
    assert database["NAME"] == "csportal"
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 10, "timeout": 10.0}


def test_gunicorn_config_and_wsgi_application_load_with_production_settings():
    result = run_python(
        [
            "-m",
            "gunicorn",
            "--check-config",
            "--config",
            "docker/gunicorn.conf.py",
            "csportal.wsgi:application",
        ],
        production_env(),
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_loading_the_wsgi_application_opens_no_connection_and_starts_no_thread():
    # gunicorn imports it once in its master and forks the workers (preload_app): a
    # connection or a thread made at import would be shared by every worker, or lost.
    env = production_env(DATABASE_URL="postgres://csportal:secret@db.internal:5432/csportal")
    script = (
        "import threading, csportal.wsgi; from django.db import connections; "
        "from csportal.celery import app; "
        "print(threading.active_count(), "
        "any(c.connection is not None for c in connections.all()), "
        "app._pool is not None)"
    )

    result = run_python(["-c", script], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "False", "False"]


def test_asgi_application_loads_with_production_settings():
    result = run_python(
        ["-c", "import csportal.asgi; print(type(csportal.asgi.application).__name__)"],
        production_env(),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ProtocolTypeRouter"


def test_env_example_lists_every_variable_the_settings_read():
    settings_source = (BASE_DIR / "csportal" / "settings.py").read_text()
    read = set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", settings_source))
    example = (BASE_DIR / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))

    assert read, "no env reads found in settings.py; has its style changed?"
    assert sorted(read - listed) == []


def test_the_proxy_refuses_exactly_the_requests_larger_than_the_portal_accepts():
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "from tickets.attachments import MAX_FILES; "
        "print(MAX_FILES * settings.TICKET_ATTACHMENT_MAX_BYTES "
        "+ settings.DATA_UPLOAD_MAX_MEMORY_SIZE)"
    )
    caddyfile = (BASE_DIR / "docker" / "Caddyfile").read_text()

    result = run_python(["-c", script], production_env())

    assert result.returncode == 0, result.stderr
    (max_size,) = re.findall(r"request_body\s*\{\s*max_size\s+(\d+)\s*\}", caddyfile)
    assert int(max_size) == int(result.stdout)


def test_make_run_gets_a_private_key_of_its_own_on_the_first_run_and_keeps_it(tmp_path):
    # What the Makefile's `run` sets: no SECRET_KEY, a key file, plain HTTP on this machine.
    env = production_env(
        SECRET_KEY=None,
        SECRET_KEY_FILE=str(tmp_path / "secret_key"),
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        REDIS_URL=None,
        PROXY_COUNT=None,
    )
    script = (
        "import csportal.settings as s; "
        "print(s.SECRET_KEY, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.DEBUG)"
    )

    first = run_python(["-c", script], env)
    second = run_python(["-c", script], env)

    assert first.returncode == 0, first.stderr
    key, *flags = first.stdout.split()
    assert len(key) >= 50
    assert flags == ["False", "False", "False", "False"]
    assert second.stdout == first.stdout
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_production_keeps_its_cookies_to_https():
    script = "import csportal.settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"

    result = run_python(["-c", script], production_env())

    assert result.stdout.split() == ["True", "True"]
