"""`{% load dates %}`: every date and time a page shows, through csportal.dates.

<time datetime="{{ ticket.created_at|date:'c' }}">{{ ticket.created_at|when }}</time>
"""

from django import template
from django.utils import timezone

from csportal import dates

register = template.Library()


@register.filter
def when(value) -> str:
    """A moment, day and time, in the active zone."""
    return dates.format_datetime(value)


@register.filter
def day(value) -> str:
    """The day a moment falls on in the active zone, or a date."""
    return dates.format_date(value)


@register.filter
def clock(value) -> str:
    """A time of day."""
    return dates.format_time(value)


@register.filter
def long_day(value) -> str:
    """A day with its weekday."""
    return dates.format_long_date(value)


@register.simple_tag
def today() -> str:
    """Today with its weekday, in the active zone."""
    return dates.format_long_date(timezone.localdate())
