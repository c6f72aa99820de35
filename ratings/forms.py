from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import COMMENT_MAX_LENGTH, NOTE_MAX_LENGTH, GiftKind
from .selectors import SUBJECT_GROUPS


def _stars_label(count: int) -> str:
    return ngettext("%(count)d star", "%(count)d stars", count) % {"count": count}


# "3 stars": what each star is called to a screen reader, and in tests; worded when shown, in
# the reader's language (formatting a lazy plural here would fix it in the language loaded).
STAR_CHOICES = [(n, lazy(_stars_label, str)(n)) for n in range(1, 6)]


class StarsInput(forms.RadioSelect):
    """A row of stars to pick from, still a group of radio buttons: it works without
    JavaScript, the arrow keys move along it, and each star is a 44 px target."""

    template_name = "ratings/widgets/stars.html"


class RatingForm(forms.Form):
    """Stars and words: rating a ticket's service, or changing a review already posted."""

    stars = forms.TypedChoiceField(
        label=_("Stars"), choices=STAR_CHOICES, coerce=int, widget=StarsInput
    )
    comment = forms.CharField(
        label=_("Your review"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReviewForm(RatingForm):
    about = forms.ChoiceField(
        label=_("About"),
        required=False,
        error_messages={
            "invalid_choice": _(
                "Choose one of the listed requests, visits or chats; those you have "
                "reviewed are not listed."
            )
        },
    )

    def __init__(self, *args, subjects, **kwargs):
        """`subjects`: the customer's selectors.Reviewable with this provider, the only ones
        that can be chosen, grouped in the select by kind."""
        super().__init__(*args, **kwargs)
        self.subjects = {subject.value: subject for subject in subjects}
        groups = {}
        for subject in subjects:
            groups.setdefault(subject.field, []).append((subject.value, subject.label))
        self.fields["about"].choices = [
            ("", _("The provider in general")),
            *((label, groups[field]) for field, label in SUBJECT_GROUPS.items() if field in groups),
        ]

    def clean_about(self) -> dict:
        """{field: object} for the service: the chosen ticket, visit or chat, or nothing."""
        subject = self.subjects.get(self.cleaned_data["about"])
        if subject is None:
            return {}
        found = subject.fetch()
        if found is None:
            raise forms.ValidationError(_("That is gone; choose again."))
        return {subject.field: found}

    def review_fields(self) -> dict:
        """The cleaned form as services.review_post takes it."""
        data = dict(self.cleaned_data)
        return {**data.pop("about"), **data}


class GiftForm(forms.Form):
    kind = forms.ChoiceField(label=_("Gift"), choices=GiftKind.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("A note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ResponseForm(forms.Form):
    body = forms.CharField(
        label=_("Your public answer"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FlagForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=NOTE_MAX_LENGTH, required=False)
