from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.models import Ticket

from .models import GiftKind

STAR_CHOICES = [(n, str(n)) for n in range(1, 6)]


class RatingForm(forms.Form):
    """Stars and words: rating a ticket's service, or changing a review already posted."""

    stars = forms.TypedChoiceField(
        label=_("Stars"), choices=STAR_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Your review"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReviewForm(RatingForm):
    ticket = forms.ModelChoiceField(
        label=_("About the request"),
        queryset=Ticket.objects.none(),
        required=False,
        empty_label=_("None in particular"),
    )

    def __init__(self, *args, tickets, ticket_choices, **kwargs):
        """`tickets`: the customer's own with this provider, the only ones that can be
        chosen; `ticket_choices`: their (id, label), as the select shows them."""
        super().__init__(*args, **kwargs)
        self.fields["ticket"].queryset = tickets
        self.ticket_choices = ticket_choices

    def render_key(self):
        """What the form shows beyond its fixed fields (see csportal.templatetags.form_tags)."""
        return self.ticket_choices


class GiftForm(forms.Form):
    kind = forms.ChoiceField(label=_("Gift"), choices=GiftKind.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("A note"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResponseForm(forms.Form):
    body = forms.CharField(
        label=_("Your public answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FlagForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=300, required=False)
