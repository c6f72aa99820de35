"""`{% load visits %}`: pieces of the visit pages drawn in Python, as they repeat for every
visit of a technician's agenda (an include per visit cost more than the rest of its row)."""

from urllib.parse import quote

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def maps_link(visit) -> str:
    """The visit's address, as a link that opens the phone's maps."""
    query = quote(f"{visit.address} {visit.postal_code}", safe="")
    return format_html(
        '<a class="maps-link" href="https://www.google.com/maps/search/?api=1&amp;query={}"'
        ' target="_blank" rel="noopener">{} {}<span class="visually-hidden"> ({})</span></a>',
        query,
        linebreaksbr(visit.address),
        visit.postal_code,
        _("opens maps"),
    )
