"""Dates and times as people read them: in the active language's format (csportal.formats)
and in a time zone, the active one unless a caller names another (an organization's, for a
message composed outside a request).

Templates use the filters of `{% load dates %}`; scripts use static/js/formats.js, which reads
the same format strings from the JavaScript catalog.
"""

import datetime
import zoneinfo

from django.utils import formats, timezone


def _local(value: datetime.datetime, zone: str | datetime.tzinfo | None) -> datetime.datetime:
    if isinstance(zone, str):
        zone = zoneinfo.ZoneInfo(zone)
    if timezone.is_naive(value):
        return value
    return timezone.localtime(value, zone)


def _format(value, name: str, zone) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        value = _local(value, zone)
    return formats.date_format(value, name)


def format_datetime(value, *, zone: str | datetime.tzinfo | None = None) -> str:
    """A moment: its day and time, e.g. "2 Dec 2026, 07:03", "2026年12月2日 07:03"."""
    return _format(value, "DATETIME_FORMAT", zone)


def format_date(value, *, zone: str | datetime.tzinfo | None = None) -> str:
    """A day (a date, or the day a moment falls on in the zone): "2 Dec 2026"."""
    return _format(value, "DATE_FORMAT", zone)


def format_time(value, *, zone: str | datetime.tzinfo | None = None) -> str:
    """A time of day: "07:03"."""
    return _format(value, "TIME_FORMAT", zone)


def format_long_date(value, *, zone: str | datetime.tzinfo | None = None) -> str:
    """A day with its weekday, for a page about one day: "Wednesday 2 December 2026"."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        value = _local(value, zone)
    # Not one of Django's format settings, so get_format() does not know it.
    for module in formats.get_format_modules():
        if hasattr(module, "LONG_DATE_FORMAT"):
            return formats.date_format(value, module.LONG_DATE_FORMAT)
    return formats.date_format(value, "DATE_FORMAT")
