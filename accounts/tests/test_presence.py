"""Presence: derived from each socket's expiring connection, announced in batches."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Presence, PresenceConnection, PresenceStatus, Role
from accounts.presence import (
    live_statuses,
    presence_announce,
    presence_connect,
    presence_disconnect,
    presence_expire,
    presence_renew,
    presence_renew_many,
    presence_set,
)
from accounts.tests.factories import MembershipFactory
from csportal.models import Event
from csportal.realtime import org_staff_group

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture(autouse=True)
def _production_timings(settings):
    settings.PRESENCE_TTL_SECONDS = 45
    settings.PRESENCE_GRACE_SECONDS = 3


def later(seconds: float):
    return NOW + timedelta(seconds=seconds)


def announcements() -> list[tuple[str, list[tuple[int, str]]]]:
    rows = Event.objects.filter(type="presence.changed").order_by("id")
    return [
        (row.group, [(person["user"], person["status"]) for person in row.data["people"]])
        for row in rows
    ]


def announced_status(user) -> str:
    return Presence.objects.get(user=user).status


def test_a_connection_puts_a_member_online_in_every_organization_they_work_for(
    organization, other_organization, agent
):
    MembershipFactory(user=agent, organization=other_organization, role=Role.AGENT)

    presence_connect(user=agent, channel="tab-1", now=NOW)
    changed = presence_announce(now=NOW)

    assert changed == 1
    assert live_statuses([agent.pk], now=NOW) == {agent.pk: PresenceStatus.ONLINE}
    assert announcements() == [
        (org_staff_group(organization.pk), [(agent.pk, "online")]),
        (org_staff_group(other_organization.pk), [(agent.pk, "online")]),
    ]


def test_many_people_connecting_are_announced_in_one_event_per_organization(
    organization, agent, manager, receptionist
):
    for person in (agent, manager, receptionist):
        presence_connect(user=person, channel=f"tab-{person.pk}", now=NOW)

    presence_announce(now=NOW)

    assert announcements() == [
        (
            org_staff_group(organization.pk),
            sorted([(agent.pk, "online"), (manager.pk, "online"), (receptionist.pk, "online")]),
        )
    ]


def test_a_second_tab_is_not_announced_again(agent):
    presence_connect(user=agent, channel="tab-1", now=NOW)
    presence_announce(now=NOW)

    presence_connect(user=agent, channel="tab-2", now=NOW)
    presence_announce(now=NOW)

    assert len(announcements()) == 1


def test_closing_one_of_two_tabs_keeps_the_member_online(agent):
    presence_connect(user=agent, channel="tab-1", now=NOW)
    presence_connect(user=agent, channel="tab-2", now=NOW)
    presence_announce(now=NOW)

    presence_disconnect(user=agent, channel="tab-1", now=later(1))
    presence_announce(now=later(10))

    assert announced_status(agent) == "online"
    assert len(announcements()) == 1


def test_the_last_tab_closing_is_announced_offline_only_after_the_grace(agent):
    presence_connect(user=agent, channel="tab-1", now=NOW)
    presence_announce(now=NOW)

    presence_disconnect(user=agent, channel="tab-1", now=later(1))
    within_grace = presence_announce(now=later(2))
    after_grace = presence_announce(now=later(4.1))

    assert (within_grace, after_grace) == (0, 1)
    assert announced_status(agent) == "offline"
    assert [people for _group, people in announcements()] == [
        [(agent.pk, "online")],
        [(agent.pk, "offline")],
    ]


def test_moving_through_ten_pages_counts_one_connection_and_announces_nothing_new(agent):
    presence_connect(user=agent, channel="page-0", now=NOW)
    presence_announce(now=NOW)

    for page in range(1, 11):
        # The old page's socket closes, the next page's opens a moment later.
        presence_disconnect(user=agent, channel=f"page-{page - 1}", now=later(page))
        presence_announce(now=later(page + 0.1))
        presence_connect(user=agent, channel=f"page-{page}", now=later(page + 0.2))
        presence_announce(now=later(page + 0.3))

    assert PresenceConnection.objects.filter(user=agent).count() == 1
    assert announced_status(agent) == "online"
    assert len(announcements()) == 1


def test_a_member_is_away_only_when_every_tab_is_idle(agent):
    presence_connect(user=agent, channel="tab-1", now=NOW)
    presence_connect(user=agent, channel="tab-2", now=NOW)

    presence_set(user=agent, channel="tab-1", away=True, now=NOW)
    one_idle = live_statuses([agent.pk], now=NOW)[agent.pk]
    presence_set(user=agent, channel="tab-2", away=True, now=NOW)
    both_idle = live_statuses([agent.pk], now=NOW)[agent.pk]
    presence_set(user=agent, channel="tab-1", away=False, now=NOW)
    back = live_statuses([agent.pk], now=NOW)[agent.pk]

    assert (one_idle, both_idle, back) == ("online", "away", "online")


def test_a_connection_nobody_renews_expires_and_its_member_is_announced_offline(
    agent, receptionist
):
    # As if the server holding the agent's socket was killed: only the receptionist's renews.
    presence_connect(user=agent, channel="killed", now=NOW)
    presence_connect(user=receptionist, channel="alive", now=NOW)
    presence_announce(now=NOW)
    presence_renew(user=receptionist, channel="alive", away=False, now=later(30))

    online_before = live_statuses([agent.pk], now=later(44))[agent.pk]
    online_after = live_statuses([agent.pk], now=later(46))[agent.pk]
    expired = presence_expire(now=later(46))
    presence_announce(now=later(46))
    expired_again = presence_expire(now=later(46))

    assert (online_before, online_after) == ("online", "offline")
    assert (expired, expired_again) == (1, 0)
    assert announced_status(agent) == "offline"
    assert announced_status(receptionist) == "online"
    assert [people for _group, people in announcements()][-1] == [(agent.pk, "offline")]


def test_a_connection_swept_while_its_server_was_busy_comes_back_with_its_heartbeat(agent):
    presence_connect(user=agent, channel="slow", now=NOW)
    presence_expire(now=later(100))

    presence_renew(user=agent, channel="slow", away=False, now=later(101))
    presence_announce(now=later(101))

    assert live_statuses([agent.pk], now=later(101))[agent.pk] == "online"
    assert announced_status(agent) == "online"


def test_a_customer_has_no_presence_to_announce(customer):
    presence_connect(user=customer, channel="tab-1", now=NOW)

    presence_announce(now=NOW)

    assert announcements() == []


def test_renewing_many_connections_at_once_keeps_them_alive_and_brings_back_none_that_closed(
    agent, manager
):
    presence_connect(user=agent, channel="tab-a", now=NOW)
    presence_connect(user=manager, channel="tab-m", now=NOW)
    presence_disconnect(user=manager, channel="tab-m", now=later(1))

    renewed = presence_renew_many(channels=["tab-a", "tab-m"], now=later(40))

    assert renewed == 1
    assert live_statuses([agent.pk, manager.pk], now=later(80)) == {
        agent.pk: "online",
        manager.pk: "offline",
    }
