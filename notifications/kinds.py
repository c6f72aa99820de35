"""Kinds of notification, registered by the apps that send them.

A kind names an event people can choose channels for ("ticket.updated"); the app that sends
it registers it in its AppConfig.ready(), so this app never imports the domain apps.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Channel


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    default_channels: tuple[str, ...]


_registry: dict[str, Kind] = {}


def register(name: str, label: str, default_channels=(Channel.IN_APP, Channel.EMAIL)) -> Kind:
    unknown = set(default_channels) - set(Channel.values)
    if unknown:
        raise ValueError(f"unknown channels for {name}: {sorted(unknown)}")
    kind = Kind(name, label, tuple(default_channels))
    _registry[name] = kind
    return kind


def get(name: str) -> Kind:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"notification kind {name!r} is not registered") from None


def all_kinds() -> list[Kind]:
    return sorted(_registry.values(), key=lambda kind: kind.name)


GENERAL = register("general", _("General announcements"), (Channel.IN_APP, Channel.EMAIL))
