import pytest
from django.test import RequestFactory

from accounts.models import Presence, PresenceStatus
from csportal import context_processors
from csportal.realtime import org_staff_group, publish, user_group
from notifications.models import Channel, Status
from notifications.tests.factories import NotificationFactory


def shell_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return context_processors.shell(request)


def unread(user, count):
    for _ in range(count):
        NotificationFactory(recipient=user, channel=Channel.IN_APP, address="", status=Status.SENT)


@pytest.mark.django_db
def test_the_shell_reads_each_persons_own_numbers_and_the_events_their_page_shows(
    customer, agent, organization, django_assert_num_queries
):
    unread(customer, 2)
    unread(agent, 5)
    customer_event = publish("test.event", {}, groups=[user_group(customer.pk)])[0]
    staff_event = publish("test.event", {}, groups=[org_staff_group(organization.pk)])[0]
    Presence.objects.create(user=agent, status=PresenceStatus.AWAY)

    customer_shell = shell_of(customer)
    # The memberships, the numbers in one row, the events above the resume point.
    with django_assert_num_queries(3):
        agent_shell = shell_of(agent)

    assert agent_shell["realtime_config"]["shown"] == [staff_event.pk]
    assert (agent_shell["unread_notifications"], agent_shell["my_presence"]) == (5, "away")
    assert customer_shell["realtime_config"]["shown"] == [customer_event.pk]
    assert customer_shell["unread_notifications"] == 2
    assert customer_shell["realtime_config"]["staff"] is False


@pytest.mark.django_db
def test_a_person_with_no_events_notifications_or_presence_starts_from_zero(agent):
    shell = shell_of(agent)

    assert (shell["realtime_config"]["cursor"], shell["realtime_config"]["shown"]) == (0, [])
    assert (shell["unread_notifications"], shell["my_presence"]) == (0, PresenceStatus.OFFLINE)
