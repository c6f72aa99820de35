from django.urls import path

from . import views

urlpatterns = [
    path("availability/", views.AvailabilityView.as_view(), name="availability"),
    path("service-requests/", views.VisitListView.as_view(), name="visit-list"),
    path("service-requests/<int:pk>/", views.VisitDetailView.as_view(), name="visit-detail"),
    path(
        "service-requests/<int:pk>/reschedule/",
        views.VisitRescheduleView.as_view(),
        name="visit-reschedule",
    ),
    path("service-requests/<int:pk>/cancel/", views.VisitCancelView.as_view(), name="visit-cancel"),
    path("service-requests/<int:pk>/steps/", views.VisitStepView.as_view(), name="visit-steps"),
    path(
        "service-requests/<int:pk>/complete/",
        views.VisitCompleteView.as_view(),
        name="visit-complete",
    ),
    path("service-requests/<int:pk>/photos/", views.VisitPhotoView.as_view(), name="visit-photos"),
    path(
        "organizations/<slug:slug>/service-requests/",
        views.OrganizationVisitListView.as_view(),
        name="organization-visit-list",
    ),
    path(
        "organizations/<slug:slug>/technicians/me/hours/",
        views.MyWorkingHoursView.as_view(),
        name="my-working-hours",
    ),
    path(
        "organizations/<slug:slug>/technicians/me/time-off/",
        views.MyTimeOffView.as_view(),
        name="my-time-off",
    ),
    path(
        "organizations/<slug:slug>/technicians/me/time-off/<int:pk>/",
        views.MyTimeOffDetailView.as_view(),
        name="my-time-off-detail",
    ),
]
