from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from csportal.api.throttling import ScopedRateThrottle

from .. import selectors, services
from ..access import access_api_token, access_invitation, access_member
from ..language import use_language
from ..models import ApiToken, CustomerProfile, Membership, Organization, Role, StaffInvitation
from ..permissions import IsOrganizationStaff
from . import serializers as s


def _locked_out() -> Response:
    return Response(
        {"code": "locked_out", "detail": _("Too many failed attempts; try again later.")},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
    )


class TokenView(APIView):
    """Exchange an email and password for a new API token (for integrations); `name` it
    to know it again in /api/v1/me/tokens/."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    @extend_schema(request=s.TokenRequestSerializer, responses=s.IssuedTokenSerializer)
    def post(self, request):
        if getattr(request, "axes_locked_out", False):
            return _locked_out()
        serializer = s.TokenRequestSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid() and getattr(request, "axes_locked_out", False):
            return _locked_out()
        serializer.is_valid(raise_exception=True)
        token, key = services.api_token_create(
            user=serializer.validated_data["user"],
            name=serializer.validated_data.get("name") or _("API token"),
        )
        return Response(
            s.IssuedTokenSerializer(
                {"token": key, "id": token.pk, "expires_at": token.expires_at}
            ).data
        )


class MeView(APIView):
    """The logged-in user, their contact profile and their staff memberships."""

    def _render(self, request):
        user = request.user
        user.customer_profile = CustomerProfile.objects.filter(user=user).first()
        memberships = selectors.staff_memberships_of(user)
        return s.MeSerializer(user, context={"memberships": memberships}).data

    @extend_schema(responses=s.MeSerializer)
    def get(self, request):
        return Response(self._render(request))

    @extend_schema(request=s.MeUpdateSerializer, responses=s.MeSerializer)
    def patch(self, request):
        """Change your name, time zone, phone, language or contact profile. The login email
        changes through me/email/, the password through me/password/."""
        update = s.MeUpdateSerializer(data=request.data)
        update.is_valid(raise_exception=True)
        services.customer_profile_update(user=request.user, **update.validated_data)
        response = Response(self._render(request))
        if "language" in update.validated_data and _in_browser(request):
            use_language(request, response, update.validated_data["language"])
        return response


def _in_browser(request) -> bool:
    """Whether the request came with the browser's session (so it has cookies to set)."""
    return isinstance(request.successful_authenticator, SessionAuthentication)


class MeEmailView(APIView):
    @extend_schema(request=s.EmailChangeSerializer, responses={202: s.EmailChangeSerializer})
    def post(self, request):
        """Ask to log in with another email: a link is mailed to it, and nothing changes
        until it is followed (within EMAIL_CHANGE_TIMEOUT). The old address is told then."""
        data = s.EmailChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = services.email_change_request(user=request.user, **data.validated_data)
        return Response({"email": email}, status=status.HTTP_202_ACCEPTED)


class MePasswordView(APIView):
    @extend_schema(request=s.PasswordChangeSerializer, responses={204: None})
    def post(self, request):
        """Change your password, giving the current one. Every API token of yours is
        revoked (this one too) and your other sessions are logged out; a browser session
        making the call stays logged in."""
        data = s.PasswordChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.password_change(user=request.user, **data.validated_data)
        if _in_browser(request):
            update_session_auth_hash(request, user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenListView(generics.ListAPIView):
    """Your API tokens, expired ones included until you revoke them; POST makes a new one
    and answers with its key, shown that once."""

    serializer_class = s.ApiTokenSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ApiToken.objects.none()
        return selectors.api_tokens_of(self.request.user)

    @extend_schema(request=s.ApiTokenCreateSerializer, responses={201: s.NewApiTokenSerializer})
    def post(self, request):
        # A token that could make tokens would never really expire, nor die with the
        # password: new ones need the browser's session or the password (auth/token/).
        if isinstance(request.auth, ApiToken):
            raise PermissionDenied(_("An API token can't make API tokens; sign in instead."))
        data = s.ApiTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, key = services.api_token_create(user=request.user, name=data.validated_data["name"])
        return Response(
            s.NewApiTokenSerializer(token, context={"key": key}).data,
            status=status.HTTP_201_CREATED,
        )


class ApiTokenDetailView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        """Revoke one of your tokens: it stops working at once."""
        services.api_token_revoke(token=access_api_token(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganizationListView(generics.ListAPIView):
    """Organizations the user works for."""

    serializer_class = s.OrganizationSerializer

    def get_queryset(self):
        return Organization.objects.filter(
            pk__in=selectors.staff_memberships_of(self.request.user).values("organization_id")
        ).order_by("name")


class MemberListView(generics.ListCreateAPIView):
    """An organization's staff; managers invite an email address with POST.

    The answer to an invite echoes what was sent and nothing more, the same whether the
    address has an account, is on the staff already, or is unknown: the invitation is
    listed under invitations/ and its owner joins the staff only by accepting it.
    """

    permission_classes = [IsOrganizationStaff]
    serializer_class = s.MemberSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no membership
            return Membership.objects.none()
        return selectors.organization_staff(self.request.membership.organization)

    @extend_schema(request=s.InviteSerializer, responses={202: s.InviteSerializer})
    def post(self, request, slug):
        invite = s.InviteSerializer(data=request.data)
        invite.is_valid(raise_exception=True)
        services.membership_invite(
            organization=request.membership.organization,
            invited_by=request.user,
            **invite.validated_data,
        )
        return Response(invite.data, status=status.HTTP_202_ACCEPTED)


class InvitationListView(generics.ListAPIView):
    """An organization's open invitations (expired ones too, until resent or withdrawn)."""

    permission_classes = [IsOrganizationStaff]
    read_roles = (Role.MANAGER,)
    serializer_class = s.InvitationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no membership
            return StaffInvitation.objects.none()
        return selectors.open_invitations(self.request.membership.organization)


class InvitationDetailView(APIView):
    permission_classes = [IsOrganizationStaff]

    @extend_schema(responses={204: None})
    def delete(self, request, slug, pk):
        """Withdraw the invitation: its link stops working."""
        services.invitation_revoke(invitation=access_invitation(request.user, slug, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberDetailView(APIView):
    permission_classes = [IsOrganizationStaff]

    def _member(self, request, slug, pk):
        roles = None if request.method == "GET" else (Role.MANAGER,)
        return access_member(request.user, slug, pk, roles)

    @extend_schema(responses=s.MemberSerializer)
    def get(self, request, slug, pk):
        return Response(s.MemberSerializer(self._member(request, slug, pk)).data)

    @extend_schema(request=s.MemberUpdateSerializer, responses=s.MemberSerializer)
    def patch(self, request, slug, pk):
        update = s.MemberUpdateSerializer(data=request.data)
        update.is_valid(raise_exception=True)
        membership = self._member(request, slug, pk)
        with transaction.atomic():
            if "role" in update.validated_data:
                services.membership_change_role(
                    membership=membership, role=update.validated_data["role"], by=request.user
                )
            if "is_active" in update.validated_data:
                services.membership_set_active(
                    membership=membership,
                    is_active=update.validated_data["is_active"],
                    by=request.user,
                )
        return Response(s.MemberSerializer(membership).data)
