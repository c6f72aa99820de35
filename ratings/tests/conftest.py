from unittest import mock

import pytest

from tickets.models import Status
from tickets.tests.factories import answered_ticket


@pytest.fixture(autouse=True)
def _no_delivery():
    # Outside channels are delivered by workers; these tests look at rows, pages and events.
    with mock.patch("notifications.services.delivery._enqueue"):
        yield


@pytest.fixture
def edit_window_72h(settings):
    """The edit window the refusal messages in these tests name, whatever the environment
    sets."""
    settings.RATING_EDIT_WINDOW_HOURS = 72


@pytest.fixture
def resolved_ticket(organization, customer, agent):
    return answered_ticket(organization, customer=customer, assignee=agent, status=Status.RESOLVED)
