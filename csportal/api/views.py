from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from csportal import realtime

from .serializers import EventSerializer


class ReplayQuerySerializer(serializers.Serializer):
    since = serializers.IntegerField(min_value=0)
    groups = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class EventReplayView(APIView):
    """Events the user may see with an id above `since`, oldest first.

    Pass `cursor` as `since` the next time and drop the events already seen by id: ids are
    taken in one order and committed in another, and `cursor` stays behind any transaction
    that may still commit an event below the newest one. While `more`, page on with the last
    id returned."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "since", int, required=True, description="The last `cursor` (or last id)."
            ),
            OpenApiParameter(
                "groups", str, description="Comma-separated object groups, e.g. ticket.12."
            ),
        ],
        responses=inline_serializer(
            "EventReplay",
            {
                "events": EventSerializer(many=True),
                "cursor": serializers.IntegerField(),
                "more": serializers.BooleanField(),
            },
        ),
    )
    def get(self, request):
        query = ReplayQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        groups = realtime.groups_by_right(request.user)
        requested = [g for g in query.validated_data.get("groups", "").split(",") if g.strip()]
        groups += [g for g in requested if realtime.may_join_object_group(request.user, g)]
        since = query.validated_data["since"]
        floor = realtime.settled_floor(now=timezone.now())
        events = realtime.events_since(groups, since)
        reached = events[-1].pk if events else since
        return Response(
            {
                "events": EventSerializer(events, many=True).data,
                "cursor": min(floor, reached),
                "more": len(events) == realtime.REPLAY_LIMIT,
            }
        )
