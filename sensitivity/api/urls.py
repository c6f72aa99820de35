from django.urls import path

from . import views

PREFIX = "organizations/<slug:slug>/sensitivity"

urlpatterns = [
    path(f"{PREFIX}/codes/", views.CodeListView.as_view(), name="sensitivity-codes"),
    path(f"{PREFIX}/codes/<int:pk>/", views.CodeDetailView.as_view(), name="sensitivity-code"),
    path(
        f"{PREFIX}/assessments/",
        views.AssessmentListView.as_view(),
        name="sensitivity-assessments",
    ),
    path(
        f"{PREFIX}/customers/<int:pk>/disposition/",
        views.DispositionView.as_view(),
        name="sensitivity-disposition",
    ),
    path(f"{PREFIX}/calls/", views.CallListView.as_view(), name="sensitivity-calls"),
    path(f"{PREFIX}/calls/<int:pk>/", views.CallRecordView.as_view(), name="sensitivity-call"),
]
