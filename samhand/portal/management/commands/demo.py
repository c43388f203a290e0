import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

from samhand.directory.demo_pki import ensure_demo_pki
from samhand.directory.seed import seed_demo_directory
from samhand.lib.env import env_bool, env_int
from samhand.portal.demo import create_demo_credentials


class Command(BaseCommand):
    help = ("Set up the demo node (migrate, seed UNN and six Troms municipalities, API keys, portal logins) "
            "and run web, worker and the EPR simulator on 127.0.0.1.")

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=env_int("PORT", 8000, minimum=1))
        parser.add_argument("--credentials", type=Path, default=Path("demo-credentials.json"))
        parser.add_argument("--setup-only", action="store_true", help="prepare and write credentials, start nothing")
        parser.add_argument("--no-simulate", action="store_true",
                            help="no simulated traffic or automatic AppRecs (also SIMULATE=0)")

    def handle(self, *args, **options):
        port = options["port"]
        url = f"http://127.0.0.1:{port}"
        call_command("migrate", interactive=False, verbosity=0)
        orgs = seed_demo_directory()
        ensure_demo_pki()
        node = create_demo_credentials(url)
        path: Path = options["credentials"]
        path.write_text(json.dumps({"nodes": [node]}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.chmod(path, 0o600)
        self._print_summary(node, orgs, path)
        if options["setup_only"]:
            return
        simulate = env_bool("SIMULATE", True) and not options["no_simulate"]
        self._run(port, path, simulate)

    def _print_summary(self, node: dict, orgs, path: Path) -> None:
        self.stdout.write(self.style.SUCCESS(f"samhand demo: {len(orgs)} organisations, node at {node['url']}"))
        self.stdout.write(f"  API:     {node['url']}/api/v1/docs")
        self.stdout.write(f"  portal:  {node['url']}/")
        shown = [login for login in node["logins"] if login["username"].split(".")[0] in ("unn", "tromso")]
        for login in shown:
            self.stdout.write(f"  login:   {login['username']} / {login['password']}  ({login['role']}, {login['organisation']})")
        self.stdout.write(f"  all API keys and logins: {path} (git-ignored; regenerated on every start)")

    def _run(self, port: int, credentials: Path, simulate: bool) -> None:
        base = [sys.executable, "-m", "samhand.cli"]
        env = {**os.environ, "SAMHAND_MODE": os.environ.get("SAMHAND_MODE", "demo")}
        commands = [base + ["runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"], base + ["worker"]]
        if simulate:
            commands.append(base + ["simulate", "--credentials", str(credentials)])
        else:
            self.stdout.write("  SIMULATE=0: no simulated traffic and no automatic AppRecs")
        children = [subprocess.Popen(cmd, env=env) for cmd in commands]
        stop = {"now": False}

        def request_stop(signum, _frame):
            stop["now"] = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        try:
            while not stop["now"] and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
