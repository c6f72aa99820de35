from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Organization, User
from chat.models import Conversation
from csportal.api.serializers import StrictSerializerMixin
from technicians.models import ServiceRequest
from tickets.api.serializers import PersonSerializer
from tickets.models import Ticket

from ..models import (
    COMMENT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    Gift,
    GiftKind,
    Review,
    ReviewResponse,
    TargetKind,
)
from ..selectors import HISTORY_DAYS, HISTORY_MAX_DAYS, PERSON_KINDS
from ..services import SUBJECT_FIELDS

# Output ----------------------------------------------------------------------------------


class ResponseSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.__str__", default=None, read_only=True)

    class Meta:
        model = ReviewResponse
        fields = ["body", "author", "created_at"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    # Rows come from selectors that join the people and the response: anything else touched
    # here would cost a query per row.
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    customer = serializers.CharField(source="customer.__str__", read_only=True)
    agent = PersonSerializer(read_only=True, allow_null=True)
    technician = PersonSerializer(read_only=True, allow_null=True)
    response = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "organization",
            "stars",
            "comment",
            "customer",
            "agent",
            "technician",
            "ticket",
            "visit",
            "conversation",
            "created_at",
            "edited_at",
            "response",
        ]
        read_only_fields = fields

    def get_response(self, review) -> dict | None:
        response = getattr(review, "response", None)
        return ResponseSerializer(response).data if response is not None else None


class StaffReviewSerializer(ReviewSerializer):
    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "sentiment", "language", "is_flagged"]
        read_only_fields = fields


class DistributionSerializer(serializers.Serializer):
    stars = serializers.IntegerField()
    count = serializers.IntegerField()
    percent = serializers.IntegerField()


class ScoreSerializer(serializers.Serializer):
    points = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField()
    distribution = DistributionSerializer(many=True)


# Input -----------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class CustomersOwnField(serializers.PrimaryKeyRelatedField):
    """Only the requesting customer's own rows of `model`: anyone else's id reads as missing."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(required=False, allow_null=True, **kwargs)

    def get_queryset(self):
        return self.model.objects.filter(customer=self.context["request"].user)


class SubjectSerializerMixin(serializers.Serializer):
    """What a review or a gift is about: one ticket, visit or chat of the customer's."""

    ticket = CustomersOwnField(Ticket)
    visit = CustomersOwnField(ServiceRequest, help_text=_("A visit of a technician."))
    conversation = CustomersOwnField(Conversation, help_text=_("A live chat."))

    def validate(self, data):
        given = [field for field in SUBJECT_FIELDS if data.get(field) is not None]
        if len(given) > 1:
            raise serializers.ValidationError(
                {given[1]: _("Choose one request, visit or chat, not several.")}
            )
        return data


class ReviewPostSerializer(StrictSerializerMixin, SubjectSerializerMixin):
    organization = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organization.objects.all()
    )
    stars = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX_LENGTH)
    # Any user id parses; the service accepts only the provider's staff who served you (in
    # the ticket, visit or chat, when the review is about one). Left out: who served there.
    agent = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    technician = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )


class ResponseCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_MAX_LENGTH)


# Trends ----------------------------------------------------------------------------------


class ScoreHistoryQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1, max_value=HISTORY_MAX_DAYS, default=HISTORY_DAYS, help_text=_("Days back.")
    )
    person = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text=_("An agent's or technician's user id; for the organization's managers."),
    )
    kind = serializers.ChoiceField(
        choices=[(kind.value, kind.label) for kind in PERSON_KINDS],
        required=False,
        help_text=_("Which of the person's scores; by default the one their role earns."),
    )

    def validate(self, data):
        if "kind" in data and "person" not in data:
            raise serializers.ValidationError(
                {"kind": _("Choose a person to pick one of their scores.")}
            )
        return data


class HistoryPointSerializer(serializers.Serializer):
    day = serializers.DateField()
    points = serializers.FloatField()
    count = serializers.IntegerField()


class ScoreHistorySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TargetKind.choices)
    person = serializers.IntegerField(allow_null=True)
    days = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    history = HistoryPointSerializer(many=True)


# A customer's changes and thanks ---------------------------------------------------------


class ReviewEditSerializer(StrictSerializerMixin, serializers.Serializer):
    """What is left out stays as it was."""

    stars = serializers.IntegerField(min_value=1, max_value=5, required=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX_LENGTH)

    def validate(self, data):
        if not data:
            raise serializers.ValidationError(_("Send new stars, a new comment, or both."))
        return data


class GiftSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    sender = serializers.CharField(source="sender.__str__", read_only=True)
    recipient = PersonSerializer(read_only=True)

    class Meta:
        model = Gift
        fields = [
            "id",
            "organization",
            "sender",
            "recipient",
            "kind",
            "note",
            "ticket",
            "visit",
            "conversation",
            "created_at",
        ]
        read_only_fields = fields


class GiftSendSerializer(StrictSerializerMixin, SubjectSerializerMixin):
    organization = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organization.objects.all()
    )
    # Any user id parses; the service accepts only the provider's staff who served you.
    recipient = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    kind = serializers.ChoiceField(choices=GiftKind.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH)


class GiftQuerySerializer(serializers.Serializer):
    direction = serializers.ChoiceField(
        choices=[("received", _("Received")), ("sent", _("Sent"))],
        required=False,
        help_text=_("Only the gifts you received (as staff) or sent (as a customer)."),
    )
