from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("tickets/", views.CustomerTicketListView.as_view(), name="list"),
    path("tickets/new/", views.TicketOpenView.as_view(), name="new"),
    path("tickets/<int:pk>/", views.CustomerTicketDetailView.as_view(), name="detail"),
    path("tickets/<int:pk>/earlier/", views.CustomerEarlierEntriesView.as_view(), name="earlier"),
    path("tickets/<int:pk>/follow-up/", views.FollowUpView.as_view(), name="follow-up"),
    path(
        "tickets/<int:pk>/status-request/", views.StatusRequestView.as_view(), name="status-request"
    ),
    path("attachments/<str:token>/", views.attachment_download, name="attachment"),
    path("o/<slug:slug>/tickets/", views.AgentInboxView.as_view(), name="inbox"),
    path("o/<slug:slug>/tickets/overview/", views.TicketOverviewView.as_view(), name="overview"),
    path(
        "o/<slug:slug>/tickets/<int:pk>/",
        views.StaffTicketDetailView.as_view(),
        name="staff-detail",
    ),
    path(
        "o/<slug:slug>/tickets/<int:pk>/earlier/",
        views.StaffEarlierEntriesView.as_view(),
        name="staff-earlier",
    ),
    path(
        "o/<slug:slug>/tickets/<int:pk>/<slug:action>/",
        views.StaffTicketActionView.as_view(),
        name="staff-action",
    ),
    path("o/<slug:slug>/service-levels/", views.ServiceLevelView.as_view(), name="service-levels"),
]
