from django.core.management.base import BaseCommand

from samhand.worker import Worker


class Command(BaseCommand):
    help = "Run the background steps (dispatch, receipts, …) with the database as the queue."

    def add_arguments(self, parser):
        parser.add_argument("--max-seconds", type=float, default=None, help="stop after this long (tests, cron)")

    def handle(self, *args, **options):
        from django.conf import settings

        from samhand.transports import network

        if network.enabled() and settings.SAMHAND_AMQP_DECLARE_QUEUES:
            network.declare_queues()
        worker = Worker()
        worker.install_signal_handlers()
        worker.run(max_seconds=options["max_seconds"])
