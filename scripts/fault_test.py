"""Fault test: 1,000 messages between two nodes while a receiving worker is killed with
SIGKILL and restarted and the broker is restarted once. Every message must arrive exactly once
in the receiving inbox and every one must get its AppRec back at the sender.

Run by .ci/run after the test suite; prints JSON and exits non-zero on any loss or duplicate.
Usage: python scripts/fault_test.py [--messages 1000] [--database postgres|sqlite]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samhand.settings")
os.environ.setdefault("SAMHAND_MODE", "demo")

import django  # noqa: E402

django.setup()

from samhand.bench.load import Http  # noqa: E402
from samhand.bench.messages import prepare  # noqa: E402
from samhand.bench.nodes import TwoNodes  # noqa: E402
from samhand.simulator.chain import Address  # noqa: E402

STATES = ("queued", "sent", "delivered", "acknowledged", "rejected", "failed", "refused")


def attach(nodes: TwoNodes) -> list[str]:
    """Each node's database as a connection of this process, so counting is a few queries (a
    `samhand shell` per count cost each node a second of CPU while it was being measured)."""
    from django.conf import settings
    from django.db import connections

    from samhand.lib.env import parse_database_url

    aliases = []
    for index, url in enumerate(nodes.db_urls):
        alias = f"node{index + 1}"
        config = {"default": connections.settings["default"],
                  alias: parse_database_url(url, base_dir=Path(settings.BASE_DIR))}
        connections.settings[alias] = connections.configure_settings(config)[alias]
        aliases.append(alias)
    return aliases


def counts(alias: str) -> dict:
    from django.db.models import Count

    from samhand.exchange.models import Delivery as D
    from samhand.exchange.models import Message as M

    business = M.objects.using(alias).filter(is_apprec=False)
    deliveries = D.objects.using(alias).filter(message__is_apprec=False)
    by_state = dict(deliveries.values_list("state").annotate(n=Count("id")).order_by())
    return {"states": {s: by_state.get(s, 0) for s in STATES},
            "business": business.count(),
            "distinct": business.values("sender_her_id", "msg_id").distinct().count(),
            "inbox": deliveries.filter(delivered_at__isnull=False).count(),
            "apprecs": M.objects.using(alias).filter(is_apprec=True).count()}


def detach(aliases: list[str]) -> None:
    from django.db import connections

    for alias in aliases:
        connections[alias].close()  # before the databases are dropped


def restart_broker() -> None:
    subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True)
    time.sleep(2)
    subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--timeout", type=float, default=1200)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="samhand-fault-"))
    nodes = TwoNodes(workdir, database=args.database, amqp_url=os.environ.get(
        "SAMHAND_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672"), workers=2, web_workers=2)
    nodes.setup()
    sender_db, receiver_db = aliases = attach(nodes)
    # The municipal EPRs are not part of this test: node 2 answers OK on their behalf.
    nodes.shell(1, "from samhand.directory.models import CommunicationParty as P; "
                   "P.objects.filter(hosted=True).update(auto_apprec=True)")
    hospital = [Address("8100101", "Medisinsk avdeling, UNN Tromsø", "8100000", "UNN HF")]
    municipal = [(Address(f"82{m}001", "Sykepleietjeneste", f"82{m}000", "Kommune"),
                  Address(f"82{m}002", "Saksbehandlertjeneste", f"82{m}000", "Kommune")) for m in ("01", "02", "03")]
    prepared = prepare(args.messages, hospital, municipal, seed=11)
    nodes.start()
    started = time.monotonic()
    faults: list[str] = []
    try:
        http = Http(nodes.urls[0], nodes.keys[0]["8100101"])
        index = iter(range(len(prepared)))
        lock = threading.Lock()
        errors: list[str] = []

        def sender():
            while True:
                with lock:
                    i = next(index, None)
                if i is None:
                    return
                try:
                    http.call("POST", "/messages", {"businessDocument": base64.b64encode(prepared[i].xml).decode()})
                except Exception as exc:  # noqa: BLE001
                    errors.append(str(exc))

        threads = [threading.Thread(target=sender) for _ in range(4)]
        for t in threads:
            t.start()
        killed = broker = False
        while any(t.is_alive() for t in threads) or not (killed and broker):
            received = counts(receiver_db)["business"]
            if not killed and received >= args.messages * 0.2:
                nodes.nodes[1].kill_worker(0)
                faults.append(f"SIGKILL receiving worker after {received} arrivals")
                killed = True
            elif killed and not broker and received >= args.messages * 0.5:
                restart_broker()
                faults.append(f"broker restarted after {received} arrivals")
                broker = True
            time.sleep(1)
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            sender_side = counts(sender_db)
            if sender_side["states"]["acknowledged"] + sender_side["states"]["rejected"] >= args.messages:
                break
            time.sleep(2)
        sender_side, receiver_side = counts(sender_db), counts(receiver_db)
    finally:
        detach(aliases)
        nodes.cleanup()
    ok = (not errors and sender_side["business"] == args.messages
          and sender_side["states"]["acknowledged"] == args.messages
          and receiver_side["business"] == receiver_side["distinct"] == args.messages
          and receiver_side["inbox"] == args.messages)
    print(json.dumps({"ok": ok, "messages": args.messages, "seconds": round(time.monotonic() - started, 1),
                      "faults": faults, "submit_errors": errors[:3], "sender_node": sender_side,
                      "receiver_node": receiver_side}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
