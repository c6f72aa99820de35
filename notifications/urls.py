from django.urls import path

from . import views, webhooks

app_name = "notifications"

urlpatterns = [
    path("sw.js", views.service_worker, name="service-worker"),
    path("webhooks/twilio/sms/", webhooks.twilio_inbound_sms, name="twilio-inbound"),
    path("webhooks/twilio/status/", webhooks.twilio_status_callback, name="twilio-status"),
    path("notifications/", views.InboxView.as_view(), name="inbox"),
    path("notifications/<int:pk>/open/", views.OpenNotificationView.as_view(), name="open"),
    path("notifications/read-all/", views.ReadAllView.as_view(), name="read-all"),
    path("notifications/preferences/", views.PreferencesView.as_view(), name="preferences"),
    path(
        "o/<slug:slug>/notifications/defaults/",
        views.OrganizationDefaultsView.as_view(),
        name="organization-defaults",
    ),
    path("o/<slug:slug>/deliveries/", views.DeliveriesView.as_view(), name="deliveries"),
]
