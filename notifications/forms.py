from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from . import kinds
from .models import Channel


class ChannelsByKindForm(forms.Form):
    """One multiple-choice field per kind (`for_kinds`, else every registered one): which
    channels carry it."""

    def __init__(
        self,
        *args,
        current: dict[str, list[str]],
        for_kinds: Iterable[kinds.Kind] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        for kind in kinds.all_kinds() if for_kinds is None else for_kinds:
            self.fields[kind.name] = forms.MultipleChoiceField(
                label=kind.label,
                choices=Channel.choices,
                required=False,
                initial=current.get(kind.name, list(kind.default_channels)),
                widget=forms.CheckboxSelectMultiple,
            )


class QuietHoursForm(forms.Form):
    start = forms.TimeField(
        label=_("Quiet from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=_("Quiet until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("start")) != bool(cleaned.get("end")):
            self.add_error("end", _("Give both times, or neither to turn quiet hours off."))
        return cleaned
