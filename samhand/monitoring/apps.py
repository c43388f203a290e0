from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "samhand.monitoring"
    verbose_name = "Meldingsovervåking"

    def ready(self) -> None:
        from samhand.exchange.queue import register_hold

        from . import subscribers  # noqa: F401 - registers the manual-routine ledger with the event feed
        from .downtime import held_deliveries

        # S8: deliveries to a party in downtime stay queued, in order, until it ends.
        register_hold(held_deliveries)
