"""The code pickers' fields (desk, completion report, confirmation call) and the call form.

A picker posts the boxes ticked (`sensitivity_codes`, code ids) and the codes typed
(`sensitivity_codes_typed`, "n2 e1"); services.codes_parse turns both into codes."""

from collections.abc import Mapping

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NOTE_MAX, REASON_MAX, CallOutcome
from .services import CODES_FIELD


def ticked_ids(data: Mapping) -> set[int]:
    """The ids of the boxes ticked, to tick them again when the page comes back with an
    error (the typed codes come back in their field and tick their boxes as the page loads)."""
    getlist = getattr(data, "getlist", None)
    boxes = getlist(CODES_FIELD) if getlist else []
    return {int(box) for box in boxes if str(box).isdigit()}


class CallForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("How did the call go?"),
        choices=CallOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose satisfied, dissatisfied or further request.")},
    )
    reason = forms.CharField(
        label=_("Why dissatisfied, or what they ask for"),
        help_text=_("Needed unless they are satisfied; a further request becomes a new visit."),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
