from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "samhand.accounts"
    verbose_name = "Brukere og roller"
