"""Forms of the reception desk and the manager's pages: they parse input; the services decide."""

import re
from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import active_user_by_email

from .models import MAX_VISIT, BranchOffice, ProductLine, ServiceArea, Weekday

DAY_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"]
# "10" is ten o'clock, not 01:00 as "%H%M" would read it; "930" is 09:30.
TIME_FORMATS = ["%H:%M", "%H.%M", "%H", "%H%M"]
_SPLIT = re.compile(r"[\s,;]+")
_HOURS = re.compile(r"^\s*(\d{1,2}(?::\d{2})?)\s*-\s*(\d{1,2}(?::\d{2})?)\s*$")


class DeskSearchForm(forms.Form):
    """What the caller wants: where, for what, when. The desk searches as it is typed."""

    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    product = forms.ModelChoiceField(label=_("Product"), queryset=ProductLine.objects.none())
    # Text fields, not pickers: a date picker's Tab walks through its parts, a clock picker
    # wants AM/PM; "2031-01-07" and "10", "1030" or "10:30" are typed without leaving the keys.
    day = forms.DateField(
        label=_("Day"),
        input_formats=DAY_FORMATS,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"placeholder": "2031-01-07"}),
    )
    start_time = forms.TimeField(
        label=_("Time"),
        input_formats=TIME_FORMATS,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "10:00"}),
    )
    minutes = forms.IntegerField(
        label=_("Minutes"), min_value=15, max_value=MAX_VISIT.seconds // 60
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["product"].queryset = ProductLine.objects.filter(organization=organization)
        self.fields["product"].empty_label = None
        self.fields["postal_code"].widget.attrs.update(autocomplete="off", autofocus=True)

    def window(self) -> tuple[datetime, datetime]:
        """The wished [start, end) in the organization's time zone (the page's current one)."""
        data = self.cleaned_data
        start = timezone.make_aware(datetime.combine(data["day"], data["start_time"]))
        return start, start + timedelta(minutes=data["minutes"])


class DeskBookForm(DeskSearchForm):
    """The search, the caller and the offer picked from the results (technician@start)."""

    customer_email = forms.EmailField(label=_("Caller's email"))
    address = forms.CharField(label=_("Address"), max_length=500)
    symptoms = forms.CharField(
        label=_("What is wrong"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    customer_notes = forms.CharField(
        label=_("Notes for the technician"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    choice = forms.CharField(
        error_messages={"required": _("Pick a technician or a time from the results.")}
    )
    request = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_customer_email(self) -> User:
        email = self.cleaned_data["customer_email"]
        customer = active_user_by_email(email)
        if customer is None:
            raise ValidationError(
                _("No customer account has this email. Ask the caller to sign up, or check it.")
            )
        return customer

    def clean_choice(self) -> tuple[int, datetime]:
        technician, _at, start = self.cleaned_data["choice"].partition("@")
        try:
            moment = datetime.fromisoformat(start)
            return int(technician), moment
        except ValueError:
            raise ValidationError(_("Pick a technician or a time from the results.")) from None

    def clean(self):
        data = super().clean()
        # A picked alternative carries its own time, which wins over the one typed.
        if "choice" in data and "minutes" in data:
            start = data["choice"][1]
            if timezone.is_naive(start):
                start = timezone.make_aware(start)
            data["window"] = (start, start + timedelta(minutes=data["minutes"]))
        return data


# The manager's catalogues ------------------------------------------------------------------


class BranchOfficeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(
        label=_("Address"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)


class ServiceAreaForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    branch_office = forms.ModelChoiceField(label=_("Office"), queryset=BranchOffice.objects.none())
    prefixes = forms.CharField(
        label=_("Postal code prefixes"),
        help_text=_("Separated by spaces or commas, e.g. LS1 LS2 LS6."),
        max_length=2000,
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch_office"].queryset = BranchOffice.objects.filter(
            organization=organization
        )

    def clean_prefixes(self) -> list[str]:
        return [prefix for prefix in _SPLIT.split(self.cleaned_data["prefixes"]) if prefix]


class ProductLineForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    skill = forms.SlugField(
        label=_("Skill"),
        max_length=50,
        required=False,
        help_text=_("Made from the name when left empty; it can't change later."),
    )


class TechnicianProfileForm(forms.Form):
    introduction = forms.CharField(
        label=_("Introduction"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    years_of_experience = forms.IntegerField(
        label=_("Years of experience"), min_value=0, max_value=70
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("A JPEG, PNG or WebP picture."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas"),
        queryset=ServiceArea.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("Product lines"),
        queryset=ProductLine.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = ServiceArea.objects.filter(organization=organization)
        self.fields["skills"].queryset = ProductLine.objects.filter(organization=organization)
        for weekday, label in Weekday.choices:
            self.fields[f"hours_{weekday}"] = forms.CharField(
                label=label,
                required=False,
                max_length=100,
                widget=forms.TextInput(attrs={"placeholder": "08:00-12:00, 13:00-17:00"}),
            )

    def hour_fields(self):
        return [self[f"hours_{weekday}"] for weekday in Weekday.values]

    def other_fields(self):
        return [field for field in self.visible_fields() if not field.name.startswith("hours_")]

    def clean(self):
        data = super().clean()
        hours = []
        for weekday in Weekday.values:
            name = f"hours_{weekday}"
            for part in filter(None, (p.strip() for p in data.get(name, "").split(","))):
                match = _HOURS.match(part)
                start = _clock(match.group(1)) if match else None
                end = _clock(match.group(2)) if match else None
                if start is None or end is None:
                    self.add_error(name, _("Write the hours as 08:00-17:00."))
                    break
                hours.append((weekday, start, end))
        data["hours"] = hours
        return data


def hours_text(rows) -> dict[str, str]:
    """A technician's WorkingHours as the form's initial text, one field per weekday."""
    days: dict[int, list[str]] = {}
    for row in rows:
        days.setdefault(row.weekday, []).append(f"{row.start:%H:%M}-{row.end:%H:%M}")
    return {f"hours_{day}": ", ".join(parts) for day, parts in days.items()}


def _clock(text: str) -> time | None:
    hour, _sep, minute = text.partition(":")
    try:
        return time(int(hour), int(minute or 0))
    except ValueError:
        return None


class VisitSettingsForm(forms.Form):
    change_cutoff_hours = forms.IntegerField(
        label=_("Customers may cancel or reschedule until (hours before)"),
        min_value=0,
        max_value=24 * 14,
    )
    visit_minutes = forms.IntegerField(
        label=_("Usual visit length (minutes)"), min_value=15, max_value=MAX_VISIT.seconds // 60
    )
    slot_minutes = forms.IntegerField(
        label=_("Offer times every (minutes)"), min_value=5, max_value=240
    )
    reminder_hours = forms.IntegerField(
        label=_("Remind customers (hours before)"), min_value=0, max_value=24 * 7
    )


class DayForm(forms.Form):
    day = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
