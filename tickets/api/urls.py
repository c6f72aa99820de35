from django.urls import path

from . import views

urlpatterns = [
    path("tickets/", views.TicketListView.as_view(), name="ticket-list"),
    path("tickets/<int:pk>/", views.TicketDetailView.as_view(), name="ticket-detail"),
    path("tickets/<int:pk>/updates/", views.TicketUpdateListView.as_view(), name="ticket-updates"),
    path("tickets/<int:pk>/assign/", views.TicketAssignView.as_view(), name="ticket-assign"),
    path("tickets/<int:pk>/take/", views.TicketTakeView.as_view(), name="ticket-take"),
    path("tickets/<int:pk>/status/", views.TicketStatusView.as_view(), name="ticket-status"),
    path("tickets/<int:pk>/priority/", views.TicketPriorityView.as_view(), name="ticket-priority"),
    path("tickets/<int:pk>/resolve/", views.TicketResolveView.as_view(), name="ticket-resolve"),
    path(
        "tickets/<int:pk>/status-request/",
        views.TicketStatusRequestView.as_view(),
        name="ticket-status-request",
    ),
    path(
        "organizations/<slug:slug>/tickets/",
        views.OrganizationTicketListView.as_view(),
        name="organization-ticket-list",
    ),
]
