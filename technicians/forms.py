"""The visit pages' forms: they parse what a person typed; the services decide."""

import zoneinfo
from datetime import UTC, datetime, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

from .models import VisitOutcome, VisitStatus, Weekday
from .selectors import product_lines, visit_settings


def _local(organization: Organization, day, moment) -> datetime:
    zone = zoneinfo.ZoneInfo(organization.timezone)
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


class WhenForm(forms.Form):
    """A wished time: a day and a time window in the organization's time zone; without an
    end, the organization's usual visit length."""

    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Leave empty for a visit of the usual length."),
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean(self):
        data = super().clean()
        day, start_time = data.get("day"), data.get("start_time")
        if day is None or start_time is None:
            return data
        start = _local(self.organization, day, start_time)
        if data.get("end_time"):
            end = _local(self.organization, day, data["end_time"])
            if end <= start:
                self.add_error("end_time", _("The window ends after it starts."))
                return data
        else:
            end = start + timedelta(minutes=visit_settings(self.organization).visit_minutes)
        data["start"], data["end"] = start, end
        return data


class VisitWishForm(WhenForm):
    """What the customer asks for: where, what, what is wrong, and when."""

    address = forms.CharField(
        label=_("Address"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=None, to_field_name="skill", empty_label=None
    )
    symptoms = forms.CharField(
        label=_("What is wrong"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    customer_notes = forms.CharField(
        label=_("Notes for the technician"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("How to get in, parking, a dog in the garden…"),
    )

    field_order = [
        "address",
        "postal_code",
        "product",
        "symptoms",
        "customer_notes",
        "day",
        "start_time",
        "end_time",
    ]

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, organization=organization, **kwargs)
        self.fields["product"].queryset = product_lines(organization)


class BookForm(forms.Form):
    """The offer or free time the customer picked."""

    technician = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    start = forms.DateTimeField(widget=forms.HiddenInput)
    end = forms.DateTimeField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and end <= start:
            raise forms.ValidationError(_("Choose one of the times offered."))
        return data


class StepForm(forms.Form):
    step = forms.ChoiceField(
        choices=[
            (VisitStatus.ON_THE_WAY, VisitStatus.ON_THE_WAY.label),
            (VisitStatus.ARRIVED, VisitStatus.ARRIVED.label),
            (VisitStatus.IN_PROGRESS, VisitStatus.IN_PROGRESS.label),
        ]
    )


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several pictures from one input; their type is checked by the service."""

    def clean(self, data, initial=None):
        one = super().clean
        items = data if isinstance(data, list | tuple) else [data]
        return [upload for item in items if (upload := one(item, initial))]


class ReportForm(forms.Form):
    """The technician's completion report."""

    report = forms.CharField(
        label=_("Work done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    parts_used = forms.CharField(
        label=_("Parts used"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    time_spent_minutes = forms.IntegerField(
        label=_("Time spent (minutes)"),
        min_value=1,
        max_value=24 * 60,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=VisitOutcome.choices,
        initial=VisitOutcome.FIXED,
        widget=forms.RadioSelect,
    )
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        widget=MultiplePhotoInput(attrs={"accept": "image/*"}),
    )


class HoursForm(forms.Form):
    """One week's working hours: each weekday, up to two stretches (a split shift)."""

    STRETCHES = 2

    def __init__(self, *args, hours=(), **kwargs):
        super().__init__(*args, **kwargs)
        by_day: dict[int, list] = {}
        for row in hours:
            by_day.setdefault(row.weekday, []).append(row)
        for weekday, label in Weekday.choices:
            for n in range(self.STRETCHES):
                rows = by_day.get(weekday, [])
                row = rows[n] if n < len(rows) else None
                for part, part_label in (("start", _("From")), ("end", _("Until"))):
                    self.fields[f"d{weekday}_{n}_{part}"] = forms.TimeField(
                        label=f"{label} {part_label}",
                        required=False,
                        initial=getattr(row, part, None),
                        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                    )

    def days(self):
        """(weekday label, [(from field, until field), ...]) for the template."""
        return [
            (
                label,
                [
                    (self[f"d{weekday}_{n}_start"], self[f"d{weekday}_{n}_end"])
                    for n in range(self.STRETCHES)
                ],
            )
            for weekday, label in Weekday.choices
        ]

    def clean(self):
        data = super().clean()
        hours = []
        for weekday, _label in Weekday.choices:
            for n in range(self.STRETCHES):
                start = data.get(f"d{weekday}_{n}_start")
                end = data.get(f"d{weekday}_{n}_end")
                if start is None and end is None:
                    continue
                if start is None or end is None:
                    self.add_error(f"d{weekday}_{n}_start", _("Give both a start and an end."))
                    continue
                hours.append((weekday, start, end))
        data["hours"] = hours
        return data


class TimeOffForm(forms.Form):
    """Days off in the organization's time zone, the last one included."""

    first_day = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(
        label=_("Until (included)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first is None or last is None:
            return data
        if last < first:
            self.add_error("last_day", _("The last day is on or after the first."))
            return data
        zone = zoneinfo.ZoneInfo(self.organization.timezone)
        data["start"] = datetime.combine(first, datetime.min.time(), tzinfo=zone)
        data["end"] = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        return data
