import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import ngettext

register = template.Library()

# Sentiment in [-1, 1]; a small band around zero reads as neutral.
SENTIMENT_BAND = 0.05


@register.filter
def sentiment_label(value: float) -> str:
    if value > SENTIMENT_BAND:
        return "positive"
    if value < -SENTIMENT_BAND:
        return "negative"
    return "neutral"


@register.filter
def stars_label(count: int) -> str:
    """ "1 star", "4 stars": what {% blocktranslate count %} says, at a fraction of its cost
    on a page that repeats it for every review."""
    return ngettext("%(count)d star", "%(count)d stars", count) % {"count": count}


@register.filter
def as_json(value) -> str:
    """`value` as JSON for a data-* attribute (autoescaped there). Not json_script: htmx drops
    every <script> of what it swaps in, and the provider page swaps its chart in live."""
    return json.dumps(value, cls=DjangoJSONEncoder)
