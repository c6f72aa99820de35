from django.apps import apps
from django.urls import include, path

from .views import EventReplayView

app_name = "api"

urlpatterns = [
    path("events/", EventReplayView.as_view(), name="events"),
]
# The API of the apps installed, as csportal.urls does for pages.
urlpatterns += [
    path("", include(f"{app}.api.urls"))
    for app in ("accounts", "tickets", "notifications", "technicians", "sensitivity", "ratings")
    if apps.is_installed(app)
]
