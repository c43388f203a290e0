from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from samhand.api.views import api, health, not_found
from samhand.monitoring.metrics import metrics_view

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/", not_found),  # unknown API paths: JSON problem details, not the portal's 404 page
    path("healthz", health, name="health"),
    path("metrics", metrics_view, name="metrics"),
    # Off in production unless SAMHAND_ADMIN=1 (samhand.security.admin_hardening).
    *([path("admin/", admin.site.urls)] if settings.SAMHAND_ADMIN_ENABLED else []),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("samhand.portal.urls")),
]
