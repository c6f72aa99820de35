from django.urls import path

from . import views

app_name = "ratings"

urlpatterns = [
    path("providers/", views.ProviderListView.as_view(), name="providers"),
    path("providers/<slug:slug>/", views.ProviderView.as_view(), name="provider"),
    path("o/<slug:slug>/reviews/", views.DashboardView.as_view(), name="dashboard"),
    path(
        "o/<slug:slug>/reviews/<int:pk>/<slug:action>/",
        views.DashboardActionView.as_view(),
        name="dashboard-action",
    ),
]
