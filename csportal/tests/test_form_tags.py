from unittest import mock

from django import forms
from django.utils import translation

from csportal.templatetags import form_tags


class NoteForm(forms.Form):
    static_fields = True
    body = forms.CharField(label="Note", help_text="Only colleagues see it.")


class ChoiceForm(forms.Form):
    person = forms.ChoiceField(label="Person")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = people


def test_an_unbound_static_form_is_rendered_once_per_prefix_and_language():
    with mock.patch.object(
        form_tags, "render_to_string", wraps=form_tags.render_to_string
    ) as render:
        first = form_tags.form_fields(NoteForm(prefix="a"))
        again = form_tags.form_fields(NoteForm(prefix="a"))
        other_prefix = form_tags.form_fields(NoteForm(prefix="b"))
        with translation.override("ko"):
            form_tags.form_fields(NoteForm(prefix="a"))

    assert first == again
    assert 'id="id_a-body"' in first
    assert "Only colleagues see it." in first
    assert 'id="id_b-body"' in other_prefix
    assert render.call_count == 3


def test_a_bound_form_and_a_form_with_changing_choices_are_rendered_every_time():
    refused = form_tags.form_fields(NoteForm({"a-body": ""}, prefix="a"))
    alice = form_tags.form_fields(ChoiceForm(people=[("1", "Alice")]))
    bob = form_tags.form_fields(ChoiceForm(people=[("2", "Bob")]))

    assert "This field is required." in refused
    assert "Alice" in alice
    assert "Bob" in bob


class KeyedChoiceForm(ChoiceForm):
    def render_key(self):
        return tuple(self.fields["person"].choices)


def test_a_form_with_a_render_key_is_rendered_once_per_key():
    with mock.patch.object(
        forms.BoundField, "__str__", autospec=True, side_effect=forms.BoundField.__str__
    ) as render:
        alice = form_tags.field_html(KeyedChoiceForm(people=[("1", "Alice")])["person"])
        again = form_tags.field_html(KeyedChoiceForm(people=[("1", "Alice")])["person"])
        bob = form_tags.field_html(KeyedChoiceForm(people=[("2", "Bob")])["person"])

    assert alice == again
    assert "Alice" in alice
    assert "Bob" in bob
    assert render.call_count == 2
