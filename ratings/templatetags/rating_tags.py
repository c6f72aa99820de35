from django import template

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
