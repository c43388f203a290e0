import json
import random
import signal
import threading
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from samhand.simulator.runner import Simulator, wait_for_server


class Command(BaseCommand):
    help = "Drive simulated EPR systems for the demo parties through the API (PLO chain + AppRecs)."

    def add_arguments(self, parser):
        parser.add_argument("--credentials", type=Path, default=Path("demo-credentials.json"))
        parser.add_argument("--node", type=int, default=0, help="which node of the credentials file")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between ticks")
        parser.add_argument("--ticks", type=int, default=None, help="stop after this many ticks")
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args, **options):
        try:
            node = json.loads(options["credentials"].read_text())["nodes"][options["node"]]
        except (OSError, ValueError, KeyError, IndexError) as exc:
            raise CommandError(f"cannot read {options['credentials']}: {exc}") from exc
        wait_for_server(node["url"])
        simulator = Simulator(node["url"], node["apiKeys"], rng=random.Random(options["seed"]))
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        self.stdout.write(f"simulating EPR systems for {len(node['apiKeys'])} parties at {node['url']}")
        simulator.run(stop, interval=options["interval"], max_ticks=options["ticks"])
        self.stdout.write(f"simulator: {simulator.stats}")
