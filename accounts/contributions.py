"""What accounts adds to the project's registries, from AccountsConfig.ready().

csportal's plumbing imports no app (csportal.realtime): accounts tells it the groups a user
joins by right and how sockets make staff present.
"""

from csportal import realtime

from . import presence
from .selectors import realtime_groups_for, request_memberships


def register() -> None:
    realtime.register_groups_provider("accounts", groups_by_right)
    realtime.register_presence(
        realtime.PresenceHooks(
            counts=presence.counts_in_presence,
            connect=presence.presence_connect,
            set=presence.presence_set,
            renew=presence.presence_renew,
            disconnect=presence.presence_disconnect,
            announce=presence.presence_announce,
            pending=presence.anyone_pending,
        )
    )


def groups_by_right(user, request=None) -> list[str]:
    """`realtime_groups_for`, from the memberships the request read already if there is one."""
    memberships = request_memberships(request) if request is not None else None
    return realtime_groups_for(user, memberships)
