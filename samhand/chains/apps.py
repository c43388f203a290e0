from django.apps import AppConfig


class ChainsConfig(AppConfig):
    name = "samhand.chains"
    verbose_name = "Standard meldingsforløp"
