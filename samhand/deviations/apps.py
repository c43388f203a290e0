from django.apps import AppConfig


class DeviationsConfig(AppConfig):
    name = "samhand.deviations"
    verbose_name = "Avvik og styringsdokumenter"

    def ready(self) -> None:
        from . import subscribers  # noqa: F401 - registers the automatic drafts with the event feed
