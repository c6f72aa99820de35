"""The reception desk's and the managers' pages, under the organization's /o/<slug>/."""

from django.urls import path

from . import desk_views, manage_views

urlpatterns = [
    path("o/<slug:slug>/field/desk/", desk_views.DeskView.as_view(), name="desk"),
    path(
        "o/<slug:slug>/field/desk/search/", desk_views.DeskSearchView.as_view(), name="desk-search"
    ),
    path(
        "o/<slug:slug>/field/desk/waiting/",
        desk_views.DeskWaitingView.as_view(),
        name="desk-waiting",
    ),
    path("o/<slug:slug>/field/board/", manage_views.DayBoardView.as_view(), name="board"),
    path("o/<slug:slug>/field/workload/", manage_views.WorkloadView.as_view(), name="workload"),
    path(
        "o/<slug:slug>/field/settings/",
        manage_views.VisitSettingsView.as_view(),
        name="visit-settings",
    ),
    path(
        "o/<slug:slug>/field/technicians/",
        manage_views.TechnicianListView.as_view(),
        name="technicians",
    ),
    path(
        "o/<slug:slug>/field/technicians/<int:pk>/",
        manage_views.TechnicianEditView.as_view(),
        name="technician-edit",
    ),
    path(
        "o/<slug:slug>/field/<slug:kind>/",
        manage_views.CatalogueView.as_view(),
        name="catalogue",
    ),
    path(
        "o/<slug:slug>/field/<slug:kind>/<int:pk>/",
        manage_views.CatalogueEditView.as_view(),
        name="catalogue-edit",
    ),
    path(
        "o/<slug:slug>/field/<slug:kind>/<int:pk>/delete/",
        manage_views.CatalogueDeleteView.as_view(),
        name="catalogue-delete",
    ),
]
