from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "samhand.api"
    verbose_name = "EPJ-integrasjoner"
