from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import get_language

register = template.Library()

# (form class, prefix, render key, language, field) -> HTML. Emptied when full rather than
# kept in order: the keys are few (forms x choices x languages), and a refill is one render.
_rendered: dict[tuple, str] = {}
MAX_RENDERED = 4096


def _render_key(form):
    """What an unbound form's HTML depends on, or None when it may differ every time.

    A form class opts in with `static_fields = True` (nothing read from the database or the
    request) or a `render_key()` method returning a hashable value that captures everything
    its fields show (choices, initial values). The staff ticket page shows six such forms on
    every view. DEBUG renders every time, so template edits show at once.
    """
    if form.is_bound or settings.DEBUG:
        return None
    if getattr(form, "static_fields", False):
        return ()
    render_key = getattr(form, "render_key", None)
    return render_key() if render_key else None


def _once(form, field_name: str, render) -> str:
    key = _render_key(form)
    if key is None:
        return render()
    key = (type(form), form.prefix, key, get_language(), field_name)
    html = _rendered.get(key)
    if html is None:
        if len(_rendered) >= MAX_RENDERED:
            _rendered.clear()
        html = _rendered[key] = render()
    return html


@register.simple_tag
def form_fields(form) -> str:
    """includes/form_fields.html for `form`, rendered once per render key (see above)."""
    return _once(form, "", lambda: render_to_string("includes/form_fields.html", {"form": form}))


@register.simple_tag
def field_html(field) -> str:
    """`{{ field }}` (its widget), rendered once per render key of its form (see above)."""
    return _once(field.form, field.name, lambda: str(field))
