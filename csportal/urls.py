from django.apps import apps
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.cache import cache_page
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .health import healthz
from .views import api_not_found

# Pages in the portal's frame, JSON under /api/; never Django's debug pages.
handler400 = "csportal.views.bad_request"
handler403 = "csportal.views.permission_denied"
handler404 = "csportal.views.page_not_found"
handler500 = "csportal.views.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("csportal.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (?script), not inline, for the CSP.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api_docs.html"),
        name="api-docs",
    ),
    path("api/<path:rest>", api_not_found),
    path("i18n/", include("django.conf.urls.i18n")),
    # Words and date formats for scripts: the same for everyone in a language, and its URL
    # names the language and version ({% javascript_catalog %}), so it is cached a day.
    path(
        "jsi18n/",
        cache_page(60 * 60 * 24)(JavaScriptCatalog.as_view()),
        name="javascript-catalog",
    ),
    path("admin/", admin.site.urls),
]
# The pages of the apps installed: a lower app's pages run without the apps above it
# (tests/test_app_boundaries.py proves it for each).
urlpatterns += [
    path("", include(f"{app}.urls"))
    for app in ("notifications", "tickets", "technicians", "sensitivity", "ratings", "accounts")
    if apps.is_installed(app)
]
