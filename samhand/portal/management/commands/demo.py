import json
import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from samhand.chains.seed import seed_message_types, seed_standard_chain
from samhand.deviations.procedures import seed_procedures
from samhand.directory.demo_pki import ensure_demo_pki
from samhand.directory.seed import seed_demo_directory
from samhand.lib.dotenv import write_demo_env
from samhand.lib.env import env_bool, env_int
from samhand.portal import demo_nodes
from samhand.portal.demo import create_demo_credentials
from samhand.video.seed import seed_video


class Command(BaseCommand):
    help = ("Set up the demo node (migrate, seed UNN and six Troms municipalities, certificates, API keys, "
            "portal logins) and run web, worker and the EPR simulator on 127.0.0.1. With --nodes 2: one node "
            "hosting UNN on PORT and one hosting the municipalities on PORT+1, on PostgreSQL and AMQP.")

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=env_int("PORT", 8000, minimum=1))
        parser.add_argument("--credentials", type=Path, default=Path("demo-credentials.json"))
        parser.add_argument("--setup-only", action="store_true", help="prepare and write credentials, start nothing")
        parser.add_argument("--no-simulate", action="store_true",
                            help="no simulated traffic or automatic AppRecs (also SIMULATE=0)")
        parser.add_argument("--nodes", type=int, choices=[1, 2], default=1)
        parser.add_argument("--host", default="", help="organisation HER-ids this node hosts (default: all)")
        parser.add_argument("--pki-bundle", type=Path, default=None,
                            help="shared demo certificates for several nodes (written by the first, read by the rest)")
        parser.add_argument("--env-file", default=".env",
                            help="where to write the settings later `samhand …` commands read (default: .env; "
                                 "empty: write none, as the nodes the benchmark and tests start)")

    def handle(self, *args, **options):
        simulate = env_bool("SIMULATE", True) and not options["no_simulate"]
        if options["nodes"] == 2:
            self._write_env(options["env_file"], {**demo_nodes.node_env(0), "SAMHAND_MODE": "demo"},
                            f"http://127.0.0.1:{options['port']}")
            demo_nodes.run_two_nodes(port=options["port"], credentials=options["credentials"],
                                     simulate=simulate, setup_only=options["setup_only"], out=self.stdout)
            return
        port = options["port"]
        url = f"http://127.0.0.1:{port}"
        call_command("migrate", interactive=False, verbosity=0)
        hosted = {h.strip() for h in options["host"].split(",") if h.strip()} or None
        orgs = seed_demo_directory(hosted)
        seed_message_types()
        seed_standard_chain()
        seed_video()
        seed_procedures()  # the approved procedures and the agreement, with its parties
        ensure_demo_pki(options["pki_bundle"])
        node = create_demo_credentials(url)
        path: Path = options["credentials"]
        path.write_text(json.dumps({"nodes": [node]}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.chmod(path, 0o600)
        self._print_summary(node, orgs, path)
        self._write_env(options["env_file"], {**os.environ, "SAMHAND_MODE": "demo",
                                              "DATABASE_URL": settings.DATABASE_URL}, url)
        if not options["setup_only"]:
            demo_nodes.run_processes([demo_nodes.node_commands(port, path, 0, simulate)],
                                     demo_nodes.with_public_url(dict(os.environ), port),
                                     out=self.stdout, simulate=simulate)

    def _write_env(self, where: str, env: dict, url: str) -> None:
        """The settings of this demo node, so `.venv/bin/samhand doctor|parties|…` reach it afterwards."""
        if not where:
            return
        path = Path(where)
        names = ("SAMHAND_MODE", "DATABASE_URL", "SAMHAND_DATA_DIR", "SAMHAND_SCHEMA_DIR", "SAMHAND_AMQP_URL")
        values = {name: str(env[name]) for name in names if env.get(name)}
        values["SAMHAND_PUBLIC_URL"] = url
        if write_demo_env(path, values):
            self.stdout.write(f"  settings for `samhand …` commands: {path} (git-ignored)")
        else:
            self.stdout.write(f"  {path} exists and was not written by the demo: left as it is")

    def _print_summary(self, node: dict, orgs, path: Path) -> None:
        self.stdout.write(self.style.SUCCESS(f"samhand demo: {len(orgs)} organisations, node at {node['url']}"))
        self.stdout.write(f"  API:     {node['url']}/api/v1/docs")
        self.stdout.write(f"  portal:  {node['url']}/")
        shown = [login for login in node["logins"] if login["username"].split(".")[0] in ("unn", "tromso")]
        for login in shown:
            self.stdout.write(f"  login:   {login['username']} / {login['password']}  ({login['role']}, {login['organisation']})")
        self.stdout.write(f"  all API keys and logins: {path} (git-ignored; regenerated on every start)")
