from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import access_membership
from accounts.models import Role
from accounts.permissions import IsOrganizationStaff

from .. import selectors, services
from ..access import (
    access_customer_review,
    access_provider,
    access_rated_person,
    access_staff_review,
)
from ..models import Gift, Review
from . import serializers as s


class ReviewListView(generics.ListAPIView):
    """Your reviews as a customer, newest first; POST reviews a provider that served you."""

    serializer_class = s.ReviewSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Review.objects.none()
        return selectors.reviews_by_customer(self.request.user)

    @extend_schema(request=s.ReviewPostSerializer, responses={201: s.ReviewSerializer})
    def post(self, request):
        data = s.ReviewPostSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        review = services.review_post(customer=request.user, **data.validated_data)
        return Response(s.ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class OrganizationReviewListView(generics.ListAPIView):
    """An organization's reviews for its agents and managers, unanswered first."""

    permission_classes = [IsOrganizationStaff]
    read_roles = services.RESPONDING_ROLES
    serializer_class = s.StaffReviewSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        return selectors.reviews_for_staff(self.request.membership.organization)


class ReviewResponseView(APIView):
    """The provider's public answer to a review, once."""

    @extend_schema(request=s.ResponseCreateSerializer, responses={201: s.StaffReviewSerializer})
    def post(self, request, pk):
        review = access_staff_review(request.user, pk, services.RESPONDING_ROLES)
        data = s.ResponseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.review_respond(review=review, author=request.user, **data.validated_data)
        review = selectors.reviews_for_staff(review.organization).get(pk=review.pk)
        return Response(s.StaffReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class ScoreView(APIView):
    """A provider's public score: points (0-100), number of ratings, the distribution."""

    permission_classes = [AllowAny]

    @extend_schema(responses=s.ScoreSerializer)
    def get(self, request, slug):
        organization = access_provider(slug)
        summary = selectors.score_summary(selectors.organization_score(organization))
        return Response(s.ScoreSerializer(summary).data)


class ScoreHistoryView(APIView):
    """A score's points and number of ratings day by day, oldest first, from its daily
    snapshots. The organization's is public like its score; a person's (`person`, a user
    id) is for the organization's managers only."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[s.ScoreHistoryQuerySerializer], responses=s.ScoreHistorySerializer)
    def get(self, request, slug):
        organization = access_provider(slug)
        query = s.ScoreHistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = dict(query.validated_data)
        person_id = options.pop("person", None)
        if person_id is not None:
            if not request.user.is_authenticated:
                raise NotAuthenticated
            acting = access_membership(request.user, slug, (Role.MANAGER,))
            membership = access_rated_person(acting, person_id)
            options["person"] = membership.user
            options.setdefault("kind", selectors.person_kind(membership))
        history = selectors.score_history(organization, **options)
        return Response(s.ScoreHistorySerializer(history).data)


class ReviewDetailView(APIView):
    """One of your reviews as a customer. Within the edit window after posting it you may
    change its stars or comment (PATCH) or delete it; anyone else's review is a 404."""

    def _output(self, request, pk):
        return s.ReviewSerializer(selectors.reviews_by_customer(request.user).get(pk=pk)).data

    @extend_schema(responses=s.ReviewSerializer)
    def get(self, request, pk):
        access_customer_review(request.user, pk)
        return Response(self._output(request, pk))

    @extend_schema(request=s.ReviewEditSerializer, responses=s.ReviewSerializer)
    def patch(self, request, pk):
        review = access_customer_review(request.user, pk)
        data = s.ReviewEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = {"stars": review.stars, "comment": review.comment, **data.validated_data}
        services.review_edit(review=review, customer=request.user, **changes)
        return Response(self._output(request, pk))

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        review = access_customer_review(request.user, pk)
        services.review_delete(review=review, customer=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GiftListView(generics.ListAPIView):
    """Thank-yous: those you received as staff and those you sent as a customer, newest
    first (`direction` keeps one side). POST thanks someone of a provider who served you."""

    serializer_class = s.GiftSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Gift.objects.none()
        query = s.GiftQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.gifts_of(
            self.request.user, direction=query.validated_data.get("direction")
        )

    @extend_schema(parameters=[s.GiftQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.GiftSendSerializer, responses={201: s.GiftSerializer})
    def post(self, request):
        data = s.GiftSendSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        gift = services.gift_send(sender=request.user, **data.validated_data)
        return Response(s.GiftSerializer(gift).data, status=status.HTTP_201_CREATED)
