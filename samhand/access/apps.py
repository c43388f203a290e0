from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "samhand.access"
    verbose_name = "Tilgang og logg"

    def ready(self):
        from django.conf import settings

        if getattr(settings, "MODE", "") == "test":
            from .triggers import allow_test_flush

            allow_test_flush()
