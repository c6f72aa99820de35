from django.utils.translation import gettext as _
from rest_framework import serializers

from csportal.models import Event


class StrictSerializerMixin:
    """Reject fields the serializer does not know, so a typo is a 400 instead of ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            known = set(self.fields)
            unknown = sorted(str(key) for key in data if key not in known)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown field.")] for name in unknown}, code="unknown_field"
                )
        return super().to_internal_value(data)


class EventSerializer(serializers.ModelSerializer):
    at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Event
        fields = ["id", "type", "at", "group", "data"]
