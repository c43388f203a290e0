from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "samhand.monitoring"
    verbose_name = "Meldingsovervåking"
