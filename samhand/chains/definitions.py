"""Chain definitions as data: importing a version with its approval record, and which is in force.

Chain file format (JSON)::

    {"chain": "plo-innleggelse-utskrivning", "name": "…", "description": "…", "version": 2,
     "approval": {"approvedBy": "SSU …", "approvedOn": "2025-03-01", "effectiveFrom": "2025-04-01",
                  "reference": "SSU-sak 3/2025"},
     "summary": "what changed",
     "steps": [{"key": "innlagt", "title": "…", "types": ["LOG_INNLAGT"], "from": "hospital",
                "to": "nursing", "trigger": null, "deadline": null, "mandatory": true,
                "allowEarly": false, "requiresLink": false, "repeatable": false,
                "startsEpisode": true, "closesEpisode": false, "withdraws": null,
                "reference": "HISD 80806 §10.5.1", "note": "…"}, …]}

``deadline`` is an ISO 8601 duration (``PT24H``, ``P3D``), ``"same-day"`` (by the end of the
trigger's day) or null; roles are hospital, nursing, case_handling, municipality and gp. Without
an ``approval`` the version is a draft and never applies. An approved version is never changed:
importing it again with the same content does nothing, with other content is refused.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.dateparse import parse_datetime, parse_duration

from samhand.directory.models import MessageType
from samhand.lib import clock
from samhand.lib.cache import TtlCache

from .models import Chain, ChainStep, ChainVersion, Role

# Approved chain versions and their steps, read for every message of an episode.
chain_cache = TtlCache()

ROLES = {r.value for r in Role}
FLAGS = {"mandatory": True, "allowEarly": False, "requiresLink": False, "repeatable": False,
         "startsEpisode": False, "closesEpisode": False}
FIELD_OF_FLAG = {"mandatory": "mandatory", "allowEarly": "allow_early", "requiresLink": "requires_link",
                 "repeatable": "repeatable", "startsEpisode": "starts_episode", "closesEpisode": "closes_episode"}
OSLO = ZoneInfo("Europe/Oslo")


class ChainError(ValueError):
    """A chain file that cannot be taken in; the message says what and where."""


def _approved() -> list[ChainVersion]:
    return list(ChainVersion.objects.select_related("chain")
                .filter(status=ChainVersion.Status.APPROVED, effective_from__isnull=False)
                .order_by("chain_id", "-effective_from", "-number"))


def in_force(at: datetime | None = None) -> list[ChainVersion]:
    """The approved version of each chain that applies at ``at`` (the latest effective one)."""
    at = at or clock.now()
    chosen: dict[int, ChainVersion] = {}
    for version in chain_cache.get("approved", _approved):
        if version.effective_from <= at:
            chosen.setdefault(version.chain_id, version)
    return list(chosen.values())


def steps_of(version: ChainVersion) -> list[ChainStep]:
    """A version's steps in order; approved versions never change, so they are cached."""
    if version.status != ChainVersion.Status.APPROVED:
        return list(version.steps.order_by("position"))
    return chain_cache.get(("steps", version.pk), lambda: list(version.steps.order_by("position")))


def read_chain_file(raw: bytes) -> dict:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ChainError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ChainError("a chain file is a JSON object")
    return data


def _when(value, where: str) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.combine(date.fromisoformat(value), time.min, tzinfo=OSLO)
        except ValueError:
            parsed = parse_datetime(value)
            if parsed is not None:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=OSLO)
    raise ChainError(f"{where}: {value!r} is not a date or date-time")


def _deadline(value, where: str) -> tuple:
    if value in (None, ""):
        return None, False
    if value == "same-day":
        return None, True
    parsed = parse_duration(value) if isinstance(value, str) else None
    if parsed is None or parsed.total_seconds() <= 0:
        raise ChainError(f"{where}: deadline {value!r} is not an ISO 8601 duration such as PT24H, or same-day")
    return parsed, False


def _normalise(data: dict) -> dict:
    """Validate a chain file; returns a canonical form (used to compare with what is stored)."""
    for key in ("chain", "name"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ChainError(f"{key!r} is required")
    number = data.get("version")
    if not isinstance(number, int) or number < 1:
        raise ChainError("'version' is a whole number from 1")
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ChainError("'steps' lists at least one step")
    keys = [s.get("key") if isinstance(s, dict) else None for s in steps]
    if any(not isinstance(k, str) or not k for k in keys) or len(set(keys)) != len(keys):
        raise ChainError("every step has a unique 'key'")
    known_types = set(MessageType.objects.values_list("code", flat=True))
    canonical = []
    for step in steps:
        where = f"step {step['key']}"
        types = step.get("types")
        if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
            raise ChainError(f"{where}: 'types' lists the message types (code system 8279)")
        unknown = sorted(set(types) - known_types)
        if unknown:
            raise ChainError(f"{where}: message type(s) {', '.join(unknown)} are not in the registry; "
                             "import them first (samhand types import)")
        for end in ("from", "to"):
            if step.get(end) not in ROLES:
                raise ChainError(f"{where}: {end!r} must be one of {', '.join(sorted(ROLES))}")
        for ref in ("trigger", "withdraws"):
            if step.get(ref) is not None and step.get(ref) not in keys:
                raise ChainError(f"{where}: {ref} {step.get(ref)!r} is not a step of this version")
        deadline, _same_day = _deadline(step.get("deadline"), where)
        entry = {"key": step["key"], "title": step.get("title") or step["key"], "types": list(types),
                 "from": step["from"], "to": step["to"], "trigger": step.get("trigger"),
                 "deadline": step.get("deadline") or None, "withdraws": step.get("withdraws"),
                 "reference": step.get("reference") or "", "note": step.get("note") or ""}
        if deadline is not None:
            entry["deadline"] = f"PT{int(deadline.total_seconds())}S"
        for flag, default in FLAGS.items():
            entry[flag] = bool(step.get(flag, default))
        canonical.append(entry)
    _check_triggers(canonical)
    if sum(1 for s in canonical if s["closesEpisode"]) > 1:
        raise ChainError("at most one step closes the episode")
    out = {"chain": data["chain"].strip(), "name": data["name"].strip(),
           "description": data.get("description") or "", "version": number,
           "summary": data.get("summary") or "", "steps": canonical, "approval": None}
    approval = data.get("approval")
    if approval:
        for key in ("approvedBy", "approvedOn", "effectiveFrom", "reference"):
            if not approval.get(key):
                raise ChainError(f"approval: {key!r} is required (who approved, when, from when, which decision)")
        out["approval"] = {"approvedBy": approval["approvedBy"],
                           "approvedOn": _when(approval["approvedOn"], "approvedOn").date().isoformat(),
                           "effectiveFrom": _when(approval["effectiveFrom"], "effectiveFrom").isoformat(),
                           "reference": approval["reference"]}
    return out


def _check_triggers(steps: list[dict]) -> None:
    trigger = {s["key"]: s["trigger"] for s in steps}
    if all(t is not None for t in trigger.values()):
        raise ChainError("at least one step has no trigger (it is expected from the episode's start)")
    for key in trigger:
        seen, current = set(), key
        while current is not None:
            if current in seen:
                raise ChainError(f"step {key}: its triggers form a cycle")
            seen.add(current)
            current = trigger[current]


def export_version(version: ChainVersion) -> dict:
    """A stored version in the file format (canonical, as ``_normalise`` returns it)."""
    steps = steps_of(version)
    key_of = {s.id: s.key for s in steps}
    out_steps = []
    for s in steps:
        deadline = "same-day" if s.same_day else (f"PT{int(s.deadline.total_seconds())}S" if s.deadline else None)
        entry = {"key": s.key, "title": s.title, "types": list(s.message_types), "from": s.sender_role,
                 "to": s.receiver_role, "trigger": key_of.get(s.trigger_id), "deadline": deadline,
                 "withdraws": key_of.get(s.withdraws_id), "reference": s.reference, "note": s.note}
        for flag, field in FIELD_OF_FLAG.items():
            entry[flag] = getattr(s, field)
        out_steps.append(entry)
    approval = None
    if version.status == ChainVersion.Status.APPROVED:
        approval = {"approvedBy": version.approved_by, "approvedOn": version.approved_on.isoformat(),
                    "effectiveFrom": version.effective_from.astimezone(OSLO).isoformat(),
                    "reference": version.decision_reference}
    return {"chain": version.chain.code, "name": version.chain.name, "description": version.chain.description,
            "version": version.number, "summary": version.summary, "steps": out_steps, "approval": approval}


@transaction.atomic
def import_chain(data: dict, *, source: str = "") -> tuple[ChainVersion, bool]:
    """Store a chain version from file data; returns (version, created_or_changed)."""
    spec = _normalise(data)
    chain, _ = Chain.objects.get_or_create(code=spec["chain"], defaults={"name": spec["name"],
                                                                        "description": spec["description"]})
    existing = ChainVersion.objects.filter(chain=chain, number=spec["version"]).first()
    if existing is not None and existing.status == ChainVersion.Status.APPROVED:
        if _same(export_version(existing), spec):
            return existing, False
        raise ChainError(f"{chain.code} version {spec['version']} is approved and cannot change; "
                         f"import the change as version {_next_number(chain)}")
    Chain.objects.filter(pk=chain.pk).update(name=spec["name"], description=spec["description"])
    if existing is not None:
        existing.steps.all().update(trigger=None, withdraws=None)
        existing.steps.all().delete()
        version = existing
    else:
        version = ChainVersion(chain=chain, number=spec["version"])
    approval = spec["approval"]
    version.status = ChainVersion.Status.APPROVED if approval else ChainVersion.Status.DRAFT
    version.approved_by = approval["approvedBy"] if approval else ""
    version.approved_on = date.fromisoformat(approval["approvedOn"]) if approval else None
    version.effective_from = datetime.fromisoformat(approval["effectiveFrom"]) if approval else None
    version.decision_reference = approval["reference"] if approval else ""
    version.summary, version.source = spec["summary"], source[:300]
    version.save()
    _create_steps(version, spec["steps"])
    chain_cache.clear()
    return version, True


def _create_steps(version: ChainVersion, steps: list[dict]) -> None:
    created: dict[str, ChainStep] = {}
    for position, s in enumerate(steps, 1):
        deadline, same_day = _deadline(s["deadline"], s["key"])
        created[s["key"]] = ChainStep.objects.create(
            version=version, key=s["key"], position=position, title=s["title"], message_types=s["types"],
            sender_role=s["from"], receiver_role=s["to"], deadline=deadline, same_day=same_day,
            reference=s["reference"], note=s["note"],
            **{field: s[flag] for flag, field in FIELD_OF_FLAG.items()})
    for s in steps:
        if s["trigger"] or s["withdraws"]:
            step = created[s["key"]]
            step.trigger = created.get(s["trigger"]) if s["trigger"] else None
            step.withdraws = created.get(s["withdraws"]) if s["withdraws"] else None
            step.save(update_fields=["trigger", "withdraws"])


def _same(stored: dict, spec: dict) -> bool:
    def comparable(d: dict) -> str:
        d = dict(d)
        if d.get("approval"):
            d["approval"] = dict(d["approval"], effectiveFrom=datetime.fromisoformat(
                d["approval"]["effectiveFrom"]).timestamp())
        return json.dumps(d, sort_keys=True, ensure_ascii=False)

    return comparable(stored) == comparable(spec)


def _next_number(chain: Chain) -> int:
    last = chain.versions.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def history(chain: Chain) -> list[ChainVersion]:
    return list(chain.versions.order_by("-number"))
