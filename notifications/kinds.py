"""Kinds of notification, registered by the apps that send them.

A kind names an event people can choose channels for ("ticket.updated"); the app that sends
it registers it in its AppConfig.ready(), so this app never imports the domain apps. It
names the people it concerns: customers, staff in some roles, or both. A person's settings
list only the kinds they can receive (selectors.kinds_for).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from .models import Channel

# Everyone signed in counts as a customer: staff open requests and review other providers
# too. Staff roles are accounts.models.Role's.
CUSTOMER = "customer"
EVERYONE = frozenset({CUSTOMER, *Role.values})


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    default_channels: tuple[str, ...]
    audience: frozenset[str]  # CUSTOMER and/or staff roles: whom it is sent to


_registry: dict[str, Kind] = {}


def register(
    name: str,
    label: str,
    default_channels=(Channel.IN_APP, Channel.EMAIL),
    *,
    audience: Iterable[str],
) -> Kind:
    unknown = set(default_channels) - set(Channel.values)
    if unknown:
        raise ValueError(f"unknown channels for {name}: {sorted(unknown)}")
    audience = frozenset(audience)
    if not audience or audience - EVERYONE:
        raise ValueError(f"audience of {name} must be among {sorted(EVERYONE)}: {sorted(audience)}")
    kind = Kind(name, label, tuple(default_channels), audience)
    _registry[name] = kind
    return kind


def get(name: str) -> Kind:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"notification kind {name!r} is not registered") from None


def all_kinds() -> list[Kind]:
    return sorted(_registry.values(), key=lambda kind: kind.name)


def for_audience(audience: Iterable[str]) -> list[Kind]:
    """The kinds sent to anyone among `audience` (CUSTOMER and staff roles)."""
    audience = frozenset(audience)
    return [kind for kind in all_kinds() if kind.audience & audience]


GENERAL = register(
    "general", _("General announcements"), (Channel.IN_APP, Channel.EMAIL), audience=EVERYONE
)
