"""`{% slot_links "nav" as links %}` and `{% slot_panels "accounts.customer_home" %}`: what
other apps registered for a slot of this page (csportal.slots)."""

from django import template

from csportal import slots

register = template.Library()


@register.simple_tag(takes_context=True)
def slot_links(context, slot: str) -> list[slots.Link]:
    """The links registered for `slot`, to lay out as the page likes."""
    return slots.links(slot, context)


@register.simple_tag(takes_context=True)
def slot_panels(context, slot: str):
    """The panels registered for `slot`, rendered; `as name` to test for none first."""
    return slots.render_panels(slot, context)
