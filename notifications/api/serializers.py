from rest_framework import serializers

from csportal.api.serializers import StrictSerializerMixin

from ..models import Channel, Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "data", "status", "created_at", "read_at"]


class DeliverySerializer(serializers.ModelSerializer):
    recipient = serializers.CharField(source="recipient.email", default=None)

    class Meta:
        model = Notification
        fields = [
            "id",
            "channel",
            "kind",
            "title",
            "recipient",
            "address",
            "status",
            "attempts",
            "error",
            "created_at",
            "sent_at",
            "delivered_at",
            "failed_at",
            "read_at",
        ]


class PreferenceSerializer(StrictSerializerMixin, serializers.Serializer):
    kind = serializers.CharField(max_length=64)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), max_length=4
    )


class QuietHoursSerializer(StrictSerializerMixin, serializers.Serializer):
    start = serializers.TimeField(allow_null=True)
    end = serializers.TimeField(allow_null=True)


class PushKeysSerializer(StrictSerializerMixin, serializers.Serializer):
    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=100)


class PushSubscriptionSerializer(StrictSerializerMixin, serializers.Serializer):
    endpoint = serializers.URLField(max_length=1000)
    keys = PushKeysSerializer()
    expirationTime = serializers.IntegerField(required=False, allow_null=True)  # noqa: N815 - the browser's name
