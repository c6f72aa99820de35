from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Organization
from csportal.api.serializers import StrictSerializerMixin
from tickets.api.serializers import PersonSerializer
from tickets.models import Ticket

from ..models import Review, ReviewResponse

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
class CustomerTicketField(serializers.PrimaryKeyRelatedField):
    """Only the requesting customer's own tickets: anyone else's id reads as missing."""

    def get_queryset(self):
        return Ticket.objects.filter(customer=self.context["request"].user)


class ReviewPostSerializer(StrictSerializerMixin, serializers.Serializer):
    organization = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organization.objects.all()
    )
    stars = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    ticket = CustomerTicketField(required=False, allow_null=True)


class ResponseCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    body = serializers.CharField(max_length=4000)
