"""The slots registry: apps add links and panels to a page's named places."""

import pytest
from django.template import Context, Template

from csportal import slots


@pytest.fixture
def empty_slot(monkeypatch):
    monkeypatch.setattr(slots, "_links", {})
    monkeypatch.setattr(slots, "_panels", {})
    return "test.page"


def render(source: str, **context) -> str:
    return Template("{% load slot_tags %}" + source).render(Context(context)).strip()


def test_links_come_in_their_order_whoever_registered_first(empty_slot):
    slots.add_links(empty_slot, "b", lambda context: [slots.Link("Second", "/b/")], order=20)
    slots.add_links(empty_slot, "a", lambda context: [slots.Link("First", "/a/")], order=10)

    html = render(
        '{% slot_links "test.page" as links %}{% for l in links %}{{ l.label }};{% endfor %}'
    )

    assert html == "First;Second;"


def test_a_panel_with_nothing_to_show_is_left_out_and_the_others_see_the_page_context(
    empty_slot,
):
    slots.add_panel(empty_slot, "includes/messages.html", lambda context: None)
    slots.add_links(empty_slot, "x", lambda context: [])

    assert render('{% slot_panels "test.page" %}') == ""
    assert render('{% slot_links "test.page" as links %}{{ links|length }}') == "0"


def test_a_panel_renders_its_template_with_what_its_context_adds(empty_slot, tmp_path, settings):
    (tmp_path / "panel.html").write_text("{{ who }} & {{ extra }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    slots.add_panel(empty_slot, "panel.html", lambda context: {"extra": "<b>"})

    html = render('{% slot_panels "test.page" as panels %}[{{ panels }}]', who="Ann")

    assert html == "[Ann & &lt;b&gt;]"


def test_registering_the_same_key_again_replaces_it(empty_slot):
    slots.add_links(empty_slot, "k", lambda context: [slots.Link("Old", "/")])
    slots.add_links(empty_slot, "k", lambda context: [slots.Link("New", "/")])

    assert [link.label for link in slots.links(empty_slot, Context())] == ["New"]
