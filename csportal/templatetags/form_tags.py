from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import get_language

register = template.Library()

# (form class, prefix, language) -> the fields' HTML, for forms that say it never changes.
_static_fields: dict[tuple, str] = {}


@register.simple_tag
def form_fields(form) -> str:
    """includes/form_fields.html for `form`.

    An unbound form whose class sets `static_fields = True` (no choices or initial values
    read from the database or the request) renders the same for everyone in a language, so it
    is rendered once per process and language: the staff ticket page shows three such forms
    on every view. DEBUG renders every time, so template edits show at once.
    """
    if form.is_bound or not getattr(form, "static_fields", False) or settings.DEBUG:
        return render_to_string("includes/form_fields.html", {"form": form})
    key = (type(form), form.prefix, get_language())
    html = _static_fields.get(key)
    if html is None:
        html = _static_fields[key] = render_to_string("includes/form_fields.html", {"form": form})
    return html
