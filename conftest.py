"""Personas shared by every test: the people of two organizations and two customers."""

from contextlib import contextmanager

import pytest
from channels.layers import channel_layers
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils import translation

from accounts.models import Role
from accounts.tests.factories import CustomerFactory, OrganizationFactory, staff


def _clear_cache():
    # RedisCache.clear() is FLUSHDB: it would also wipe the broker and channel layer of
    # anything else on that Redis. Delete only this run's keys.
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        # A thousand at a time: with SCAN's default of ten, a Redis holding other keys
        # (a benchmark's 10,000) took a thousand round trips before and after every test.
        keys = list(client.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    # A layer instance remembers the event loop of a receive() in progress; a live server's
    # loop from an earlier test would make the next test's sockets fail to receive.
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the portal's language: a page read in Chinese or Korean through the
    test client leaves its language active in the thread, as nothing deactivates it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    _clear_cache()
    yield
    _clear_cache()


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Acme Repairs", slug="acme")


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Globex Service", slug="globex")


@pytest.fixture
def customer(db):
    return CustomerFactory(email="chris@example.com", full_name="Chris Customer")


@pytest.fixture
def other_customer(db):
    return CustomerFactory(email="casey@example.com", full_name="Casey Customer")


@pytest.fixture
def manager(organization):
    return staff(organization, Role.MANAGER, email="maria@acme.example", full_name="Maria Manager")


@pytest.fixture
def agent(organization):
    return staff(organization, Role.AGENT, email="alex@acme.example", full_name="Alex Agent")


@pytest.fixture
def receptionist(organization):
    return staff(
        organization, Role.RECEPTIONIST, email="rita@acme.example", full_name="Rita Reception"
    )


@pytest.fixture
def technician(organization):
    return staff(
        organization, Role.TECHNICIAN, email="tom@acme.example", full_name="Tom Technician"
    )


@pytest.fixture
def other_manager(other_organization):
    return staff(
        other_organization, Role.MANAGER, email="gina@globex.example", full_name="Gina Globex"
    )


@pytest.fixture
def other_agent(other_organization):
    return staff(other_organization, Role.AGENT, email="gus@globex.example", full_name="Gus Globex")


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker thread on the configured broker (memory locally, Redis in CI)."""
    from celery.contrib.testing.worker import start_worker

    from csportal.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """`with after_commit():` runs what the changes inside schedule for after their commit,
    as production would: channel sends, and Celery tasks (in this thread, eagerly), so a
    test sees the notifications a worker would write."""
    from csportal.celery import app

    @contextmanager
    def running():
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = True
        try:
            with django_capture_on_commit_callbacks(execute=True):
                yield
        finally:
            app.conf.task_always_eager = eager

    return running
