from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "samhand.portal"
    verbose_name = "Portal"
