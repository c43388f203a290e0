from django.contrib import admin
from django.urls import include, path

from samhand.api.views import api, health

urlpatterns = [
    path("api/v1/", api.urls),
    path("healthz", health, name="health"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("samhand.portal.urls")),
]
