from django import template
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
