from django.apps import AppConfig


class DialogueConfig(AppConfig):
    name = "samhand.dialogue"
    label = "dialogue"
    verbose_name = "Dialog og feilsendte meldinger"

    def ready(self) -> None:
        from . import subscribers  # noqa: F401 - registers the outbox subscribers
