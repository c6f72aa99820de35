from django.urls import path

from . import staff_urls, views

app_name = "technicians"

urlpatterns = [
    path("visits/", views.CustomerVisitListView.as_view(), name="mine"),
    path("visits/new/", views.ProviderChoiceView.as_view(), name="providers"),
    path("visits/new/<slug:slug>/", views.VisitNewView.as_view(), name="visit-new"),
    path("visits/new/<slug:slug>/book/", views.VisitBookView.as_view(), name="visit-book"),
    path("visits/new/<slug:slug>/request/", views.VisitRequestView.as_view(), name="visit-request"),
    path("visits/<int:pk>/", views.VisitView.as_view(), name="visit"),
    path("visits/<int:pk>/booked/", views.VisitBookedView.as_view(), name="visit-booked"),
    path("visits/<int:pk>/cancel/", views.VisitCancelView.as_view(), name="visit-cancel"),
    path(
        "visits/<int:pk>/reschedule/",
        views.VisitRescheduleView.as_view(),
        name="visit-reschedule",
    ),
    path("visits/<int:pk>/step/", views.VisitStepView.as_view(), name="visit-step"),
    path("visits/<int:pk>/report/", views.VisitReportView.as_view(), name="visit-report"),
    path("visits/photos/<str:token>/", views.visit_photo, name="visit-photo"),
    path("technicians/<int:pk>/photo/", views.profile_photo, name="profile-photo"),
    path("o/<slug:slug>/today/visits/", views.TechnicianAgendaView.as_view(), name="agenda"),
    path("o/<slug:slug>/my-hours/", views.WorkingHoursView.as_view(), name="working-hours"),
    path("o/<slug:slug>/my-time-off/", views.TimeOffView.as_view(), name="time-off"),
    path(
        "o/<slug:slug>/my-time-off/<int:pk>/remove/",
        views.TimeOffRemoveView.as_view(),
        name="time-off-remove",
    ),
]

urlpatterns += staff_urls.urlpatterns
