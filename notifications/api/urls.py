from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path(
        "notifications/read-all/",
        views.NotificationReadAllView.as_view(),
        name="notification-read-all",
    ),
    path(
        "notifications/<int:pk>/read/",
        views.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path(
        "notifications/preferences/",
        views.PreferenceView.as_view(),
        name="notification-preferences",
    ),
    path(
        "notifications/quiet-hours/",
        views.QuietHoursView.as_view(),
        name="notification-quiet-hours",
    ),
    path(
        "notifications/push-subscription/",
        views.PushSubscriptionView.as_view(),
        name="push-subscription",
    ),
    path(
        "organizations/<slug:slug>/deliveries/",
        views.DeliveryListView.as_view(),
        name="delivery-list",
    ),
]
