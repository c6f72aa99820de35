from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

from . import services
from .language import in_language_of
from .models import ContactChannel, Organization, Role, timezone_choices


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class NewPasswordForm(SetPasswordForm):
    """Django's new-password form, saving through our service so that setting a password
    also revokes the person's API tokens."""

    def save(self, commit=True):
        return services.user_set_password(
            user=self.user, password=self.cleaned_data["new_password1"]
        )


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's, with the link worded in the account holder's language, else the page's:
    whoever asks for it need not be who reads it."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        with in_language_of(context["user"], default=get_language()):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What will use it, e.g. “Zapier” or “backup script”."),
    )


class SignUpForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )


class ContactForm(forms.Form):
    """How providers reach a customer (My account); name, phone and language are the
    account's own (AccountProfileForm)."""

    contact_email = forms.EmailField(
        label=_("Contact email"), required=False, help_text=_("Empty means your login email.")
    )
    im_handle = forms.CharField(label=_("Instant messaging handle"), max_length=100, required=False)
    preferred_channel = forms.ChoiceField(
        label=_("Preferred contact channel"), choices=ContactChannel.choices
    )


def _language_choices() -> list[tuple[str, str]]:
    # Each in its own name, as the top bar's switcher shows them: found whatever the page's.
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


def _timezone_choices() -> list[tuple[str, str]]:
    return [("", _("Organization's or UTC")), *timezone_choices()]


class AccountProfileForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=32,
        required=False,
        help_text=_("International form, e.g. +14155550123."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=_language_choices)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=_timezone_choices, required=False)


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label=_("New email address"),
        help_text=_("We'll email it a link; your login changes when you follow it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_password") != cleaned.get("new_password_again"):
            self.add_error("new_password_again", _("The two passwords differ."))
        return cleaned


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class OrganizationSettingsForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "timezone"]


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class InvitationSignUpForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned
