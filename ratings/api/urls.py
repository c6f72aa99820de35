from django.urls import path

from . import views

urlpatterns = [
    path("gifts/", views.GiftListView.as_view(), name="gift-list"),
    path("reviews/", views.ReviewListView.as_view(), name="review-list"),
    path("reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="review-detail"),
    path("reviews/<int:pk>/response/", views.ReviewResponseView.as_view(), name="review-response"),
    path(
        "organizations/<slug:slug>/reviews/",
        views.OrganizationReviewListView.as_view(),
        name="organization-review-list",
    ),
    path("organizations/<slug:slug>/score", views.ScoreView.as_view(), name="organization-score"),
    path(
        "organizations/<slug:slug>/score/history",
        views.ScoreHistoryView.as_view(),
        name="organization-score-history",
    ),
]
