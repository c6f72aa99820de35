from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView
from django.views.i18n import set_language

from csportal.forms import add_service_errors
from csportal.realtime import CLOSE_UNAUTHENTICATED, close_sockets, session_group

from . import selectors, services
from .access import access_api_token, access_invitation, access_member
from .backends import SIGN_IN_BACKEND
from .forms import (
    AccountProfileForm,
    ApiTokenForm,
    ContactForm,
    EmailChangeForm,
    EmailLoginForm,
    InvitationSignUpForm,
    InviteForm,
    MemberRoleForm,
    NewPasswordForm,
    OrganizationSettingsForm,
    PasswordChangeForm,
    PasswordResetForm,
    SignUpForm,
)
from .language import use_language
from .models import CustomerProfile, Role
from .permissions import OrganizationStaffMixin
from .tokens import read_invitation_token

ROLE_HOME = {
    Role.MANAGER: "accounts:manager-console",
    Role.AGENT: "accounts:agent-dashboard",
    Role.RECEPTIONIST: "accounts:reception-desk",
    Role.TECHNICIAN: "accounts:technician-today",
}


def role_home_url(membership) -> str:
    return reverse(ROLE_HOME[membership.role], args=[membership.organization.slug])


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = EmailLoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # The language the person chose, on whichever browser they chose it in.
        language = selectors.language_of(form.get_user())
        if language:
            use_language(self.request, response, language)
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        session_key = request.session.session_key
        response = super().post(request, *args, **kwargs)
        if session_key:
            # The tabs of this session must stop receiving at once, not at their next beat.
            close_sockets(session_group(session_key), code=CLOSE_UNAUTHENTICATED)
        return response


class SignUpView(FormView):
    template_name = "accounts/signup.html"
    form_class = SignUpForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("accounts:home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            user = services.customer_sign_up(**form.cleaned_data, language=get_language())
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        login(self.request, user, backend=SIGN_IN_BACKEND)
        messages.success(self.request, _("Welcome! Your account is ready."))
        return redirect("accounts:customer-home")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class InvitationLinkMixin:
    """Pages behind an emailed invitation link; a link that no longer works says why."""

    template_name = "accounts/invitation.html"

    def invalid(self):
        return TemplateResponse(self.request, self.template_name, {"invalid": True}, status=400)

    def closed(self, invitation):
        invitation.refresh_from_db()  # a failed answer may have raced another one
        return TemplateResponse(
            self.request,
            self.template_name,
            {"closed": invitation, "expired": invitation.is_expired(timezone.now())},
            status=400,
        )


class InvitationView(InvitationLinkMixin, FormView):
    """The link from an invitation email. Its owner accepts while signed in as the invited
    address; with no account for it yet, they sign up here and join in one step."""

    form_class = InvitationSignUpForm

    def dispatch(self, request, *args, **kwargs):
        self.invitation = read_invitation_token(kwargs["token"])
        if self.invitation is None:
            return self.invalid()
        if not self.invitation.is_open(timezone.now()):
            return self.closed(self.invitation)
        user = request.user
        if user.is_authenticated and user.email.lower() != self.invitation.email:
            return self.render_to_response(self.get_context_data(wrong_account=True), status=403)
        if not user.is_authenticated and selectors.has_account(self.invitation.email):
            if request.method == "POST":
                return redirect_to_login(request.get_full_path())
            return self.render_to_response(self.get_context_data(sign_in=True))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        if self.request.user.is_authenticated or kwargs.get("sign_in"):
            kwargs.setdefault("form", None)  # nothing to fill in here
        context = super().get_context_data(**kwargs)
        context["invitation"] = self.invitation
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().post(request, *args, **kwargs)  # the sign-up form
        try:
            membership = services.invitation_accept(invitation=self.invitation, user=request.user)
        except ValidationError:
            return self.closed(self.invitation)
        return self.joined(membership)

    def form_valid(self, form):
        try:
            user = services.invitation_sign_up(
                invitation=self.invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password"],
                language=get_language(),
            )
        except ValidationError as exc:
            self.invitation.refresh_from_db()
            if not self.invitation.is_open(timezone.now()):
                return self.closed(self.invitation)
            add_service_errors(form, exc)
            return self.form_invalid(form)
        login(self.request, user, backend=SIGN_IN_BACKEND)
        return self.joined(user.memberships.get(organization_id=self.invitation.organization_id))

    def joined(self, membership):
        messages.success(
            self.request,
            _("Welcome to %(organization)s!") % {"organization": membership.organization.name},
        )
        return redirect(role_home_url(membership))


class InvitationDeclineView(InvitationLinkMixin, View):
    """The invitee says no from the emailed link; nobody needs to sign in for that."""

    def post(self, request, token):
        invitation = read_invitation_token(token)
        if invitation is None:
            return self.invalid()
        try:
            services.invitation_decline(invitation=invitation)
        except ValidationError:
            return self.closed(invitation)
        messages.info(
            request,
            _("You declined the invitation to %(organization)s.")
            % {"organization": invitation.organization.name},
        )
        return redirect("accounts:home" if request.user.is_authenticated else "accounts:login")


class HomeView(LoginRequiredMixin, View):
    """Send each person to their own start page: staff to their role's, customers to theirs."""

    def get(self, request):
        membership = selectors.staff_memberships_of(request.user).first()
        if membership is None:
            return redirect("accounts:customer-home")
        return redirect(role_home_url(membership))


class CustomerHomeView(LoginRequiredMixin, FormView):
    template_name = "accounts/customer_home.html"
    form_class = ContactForm

    def get_initial(self):
        user = self.request.user
        profile = CustomerProfile.objects.filter(user=user).first() or CustomerProfile(user=user)
        return {name: getattr(profile, name) for name in ContactForm.base_fields}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["api_tokens"] = selectors.api_tokens_of(self.request.user)
        context["token_form"] = ApiTokenForm()
        context["now"] = timezone.now()
        return context

    def form_valid(self, form):
        try:
            services.customer_profile_update(user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your contact preferences are saved."))
        return redirect("accounts:customer-home")


class AccountSettingsView(LoginRequiredMixin, TemplateView):
    """Everyone's own account, whatever their role: name, phone, language and time zone
    (posted here), login email and password (posted to the views below)."""

    template_name = "accounts/account_settings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "profile_form" not in context:
            user = self.request.user
            profile = CustomerProfile.objects.filter(user=user).first()
            context["profile_form"] = AccountProfileForm(
                initial={
                    "full_name": user.full_name,
                    "phone": profile.phone if profile else "",
                    "language": profile.language if profile else get_language(),
                    "timezone": user.timezone,
                }
            )
        context.setdefault("email_form", EmailChangeForm())
        context.setdefault("password_form", PasswordChangeForm())
        return context

    def invalid(self, **forms):
        return self.render_to_response(self.get_context_data(**forms), status=400)

    def saved(self, message):
        messages.success(self.request, message)
        return redirect("accounts:account-settings")

    def post(self, request):
        form = AccountProfileForm(request.POST)
        if not form.is_valid():
            return self.invalid(profile_form=form)
        try:
            services.customer_profile_update(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.invalid(profile_form=form)
        response = self.saved(_("Your account is saved."))
        use_language(request, response, form.cleaned_data["language"])
        return response


class AccountEmailView(AccountSettingsView):
    http_method_names = ["post"]

    def post(self, request):
        form = EmailChangeForm(request.POST)
        if not form.is_valid():
            return self.invalid(email_form=form)
        try:
            email = services.email_change_request(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.invalid(email_form=form)
        return self.saved(
            _(
                "We've emailed a link to %(email)s. Your login email changes when you follow "
                "it; until then it stays %(current)s."
            )
            % {"email": email, "current": request.user.email}
        )


class AccountPasswordView(AccountSettingsView):
    http_method_names = ["post"]

    def post(self, request):
        form = PasswordChangeForm(request.POST)
        if not form.is_valid():
            return self.invalid(password_form=form)
        try:
            user = services.password_change(
                user=request.user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.invalid(password_form=form)
        update_session_auth_hash(request, user)
        return self.saved(
            _("Your password is changed. Every other device you were logged in on is logged out.")
        )


class EmailConfirmView(View):
    """The link from an email-change email. It needs no login (the link proves both who
    asked and that the new address reaches them); the change is made by the button, as a
    mail scanner may open links by itself."""

    template_name = "accounts/email_confirm.html"

    def render(self, context, status=200):
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def refused(self, exc: ValidationError):
        return self.render({"refused": exc.messages}, status=400)

    def get(self, request, token):
        try:
            link = services.email_change_link(token=token)
        except ValidationError as exc:
            return self.refused(exc)
        return self.render({"link": link})

    def post(self, request, token):
        try:
            user = services.email_change_confirm(token=token)
        except ValidationError as exc:
            return self.refused(exc)
        messages.success(request, _("Your login email is now %(email)s.") % {"email": user.email})
        if request.user.is_authenticated and request.user.pk == user.pk:
            return redirect("accounts:account-settings")
        return redirect("accounts:login")


def set_language_view(request):
    """The top bar's language switcher: Django's set_language, and for a signed-in person
    their choice kept, so it holds at their next login too."""
    response = set_language(request)
    language = request.POST.get("language")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
    ):
        services.customer_profile_update(user=request.user, language=language)
    return response


# The page holds a key that is never shown again: no copy of it may stay in a cache.
@method_decorator(never_cache, name="dispatch")
class ApiTokenCreateView(LoginRequiredMixin, FormView):
    """Make an API token from My account; the answer shows its key, this one time."""

    template_name = "accounts/api_token_new.html"
    form_class = ApiTokenForm

    def form_valid(self, form):
        try:
            token, key = services.api_token_create(
                user=self.request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        return self.render_to_response(self.get_context_data(token=token, key=key))


class ApiTokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, pk):
        token = access_api_token(request.user, pk)
        services.api_token_revoke(token=token)
        messages.success(
            request,
            _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name},
        )
        return redirect(reverse("accounts:customer-home") + "#api-tokens")


class StaffHomeView(OrganizationStaffMixin, TemplateView):
    """What every role's start page shows so far: the organization and who is online."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Only who is online now: the page adds whoever comes online later as it is told
        # (static/js/presence.js). Listing the whole staff and hiding the offline in CSS read
        # 10,000 members and their skills on a technician's phone (bench/technicians_load.py).
        context["staff"] = selectors.online_staff(self.organization)
        return context


class AgentDashboardView(StaffHomeView):
    template_name = "accounts/agent_dashboard.html"
    allowed_roles = (Role.AGENT, Role.MANAGER)


class ReceptionDeskView(StaffHomeView):
    template_name = "accounts/reception_desk.html"
    allowed_roles = (Role.RECEPTIONIST, Role.MANAGER)


class TechnicianTodayView(OrganizationStaffMixin, TemplateView):
    """Not a StaffHomeView: a phone in the field shows the technician's own visits, and who
    of the office is online is nothing they act on (the list was a seventh of the page's
    time under load, bench/technicians_load.py)."""

    template_name = "accounts/technician_today.html"
    allowed_roles = (Role.TECHNICIAN, Role.MANAGER)


class ManagerConsoleView(StaffHomeView):
    template_name = "accounts/manager_console.html"
    allowed_roles = (Role.MANAGER,)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = selectors.organization_staff(self.organization)
        context["invitations"] = selectors.open_invitations(self.organization)
        context["now"] = timezone.now()
        context.setdefault("invite_form", InviteForm())
        context.setdefault("settings_form", OrganizationSettingsForm(instance=self.organization))
        context["role_choices"] = Role.choices
        return context

    def post(self, request, slug):
        """The invite form."""
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                services.membership_invite(
                    organization=self.organization, invited_by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                # Worded from the form alone: whether the address has an account, or is on
                # the staff already, must not show.
                messages.success(
                    request,
                    _("We've emailed %(email)s about joining as %(role)s.")
                    % {
                        "email": form.cleaned_data["email"].strip().lower(),
                        "role": Role(form.cleaned_data["role"]).label,
                    },
                )
                return redirect("accounts:manager-console", slug=slug)
        return self.render_to_response(self.get_context_data(invite_form=form), status=400)


class OrganizationSettingsView(OrganizationStaffMixin, View):
    allowed_roles = (Role.MANAGER,)

    def post(self, request, slug):
        form = OrganizationSettingsForm(request.POST, instance=self.organization)
        if not form.is_valid():
            console = ManagerConsoleView(request=request, kwargs={"slug": slug})
            console.membership, console.organization = self.membership, self.organization
            return console.render_to_response(
                console.get_context_data(settings_form=form), status=400
            )
        services.organization_update(
            organization=self.organization,
            name=form.cleaned_data["name"],
            timezone_name=form.cleaned_data["timezone"],
        )
        messages.success(request, _("Organization settings saved."))
        return redirect("accounts:manager-console", slug=slug)


def _back_to_console(request, slug: str, *, errors: list[str] = ()):
    """After a manager's action on a member or an invitation: its errors, or that it's saved."""
    for message in errors:
        messages.error(request, message)
    if not errors:
        messages.success(request, _("Saved."))
    return redirect("accounts:manager-console", slug=slug)


class MemberActionView(LoginRequiredMixin, View):
    """A manager suspends, restores, or changes the role or skills of a staff member."""

    def post(self, request, slug, pk, action):
        member = access_member(request.user, slug, pk, (Role.MANAGER,))
        try:
            if action == "suspend":
                services.membership_set_active(membership=member, is_active=False, by=request.user)
            elif action == "restore":
                services.membership_set_active(membership=member, is_active=True, by=request.user)
            elif action == "skills":
                services.membership_set_skills(
                    membership=member, skills=request.POST.get("skills", "").split(",")
                )
            elif action == "role":
                form = MemberRoleForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(form.errors["role"])
                services.membership_change_role(
                    membership=member, role=form.cleaned_data["role"], by=request.user
                )
            else:
                raise Http404
        except ValidationError as exc:
            return _back_to_console(request, slug, errors=exc.messages)
        return _back_to_console(request, slug)


class InvitationActionView(LoginRequiredMixin, View):
    """A manager sends an invitation again (with a new link) or withdraws it."""

    actions = {"resend": services.invitation_resend, "revoke": services.invitation_revoke}

    def post(self, request, slug, pk, action):
        invitation = access_invitation(request.user, slug, pk)
        if action not in self.actions:
            raise Http404
        try:
            self.actions[action](invitation=invitation)
        except ValidationError as exc:
            return _back_to_console(request, slug, errors=exc.messages)
        return _back_to_console(request, slug)
