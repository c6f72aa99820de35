"""Who should take a new request: the customer's dedicated agent, else the least busy one.

Domain apps pass what only they know, the skill the request needs and how busy each
candidate is, so this module never imports them.
"""

from collections.abc import Callable, Iterable

from .models import ExclusiveAgent, Membership, PresenceStatus, Role, User

LoadOf = Callable[[list[int]], dict[int, int]]
ROUTABLE_ROLES = (Role.AGENT,)


def _online_agents(organization, user_ids: Iterable[int] | None = None):
    agents = Membership.objects.active().filter(
        organization=organization,
        role__in=ROUTABLE_ROLES,
        accepted_at__isnull=False,
        user__presence__status=PresenceStatus.ONLINE,
    )
    if user_ids is not None:
        agents = agents.filter(user_id__in=list(user_ids))
    return agents


def pick_agent(*, organization, customer: User, skill: str | None, load_of: LoadOf) -> User | None:
    """The agent a new request from `customer` should go to, or None for the queue.

    1. The customer's dedicated agent at this organization, if online.
    2. Otherwise the online agent with `skill` (any online agent when no skill is needed)
       who has the fewest open requests, as `load_of(user_ids)` counts them; ties go to
       the lowest user id, so the choice is deterministic.
    """
    dedicated = (
        ExclusiveAgent.objects.filter(customer=customer, organization=organization)
        .values_list("agent_id", flat=True)
        .first()
    )
    if dedicated and _online_agents(organization, [dedicated]).exists():
        return User.objects.get(pk=dedicated)
    candidates = _online_agents(organization)
    if skill:
        candidates = candidates.filter(skills__skill=skill)
    candidate_ids = sorted(set(candidates.values_list("user_id", flat=True)))
    if not candidate_ids:
        return None
    load = load_of(candidate_ids)
    chosen = min(candidate_ids, key=lambda user_id: (load.get(user_id, 0), user_id))
    return User.objects.get(pk=chosen)
