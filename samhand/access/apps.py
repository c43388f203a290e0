from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "samhand.access"
    verbose_name = "Tilgang og logg"
