from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "samhand.security"
    verbose_name = "Sikkerhet"

    def ready(self):
        from . import admin_hardening, checks, sqlite  # noqa: F401 - registers checks, admin and db hooks

        admin_hardening.install()
        sqlite.install()
