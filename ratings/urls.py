from django.urls import path

from . import views

app_name = "ratings"

urlpatterns = [
    path("providers/", views.ProviderListView.as_view(), name="providers"),
    path("providers/<slug:slug>/", views.ProviderView.as_view(), name="provider"),
    path(
        "providers/<slug:slug>/reviews/",
        views.ProviderReviewsView.as_view(),
        name="provider-reviews",
    ),
    path("o/<slug:slug>/reviews/", views.DashboardView.as_view(), name="dashboard"),
    path(
        "o/<slug:slug>/reviews/about-me/",
        views.ReviewsAboutMeView.as_view(),
        name="reviews-about-me",
    ),
    path(
        "o/<slug:slug>/reviews/<int:pk>/<slug:action>/",
        views.DashboardActionView.as_view(),
        name="dashboard-action",
    ),
    path("o/<slug:slug>/scores/", views.ScoresDashboardView.as_view(), name="scores"),
    path("me/reviews/", views.MyReviewsView.as_view(), name="my-reviews"),
    path("me/reviews/awaiting/", views.AwaitingRatingView.as_view(), name="awaiting-rating"),
    path(
        "me/reviews/<int:pk>/<slug:action>/",
        views.MyReviewActionView.as_view(),
        name="my-review-action",
    ),
    path("tickets/<int:pk>/feedback/", views.TicketFeedbackView.as_view(), name="ticket-feedback"),
    path(
        "tickets/<int:pk>/feedback/<slug:action>/",
        views.TicketFeedbackView.as_view(),
        name="ticket-feedback-action",
    ),
    path("visits/<int:pk>/feedback/", views.VisitFeedbackView.as_view(), name="visit-feedback"),
    path(
        "visits/<int:pk>/feedback/<slug:action>/",
        views.VisitFeedbackView.as_view(),
        name="visit-feedback-action",
    ),
    path("chats/<int:pk>/feedback/", views.ChatFeedbackView.as_view(), name="chat-feedback"),
    path(
        "chats/<int:pk>/feedback/<slug:action>/",
        views.ChatFeedbackView.as_view(),
        name="chat-feedback-action",
    ),
    path("o/<slug:slug>/agents/<int:pk>/", views.AgentProfileView.as_view(), name="agent-profile"),
]
