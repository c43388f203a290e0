from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "samhand.directory"
    verbose_name = "Adresseregister"
