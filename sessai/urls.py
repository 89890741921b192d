from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from sessai.api import health, ratelimit
from sessai.api.ratelimit import LOGIN_LIMITS
from sessai.metrics import metrics_view

api_patterns = [
    path("health", health.HealthView.as_view(), name="health"),
    path("health/ready", health.ReadyView.as_view(), name="health-ready"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),  # no inline script: CSP
    path("redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"), name="redoc"),
    path("", include("accounts.api.urls")),
    path("", include("patients.api.urls")),
    path("", include("scheduling.api.urls")),
    path("", include("ai_reports.api.urls")),
    path("", include("billing.api.urls")),
    re_path(r"^.*$", health.NotFoundView.as_view(), name="api-not-found"),  # JSON 404, even with DEBUG
]

# The patients' and invitees' pages: each app routes its own (`<app>/page_urls.py`), under one
# namespace, `portal`. The root URLconf names the apps' URL modules as strings, as it does the APIs'.
portal_patterns = [
    path("", include("accounts.page_urls")),
    path("", include("patients.page_urls")),
    path("", include("scheduling.page_urls")),
    path("", include("ai_reports.page_urls")),
]

# The console's login is as hard to guess as the API's.
admin.site.login = ratelimit.protect_form_login(admin.site.login, LOGIN_LIMITS)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
    path("api/", include(api_patterns)),
    path("", include((portal_patterns, "portal"))),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "sessai.api.exceptions.handler400"
handler403 = "sessai.api.exceptions.handler403"
handler404 = "sessai.api.exceptions.handler404"
handler500 = "sessai.api.exceptions.handler500"
