from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from csportal.api.serializers import StrictSerializerMixin

from ..models import (
    ApiToken,
    ContactChannel,
    CustomerProfile,
    Membership,
    Organization,
    Role,
    StaffInvitation,
    User,
)


class TokenRequestSerializer(StrictSerializerMixin, serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, max_length=256)
    name = serializers.CharField(max_length=100, required=False)

    def validate(self, attrs):
        request = self.context["request"]
        user = authenticate(request=request, username=attrs["email"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(
                _("Email or password is wrong."), code="invalid_credentials"
            )
        attrs["user"] = user
        return attrs


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("The key; shown this once, never again."))
    id = serializers.IntegerField()
    expires_at = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "created_at", "last_used_at", "expires_at"]


class NewApiTokenSerializer(ApiTokenSerializer):
    key = serializers.SerializerMethodField(help_text=_("Shown this once, never again."))

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]

    def get_key(self, token) -> str:
        return self.context["key"]


class ApiTokenCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    name = serializers.CharField(max_length=100)


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name", "timezone"]


class MembershipSerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "organization", "role", "is_active", "accepted_at"]


class CustomerProfileSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = CustomerProfile
        fields = ["phone", "contact_email", "im_handle", "preferred_channel", "language"]


class MeSerializer(serializers.ModelSerializer):
    profile = CustomerProfileSerializer(source="customer_profile", read_only=True)
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "timezone", "profile", "memberships"]

    def get_memberships(self, user) -> list[dict]:
        memberships = self.context["memberships"]
        return MembershipSerializer(memberships, many=True).data


class MeUpdateSerializer(StrictSerializerMixin, serializers.Serializer):
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    im_handle = serializers.CharField(max_length=100, required=False, allow_blank=True)
    preferred_channel = serializers.ChoiceField(choices=ContactChannel.choices, required=False)
    language = serializers.ChoiceField(
        choices=CustomerProfile._meta.get_field("language").choices, required=False
    )


class EmailChangeSerializer(StrictSerializerMixin, serializers.Serializer):
    email = serializers.EmailField(
        help_text=_("The new login email; it changes when the link mailed to it is followed.")
    )
    current_password = serializers.CharField(trim_whitespace=False, max_length=256, write_only=True)


class PasswordChangeSerializer(StrictSerializerMixin, serializers.Serializer):
    current_password = serializers.CharField(trim_whitespace=False, max_length=256)
    new_password = serializers.CharField(trim_whitespace=False, max_length=256)


class MemberSerializer(serializers.ModelSerializer):
    """Someone who accepted a place on the staff; an invitee is never one (see
    InvitationSerializer), so their name and presence stay theirs until they accept."""

    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    presence = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "is_active", "presence"]

    def get_presence(self, membership) -> str:
        presence = getattr(membership.user, "presence", None)
        return presence.status if presence else "offline"


class InviteSerializer(StrictSerializerMixin, serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)

    def validate_email(self, value: str) -> str:
        return value.strip().lower()


class InvitationSerializer(serializers.ModelSerializer):
    """An open invitation: the address a manager typed, never anything of its owner."""

    invited_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = StaffInvitation
        fields = ["id", "email", "role", "invited_at", "expires_at"]


class MemberUpdateSerializer(StrictSerializerMixin, serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)
