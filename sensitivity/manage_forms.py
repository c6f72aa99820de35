"""The managers' forms: a code of the table with its guidance, and the access log's filter."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership

from .models import CODE_MAX, DESCRIPTION_MAX, KNACK_MAX, LABEL_MAX, Audience, Category

# The form field that carries each audience's guidance; code_save names its errors the same.
GUIDANCE_FIELDS = {audience: f"guidance_{audience}" for audience in Audience.values}


class CodeForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    code = forms.CharField(
        label=_("Code"),
        max_length=CODE_MAX,
        help_text=_("Letters, digits or dashes; what the desk types to pick it."),
    )
    label = forms.CharField(label=_("Label"), max_length=LABEL_MAX)
    description = forms.CharField(
        label=_("What to look for"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    guidance_reception = forms.CharField(
        label=_("Guidance for reception"),
        max_length=KNACK_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    guidance_technician = forms.CharField(
        label=_("Guidance for the technician"),
        max_length=KNACK_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    guidance_confirmation = forms.CharField(
        label=_("Guidance for the confirmation call"),
        max_length=KNACK_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_active = forms.BooleanField(
        label=_("In use"),
        required=False,
        initial=True,
        help_text=_("A retired code stays on the customers it was given to but can't be picked."),
    )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "category": data["category"],
            "code_text": data["code"],
            "label": data["label"],
            "description": data["description"],
            "guidance": {audience: data[field] for audience, field in GUIDANCE_FIELDS.items()},
            "is_active": data["is_active"],
        }


def code_initial(code) -> dict:
    """The stored texts of a code, as its managers wrote them (not translated)."""
    knacks = {knack.audience: knack.text for knack in code.knacks.all()}
    return {
        "category": code.category,
        "code": code.code,
        "label": code.label,
        "description": code.description,
        "is_active": code.is_active,
        **{field: knacks.get(audience, "") for audience, field in GUIDANCE_FIELDS.items()},
    }


class ReadLogFilterForm(forms.Form):
    customer = forms.CharField(
        label=_("Customer email"), max_length=254, required=False, widget=forms.EmailInput
    )
    reader = forms.TypedChoiceField(
        label=_("Read by"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        staff = (
            Membership.objects.filter(organization=organization)
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )
        self.fields["reader"].choices = [("", _("Anyone"))] + [
            (membership.user_id, str(membership.user)) for membership in staff
        ]
