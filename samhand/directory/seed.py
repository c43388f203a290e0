"""Fictitious demo directory: UNN and six Troms municipalities.

HER-ids and organisation numbers are made up but well formed (organisation
numbers carry a valid mod-11 check digit); they must never be confused with
the real register, so HER-ids live in the 81xxxxx/82xxxxx range.
"""

from __future__ import annotations

from django.db import transaction

from samhand.lib.identifiers import make_orgnr

from .models import Capability, CommunicationParty, ContactPoint, Organisation
from .services import forget_directory

ST = CommunicationParty.ServiceType

# What each kind of demo party sends and receives (S13), per message type (MsgInfo/Type, code
# system 8279, the CPP action) in PLO 1.5 and 1.6. Hospital departments send the hospital's steps
# of the chain and receive the municipality's; municipal services send theirs and take every PLO
# message (one municipal EPR serves the hospital and the GPs, HISD 80806 ch. 6-10). Dialogmelding
# and AppRec go both ways for everyone (a blank type covers every type of the family).
PLO_VERSIONS = ("1.5", "1.6")
HOSPITAL_SENDS = ("LOG_INNLAGT", "HELSEOPPL_SOKNAD", "LOG_UTSKRIVNINGSKLAR", "LOG_AVMELDING", "UTSKRIVNINGSRAPPORT",
                  "LOG_UTSKREVET", "LOG_DOD")
HOSPITAL_RECEIVES = ("INNLEGGELSESRAPPORT",)
MUNICIPALITY_SENDS = ("INNLEGGELSESRAPPORT", "HELSEOPPLYSNINGER_LEGE", "ORIENTERING_TJENESTETILBUD", "LOG_DOD")
ALL_PLO = tuple(sorted(set(HOSPITAL_SENDS) | set(MUNICIPALITY_SENDS) | {"MEDISINSKE_OPPLYSNINGER"}))
BOTH_WAYS = [("Dialogmelding", "1.0"), ("Dialogmelding", "1.1"), ("AppRec", "1.0"), ("AppRec", "1.1")]
PLO_BY_SERVICE = {
    ST.HOSPITAL_DEPARTMENT: {"send": HOSPITAL_SENDS, "receive": HOSPITAL_RECEIVES},
    ST.NURSING: {"send": MUNICIPALITY_SENDS, "receive": ALL_PLO},
    ST.CASE_HANDLING: {"send": MUNICIPALITY_SENDS, "receive": ALL_PLO},
}
# The families and versions every demo party can parse (the formats before capabilities had types).
DEFAULT_FORMATS = [("PLO", "1.5"), ("PLO", "1.6"), *BOTH_WAYS]


def default_capabilities(service_type: str) -> set[tuple[str, str, str, str]]:
    """(direction, family, version, msg_type) for a demo party of this service type."""
    wanted = {(direction, family, version, "") for family, version in BOTH_WAYS
              for direction in (Capability.Direction.SEND, Capability.Direction.RECEIVE)}
    for direction, types in PLO_BY_SERVICE.get(service_type, {}).items():
        wanted |= {(direction, "PLO", version, msg_type) for msg_type in types for version in PLO_VERSIONS}
    return wanted


def _sync_capabilities(party: CommunicationParty) -> None:
    wanted = default_capabilities(party.service_type)
    have = {(c.direction, c.family, c.version, c.msg_type): c.pk for c in party.capabilities.all()}
    stale = [pk for key, pk in have.items() if key not in wanted]
    if stale:
        Capability.objects.filter(pk__in=stale).delete()
    Capability.objects.bulk_create([Capability(party=party, direction=d, family=f, version=v, msg_type=t)
                                    for d, f, v, t in sorted(wanted - set(have))])
    if stale or wanted - set(have):
        forget_directory()  # the pipeline caches parties with their capabilities


UNN = {
    "name": "Universitetssykehuset Nord-Norge HF", "base": "99310010", "her_id": "8100000",
    "kind": Organisation.Kind.HOSPITAL, "ma": ("Meldingsansvarlig UNN", "meldingsansvarlig@unn.example.no",
                                              "+47 77 62 60 00", "+47 77 62 60 01"),
    "parties": [
        ("8100101", "Medisinsk avdeling, UNN Tromsø", ST.HOSPITAL_DEPARTMENT),
        ("8100102", "Kirurgisk avdeling, UNN Tromsø", ST.HOSPITAL_DEPARTMENT),
        ("8100103", "Geriatrisk avdeling, UNN Tromsø", ST.HOSPITAL_DEPARTMENT),
        ("8100201", "Medisinsk avdeling, UNN Harstad", ST.HOSPITAL_DEPARTMENT),
        ("8100202", "Ortopedisk avdeling, UNN Harstad", ST.HOSPITAL_DEPARTMENT),
    ],
    "contacts": [("IKT-brukerstøtte Helse Nord", "Brukerstøtte", "+47 77 66 98 00", "døgnbemannet")],
}

MUNICIPALITIES = [
    ("Tromsø kommune", "99310200", "8201000"),
    ("Balsfjord kommune", "99310210", "8202000"),
    ("Karlsøy kommune", "99310220", "8203000"),
    ("Lyngen kommune", "99310230", "8204000"),
    ("Målselv kommune", "99310240", "8205000"),
    ("Harstad kommune", "99310250", "8206000"),
]


def _orgnr(base: str) -> str:
    # Step the base until a check digit exists (remainder 1 has none).
    while True:
        try:
            return make_orgnr(base)
        except ValueError:
            base = str(int(base) + 1)


def _organisation(spec: dict, hosted: bool = True) -> Organisation:
    ma_name, ma_email, ma_phone, ma_on_call = spec["ma"]
    org, _ = Organisation.objects.update_or_create(
        her_id=spec["her_id"],
        defaults={"name": spec["name"], "org_number": _orgnr(spec["base"]), "kind": spec["kind"],
                  "ma_name": ma_name, "ma_email": ma_email, "ma_phone": ma_phone,
                  "ma_on_call_phone": ma_on_call},
    )
    for her_id, name, service_type in spec["parties"]:
        party, _ = CommunicationParty.objects.update_or_create(
            her_id=her_id, defaults={"name": name, "service_type": service_type, "organisation": org,
                                     "hosted": hosted, "active": True})
        _sync_capabilities(party)
    for name, role, phone, available in spec.get("contacts", []):
        ContactPoint.objects.update_or_create(organisation=org, name=name,
                                              defaults={"role": role, "phone": phone, "available": available})
    return org


def municipality_spec(name: str, base: str, her_id: str) -> dict:
    slug = name.split()[0].lower().replace("ø", "o").replace("å", "a").replace("æ", "ae")
    prefix = int(her_id)
    return {
        "name": name, "base": base, "her_id": her_id, "kind": Organisation.Kind.MUNICIPALITY,
        "ma": (f"Meldingsansvarlig {name}", f"meldingsansvarlig@{slug}.kommune.example.no",
               f"+47 77 {prefix % 100:02d} 10 00", f"+47 9{prefix % 10000:04d} 000"[:15]),
        "parties": [
            (str(prefix + 1), "Sykepleietjeneste", ST.NURSING),
            (str(prefix + 2), "Saksbehandlertjeneste (tildelingskontor)", ST.CASE_HANDLING),
        ],
        "contacts": [("Tildelingskontoret", "Saksbehandling", f"+47 77 {prefix % 100:02d} 20 00", "hverdager 08–15")],
    }


@transaction.atomic
def seed_demo_directory(hosted_orgs: set[str] | None = None) -> list[Organisation]:
    """The demo directory; ``hosted_orgs`` (organisation HER-ids) says whose parties this node
    hosts — all by default, one side each when two demo nodes share a broker."""
    specs = [UNN, *(municipality_spec(name, base, her_id) for name, base, her_id in MUNICIPALITIES)]
    return [_organisation(spec, hosted=hosted_orgs is None or spec["her_id"] in hosted_orgs) for spec in specs]
