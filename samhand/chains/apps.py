from django.apps import AppConfig


class ChainsConfig(AppConfig):
    name = "samhand.chains"
    verbose_name = "Standard meldingsforløp"

    def ready(self) -> None:
        from samhand.exchange.checks import register_type_check

        from . import subscribers  # noqa: F401 - registers the chain tracking with the event feed
        from .capabilities import capability_errors

        # T10 before sending and on receipt: retired types and what each receiver takes (HISD 1177 §6.4).
        register_type_check(capability_errors)
