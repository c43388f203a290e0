from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "samhand.exchange"
    verbose_name = "Meldingsutveksling"
