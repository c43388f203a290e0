import json

from django.conf import settings
from django.core.management.base import BaseCommand

from samhand.bench.run import run
from samhand.cms.bench import run_crypto_bench


class Command(BaseCommand):
    help = ("Benchmark the whole exchange (API submit → checks → protection → transport → inbox → EPR reads "
            "and answers → AppRec correlated) and print JSON with the primitive limit measured in the same run. "
            "`samhand bench crypto` measures protect/unprotect and the bare primitives only.")

    def add_arguments(self, parser):
        parser.add_argument("what", nargs="?", choices=["exchange", "crypto", "seed", "searchtime"], default="exchange",
                            help="seed: write --messages N messages (with deliveries and events) into this node's "
                                 "database, fast; searchtime: time the portal's message search and downtime_for")
        parser.add_argument("--chunk", type=int, default=20_000, help="seed: rows per COPY/bulk insert")
        parser.add_argument("--measure", action="store_true", help="seed: time the searches afterwards")
        parser.add_argument("--messages", type=int, default=1000)
        parser.add_argument("--concurrency", type=int, default=64,
                            help="closed loop: round trips in flight (the next message goes when an AppRec is back)")
        parser.add_argument("--submit", choices=["batch", "single"], default="batch",
                            help="how the simulated EPRs send: POST /messages/batch with what is due (default), "
                                 "or one POST /messages per message")
        parser.add_argument("--submit-threads", type=int, default=None,
                            help="submitting connections of the load generator: per sending EPR with --submit "
                                 "batch (default 2), in all with single (default: min(concurrency, 32))")
        parser.add_argument("--rate", type=float, default=None, help="open loop: messages per second")
        parser.add_argument("--linger-ms", type=int, default=50,
                            help="the simulated EPRs' long polls: once an entry is there, wait this much longer "
                                 "for others (the API's linger; 0: answer at once)")
        parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
        parser.add_argument("--transport", choices=["local", "amqp"], default="local")
        parser.add_argument("--workers", type=int, default=1, help="`samhand worker` processes")
        parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--sql-profile", action="store_true",
                            help="add the statements by shape per round trip (whole run) to the figures")
        parser.add_argument("--seconds", type=float, default=1.0, help="time per primitive measurement")

    def handle(self, *args, **options):
        if options["what"] in ("seed", "searchtime"):
            from samhand.bench.searchtime import measure
            from samhand.bench.seed import seed

            result = {}
            if options["what"] == "seed":
                result["seeded"] = seed(options["messages"], chunk=options["chunk"], out=self.stderr)
            if options["what"] == "searchtime" or options["measure"]:
                result["timings"] = measure()
        elif options["what"] == "crypto":
            result = run_crypto_bench(seconds=options["seconds"])
        else:
            result = run(messages=options["messages"], concurrency=options["concurrency"], rate=options["rate"],
                         database=options["database"], transport=options["transport"], workers=options["workers"],
                         web_workers=options["web_workers"], submit_threads=options["submit_threads"], submit=options["submit"],
                         linger_ms=options["linger_ms"], sql_profile=options["sql_profile"],
                         schema_dir=str(settings.SAMHAND_SCHEMA_DIR) if settings.SAMHAND_SCHEMA_DIR else None,
                         seconds_per_primitive=options["seconds"])
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
