from django.urls import path

from . import staff_urls, views

app_name = "technicians"

urlpatterns = [
    path("visits/photos/<str:token>/", views.visit_photo, name="visit-photo"),
    path("technicians/<int:pk>/photo/", views.profile_photo, name="profile-photo"),
]

urlpatterns += staff_urls.urlpatterns
