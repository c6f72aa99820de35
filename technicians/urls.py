from django.urls import path

from . import views

app_name = "technicians"

urlpatterns = [
    path("visits/photos/<str:token>/", views.visit_photo, name="visit-photo"),
    path("technicians/<int:pk>/photo/", views.profile_photo, name="profile-photo"),
]
