"""The `samhand` console script and its commands, as an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from samhand.api.models import ApiClient
from samhand.exchange.models import Message

from msgfactory import readdress, sample_path
from personas import TROMSO_NURSING, UNN_MED_TROMSO

pytestmark = pytest.mark.slow  # starts processes: scheduled first (tests/conftest.py)

REPO = Path(__file__).resolve().parent.parent.parent


def test_parties_json_lists_the_demo_directory(seeded, capsys):
    call_command("parties", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) >= 5 + 12
    by_her = {row["herId"]: row for row in rows}
    tromso = by_her[TROMSO_NURSING]
    assert tromso["organisation"] == "Tromsø kommune" and tromso["serviceType"] == "nursing"
    assert tromso["organisationHerId"] == "8201000" and len(tromso["organisationNumber"]) == 9
    assert set(tromso) >= {"herId", "name", "serviceType", "organisation", "organisationHerId", "organisationNumber"}
    unn_sites = {row["name"].rsplit(" ", 1)[-1] for row in rows if row["organisationHerId"] == "8100000"}
    assert {"Tromsø", "Harstad"} <= unn_sites
    municipalities = {row["organisation"] for row in rows if row["organisationHerId"].startswith("82")}
    assert len(municipalities) >= 6
    for org in municipalities:
        types = {row["serviceType"] for row in rows if row["organisation"] == org}
        assert types == {"nursing", "case_handling"}


def test_organisation_numbers_have_valid_check_digits(seeded):
    from samhand.directory.models import Organisation
    from samhand.lib.identifiers import valid_orgnr

    assert all(valid_orgnr(o.org_number) for o in Organisation.objects.all())
    assert not valid_orgnr("993100101") or not valid_orgnr("993100102")


def test_apikey_create_prints_the_key_last_and_it_works(seeded, capsys, client):
    call_command("apikey", "create", "--system", "Gerica Tromsø", "--her-ids", f"{TROMSO_NURSING}")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert ApiClient.authenticate(key).her_ids() == {TROMSO_NURSING}
    response = client.get("/api/v1/messages", {"receiverHerIds": TROMSO_NURSING}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


def test_apikey_refuses_unknown_her_ids(seeded):
    with pytest.raises(CommandError, match="9999999"):
        call_command("apikey", "create", "--system", "X", "--her-ids", "9999999")


def test_send_queues_a_message_and_refuses_a_bad_one(seeded, tmp_path, capsys):
    good = tmp_path / "good.xml"
    good.write_bytes(readdress("Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml", sender=UNN_MED_TROMSO,
                               receiver=TROMSO_NURSING))
    call_command("send", str(good), "--as", UNN_MED_TROMSO)
    assert "queued" in capsys.readouterr().out
    assert Message.objects.count() == 1
    with pytest.raises(CommandError, match="abuse:spoofing-attack"):
        call_command("send", str(good), "--as", TROMSO_NURSING)
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<not-closed>")
    with pytest.raises(CommandError, match="T01"):
        call_command("send", str(bad), "--as", UNN_MED_TROMSO)


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "SAMHAND_MODE": "test", "DJANGO_SETTINGS_MODULE": "samhand.settings", **(env or {})}
    return subprocess.run([sys.executable, "-m", "samhand.cli", *args], env=full_env, capture_output=True,
                          text=True, timeout=300, cwd=REPO)


def test_validate_reports_ok_and_codes(tmp_path, samples_dir):
    broken = tmp_path / "broken.xml"
    broken.write_text("<MsgHead>")
    result = run_cli("validate", str(sample_path("Innleggelsesrapport_v1-6_Ny.xml")),
                     str(samples_dir / "apprec" / "AppRec-1.0-NPR-eksempel.xml"), str(broken))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].endswith("OK (PLO 1.6 Innleggelsesrapport)")
    assert " OK " in lines[1] + " "
    assert "broken.xml: T01" in lines[2]


def test_validate_without_schemas_says_so_loudly(tmp_path):
    result = run_cli("validate", str(sample_path("Innleggelsesrapport_v1-6_Ny.xml")),
                     env={"SAMHAND_SCHEMA_DIR": str(tmp_path / "nowhere")})
    assert "STRUCTURE ONLY" in result.stderr
    assert result.returncode == 0


def test_doctor_reports_schemas_and_database(tmp_path):
    db = tmp_path / "doctor.sqlite3"
    run_cli("migrate", env={"DATABASE_URL": f"sqlite:///{db}"})
    ok = run_cli("doctor", env={"DATABASE_URL": f"sqlite:///{db}"})
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "XSD files" in ok.stdout and "all checks passed" in ok.stdout
    missing = run_cli("doctor", env={"DATABASE_URL": f"sqlite:///{db}", "SAMHAND_SCHEMA_DIR": str(tmp_path / "x")})
    assert missing.returncode == 1
    assert "STRUCTURE ONLY" in missing.stdout


def test_production_mode_refuses_to_start_without_a_secret():
    result = run_cli("doctor", env={"SAMHAND_MODE": "production", "SAMHAND_SECRET_KEY": "",
                                    "SAMHAND_ALLOWED_HOSTS": "x"})
    assert result.returncode != 0
    assert "SAMHAND_SECRET_KEY must be set" in result.stderr


def test_bad_setting_value_fails_closed():
    result = run_cli("doctor", env={"SAMHAND_WORKER_BATCH": "many"})
    assert result.returncode != 0 and "SAMHAND_WORKER_BATCH must be an integer" in result.stderr
