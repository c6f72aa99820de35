from . import manage_views, views

app_name = "sensitivity"

urlpatterns = [
    *views.urlpatterns,
    *manage_views.urlpatterns,
]
