from django.urls import include, path

from .views import EventReplayView

app_name = "api"

urlpatterns = [
    path("events/", EventReplayView.as_view(), name="events"),
    path("", include("accounts.api.urls")),
    path("", include("tickets.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("ratings.api.urls")),
]
