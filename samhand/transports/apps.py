from django.apps import AppConfig


class TransportsConfig(AppConfig):
    name = "samhand.transports"
    verbose_name = "Transport"

    def ready(self) -> None:
        # The exchange dispatches through whatever is registered here; it never imports transports.
        from samhand.exchange.deliver import use_transports

        from .registry import transport_for

        use_transports(transport_for)
