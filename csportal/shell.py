"""What apps add to the context of every signed-in page's frame (templates/base.html).

The frame reads the signed-in person's row once per request; an app that shows a number
there (the bell's unread count, the staff's own presence) adds its expressions to that one
query and turns what was read into its template variables, registered in its
AppConfig.ready(). Where those show on the page is a slot's business (csportal.slots).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Expression
from django.http import HttpRequest


def _nothing(request: HttpRequest) -> Mapping[str, Expression]:
    return {}


@dataclass(frozen=True)
class Part:
    # (request) -> expressions on the person's row, named uniquely (prefix them with the app).
    read: Callable[[HttpRequest], Mapping[str, Expression]]
    # (request, the values read by every part) -> the app's template variables.
    context: Callable[[HttpRequest, Mapping[str, Any]], Mapping[str, Any]]


_parts: dict[str, Part] = {}


def add_part(
    key: str,
    context: Callable[[HttpRequest, Mapping[str, Any]], Mapping[str, Any]],
    *,
    read: Callable[[HttpRequest], Mapping[str, Expression]] = _nothing,
) -> None:
    _parts[key] = Part(read=read, context=context)


def parts() -> list[Part]:
    return list(_parts.values())
