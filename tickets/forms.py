from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from accounts.selectors import assignable_people

from . import selectors
from .attachments import MAX_FILES, validate_uploads
from .models import SUBJECT_MAX_LENGTH, TEXT_MAX_LENGTH, TRANSITIONS, Category, Priority, Status


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files from one input; each is checked by its content, as the service will."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Attachments"))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            # Lazy all the way: fields are built once, shown in each visitor's language.
            format_lazy(_("Up to {count} pictures, PDFs, ZIP or text files."), count=MAX_FILES),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        uploads = data if isinstance(data, list | tuple) else [data]
        files = [single(upload, initial) for upload in uploads if upload]
        # Checked here too so a refused file is reported on this field, not above the form.
        validate_uploads(files)
        return files


def _text(label, rows=5, **kwargs):
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class CategorySelect(forms.Select):
    """Categories grouped by organization; each option names its organization so the page
    can offer only the chosen organization's."""

    def __init__(self, *args, organization_of=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_of = organization_of or {}

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["data-organization"] = self.organization_of.get(str(value), "")
        return option


class TicketOpenForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Provider"),
        queryset=Organization.objects.order_by("name"),
        empty_label=_("Choose a provider"),
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH)
    body = _text(_("What happened?"), rows=6)
    category = forms.ChoiceField(label=_("Category"), required=False)
    attachments = AttachmentsField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = Category.objects.select_related("organization").order_by(
            "organization__name", "name"
        )
        grouped: dict[str, list] = {}
        organization_of = {}
        for category in categories:
            grouped.setdefault(category.organization.name, []).append(
                (str(category.pk), category.name)
            )
            organization_of[str(category.pk)] = str(category.organization_id)
        self.fields["category"].choices = [("", _("Not sure")), *grouped.items()]
        self.fields["category"].widget = CategorySelect(
            choices=self.fields["category"].choices, organization_of=organization_of
        )

    def clean(self):
        cleaned = super().clean()
        organization = cleaned.get("organization")
        chosen = cleaned.get("category")
        cleaned["category"] = None
        if chosen and organization is not None:
            category = Category.objects.filter(pk=chosen, organization=organization).first()
            if category is None:
                self.add_error("category", _("Choose one of this provider's categories."))
            cleaned["category"] = category
        return cleaned


class MessageForm(forms.Form):
    """A message on the timeline: the customer's follow-up, an agent's reply or note."""

    body = _text(_("Message"))
    attachments = AttachmentsField()


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("The queue (nobody)")),
            *((str(user_id), name) for user_id, name in assignable_people(organization.pk)),
        ]

    def clean_assignee(self):
        chosen = self.cleaned_data["assignee"]
        return User.objects.get(pk=chosen) if chosen else None


def next_statuses(status: str) -> list[str]:
    """Where a ticket may go from `status` by hand; resolving takes a result instead."""
    return [value for value in Status.values if value in TRANSITIONS[status] - {Status.RESOLVED}]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"))

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = [ticket.status, *next_statuses(ticket.status)]
        self.fields["status"].choices = [
            (value, label) for value, label in Status.choices if value in allowed
        ]
        self.fields["status"].initial = ticket.status


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)


class ResolveForm(forms.Form):
    result = _text(_("Result"), help_text=_("What was done. The customer sees it at once."))


class InboxFilterForm(forms.Form):
    VIEWS = (("mine", _("Mine")), ("queue", _("Queue")), ("all", _("All")))

    view = forms.ChoiceField(choices=VIEWS, required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=[("", _("Any priority")), *Priority.choices], required=False
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            ("", _("Any category")),
            *((str(pk), name) for pk, name in selectors.category_choices(organization)),
        ]

    def filters(self, default_view: str) -> dict:
        """The selector's keyword arguments; a filter that doesn't validate is dropped."""
        self.is_valid()  # cleaned_data keeps the fields that did validate
        data = self.cleaned_data
        return {
            "view": data.get("view") or default_view,
            "status": data.get("status") or "",
            "priority": data.get("priority") or "",
            "category": data.get("category") or "",
            "customer": str(data["customer"]) if data.get("customer") else "",
            "overdue": bool(data.get("overdue")),
            "search": (data.get("q") or "").strip(),
        }


def _minutes(label):
    return forms.IntegerField(label=label, min_value=1, max_value=60 * 24 * 365)


class SlaForm(forms.Form):
    """Both times for every priority, in one table."""

    def __init__(self, *args, current: dict[str, tuple[int, int]], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for priority, label in Priority.choices:
            first, resolution = current[priority]
            self.fields[f"{priority}_first_response"] = _minutes(
                _("First response for %(priority)s, in minutes") % {"priority": label}
            )
            self.fields[f"{priority}_resolution"] = _minutes(
                _("Resolution for %(priority)s, in minutes") % {"priority": label}
            )
            self.initial.setdefault(f"{priority}_first_response", first)
            self.initial.setdefault(f"{priority}_resolution", resolution)
            self.rows.append(
                (
                    priority,
                    label,
                    self[f"{priority}_first_response"],
                    self[f"{priority}_resolution"],
                )
            )

    def policies(self):
        for priority in Priority.values:
            yield (
                priority,
                self.cleaned_data[f"{priority}_first_response"],
                self.cleaned_data[f"{priority}_resolution"],
            )


class ReminderSettingsForm(forms.Form):
    interval_minutes = forms.IntegerField(
        label=_("Remind again every (minutes)"), min_value=1, max_value=60 * 24 * 30
    )
    escalate_after = forms.IntegerField(
        label=_("Escalate to managers after this many reminders"),
        min_value=0,
        max_value=100,
        help_text=_("0 brings the managers in with the first reminder."),
    )


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    skill = forms.SlugField(
        label=_("Skill"),
        max_length=50,
        required=False,
        help_text=_("Agents with this skill get these tickets first, e.g. “boilers”."),
    )
