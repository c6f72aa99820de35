import django_filters
from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import IsOrganizationStaff

from .. import selectors, services
from ..access import access_notification
from ..models import Notification, NotificationPreference, QuietHours
from . import serializers as s


class InboxFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


class NotificationListView(generics.ListAPIView):
    """Your in-app notifications, newest first; `?unread=true` for the unread ones."""

    serializer_class = s.NotificationSerializer
    filterset_class = InboxFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        return selectors.inbox_for(self.request.user)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        response.data["unread"] = selectors.unread_count(request.user)
        return response


class NotificationReadView(APIView):
    @extend_schema(request=None, responses=s.NotificationSerializer)
    def post(self, request, pk):
        notification = access_notification(request.user, pk)
        notification = services.notification_mark_read(user=request.user, notification=notification)
        return Response(s.NotificationSerializer(notification).data)


class NotificationReadAllView(APIView):
    @extend_schema(
        request=None,
        responses={200: {"type": "object", "properties": {"marked": {"type": "integer"}}}},
    )
    def post(self, request):
        return Response({"marked": services.notification_mark_all_read(user=request.user)})


class PreferenceView(APIView):
    """Channels per kind you can receive: yours where you chose, else the defaults. Setting
    one for a kind you can't receive is a 400 naming `kind`."""

    @extend_schema(responses=s.PreferenceSerializer(many=True))
    def get(self, request):
        mine = {
            p.kind: p.channels for p in NotificationPreference.objects.filter(user=request.user)
        }
        return Response(
            [
                {
                    "kind": kind.name,
                    "label": str(kind.label),
                    "channels": mine.get(kind.name, list(kind.default_channels)),
                    "custom": kind.name in mine,
                }
                for kind in selectors.kinds_for(request.user)
            ]
        )

    @extend_schema(request=s.PreferenceSerializer, responses=s.PreferenceSerializer)
    def put(self, request):
        data = s.PreferenceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        preference = services.preference_set(user=request.user, **data.validated_data)
        return Response({"kind": preference.kind, "channels": preference.channels})


class QuietHoursView(APIView):
    @extend_schema(responses=s.QuietHoursSerializer)
    def get(self, request):
        quiet = QuietHours.objects.filter(user=request.user).first()
        return Response(s.QuietHoursSerializer(quiet or {"start": None, "end": None}).data)

    @extend_schema(request=s.QuietHoursSerializer, responses=s.QuietHoursSerializer)
    def put(self, request):
        data = s.QuietHoursSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.quiet_hours_set(user=request.user, **data.validated_data)
        return Response(data.data)


class PushSubscriptionView(APIView):
    """Register (POST) or forget (DELETE) this browser's Web Push subscription."""

    @extend_schema(
        responses={200: {"type": "object", "properties": {"public_key": {"type": "string"}}}}
    )
    def get(self, request):
        return Response({"public_key": settings.VAPID_PUBLIC_KEY})

    @extend_schema(request=s.PushSubscriptionSerializer, responses={201: None})
    def post(self, request):
        data = s.PushSubscriptionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.push_subscribe(
            user=request.user,
            endpoint=data.validated_data["endpoint"],
            user_agent=request.headers.get("User-Agent", ""),
            **data.validated_data["keys"],
        )
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PushSubscriptionSerializer, responses={204: None})
    def delete(self, request):
        endpoint = str(request.data.get("endpoint", "")) if hasattr(request.data, "get") else ""
        services.push_unsubscribe(user=request.user, endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeliveryListView(generics.ListAPIView):
    """Where every message the organization sent stands: queued, sent, delivered, failed, read."""

    permission_classes = [IsOrganizationStaff]
    read_roles = (Role.MANAGER, Role.AGENT, Role.RECEPTIONIST)
    serializer_class = s.DeliverySerializer
    filterset_fields = ["status", "channel", "kind"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no membership
            return Notification.objects.none()
        return selectors.deliveries_for(self.request.membership.organization)
