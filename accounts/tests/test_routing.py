"""Routing on its own, with a load the test defines (domain apps pass their own)."""

from accounts import routing
from accounts.language import language_for
from accounts.models import Role, User
from accounts.tests.factories import CustomerProfileFactory, online, staff

NOBODY_IS_BUSY = None


def test_the_picked_agent_is_the_whole_user_as_the_orm_reads_it(organization, customer):
    agent = online(staff(organization, Role.AGENT, full_name="Ada Agent", timezone="Asia/Tokyo"))

    picked = routing.pick_agent(
        organization=organization, customer=customer, skill=None, load=NOBODY_IS_BUSY
    )

    stored = User.objects.get(pk=agent.pk)
    assert picked == stored
    for field in User._meta.concrete_fields:
        assert getattr(picked, field.attname) == getattr(stored, field.attname), field.name
    assert picked._state.adding is False


def test_the_picked_agent_comes_with_their_language(
    organization, customer, django_assert_num_queries
):
    agent = online(staff(organization, Role.AGENT))
    CustomerProfileFactory(user=agent, language="ko")
    picked = routing.pick_agent(
        organization=organization, customer=customer, skill=None, load=NOBODY_IS_BUSY
    )

    with django_assert_num_queries(0):
        assert language_for(picked) == "ko"
    assert picked.customer_profile.pk == agent.customer_profile.pk


def test_a_picked_agent_without_a_profile_is_written_to_in_the_default_language(
    organization, customer
):
    agent = online(staff(organization, Role.AGENT))
    picked = routing.pick_agent(
        organization=organization, customer=customer, skill=None, load=NOBODY_IS_BUSY
    )

    assert picked == agent
    assert language_for(picked) == "en"


def test_nobody_online_leaves_the_request_for_the_queue(organization, customer):
    staff(organization, Role.AGENT)

    picked = routing.pick_agent(
        organization=organization, customer=customer, skill="electrics", load=NOBODY_IS_BUSY
    )

    assert picked is None
