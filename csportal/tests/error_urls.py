"""The project's URLs plus views that fail on purpose, for the error page tests."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from csportal.urls import handler400, handler403, handler404, handler500  # noqa: F401
from csportal.urls import urlpatterns as project_urlpatterns


def crash(request):
    raise RuntimeError("a bug in a view")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("crash/", crash),
    path("forbidden/", forbidden),
    path("api/v1/crash/", crash),
    path("api/v1/forbidden/", forbidden),
    *project_urlpatterns,
]
