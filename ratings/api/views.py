from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsOrganizationStaff

from .. import selectors, services
from ..access import access_provider, access_staff_review
from ..models import Review
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
