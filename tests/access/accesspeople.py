"""Names and constants of the access broker's cast (fixtures are in conftest.py)."""

PATIENT = "15076500565"
OTHER_PATIENT = "13116900216"
PASSWORD = "korrekt-hest-batteri-stift"
HARSTAD_ORG, HARSTAD_NURSING, HARSTAD_CASE = "8206000", "8206001", "8206002"
TROMSO_NURSE = {"hpr": "9144889", "name": "Kari Nordlys", "role": "sykepleier"}
HARSTAD_NURSE = {"hpr": "9144890", "name": "Ola Fjell", "role": "sykepleier"}
INNLAGT = "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"
UTSKRIVNING = "Utskrivningsrapport_v1-6_Ny.xml"

# username: (organisation HER-id, role, profession, HPR, full name, e-mail)
PEOPLE = {
    "tromso.sykepleier": ("8201000", "helsepersonell", "sykepleier", TROMSO_NURSE["hpr"], ("Kari", "Nordlys"), ""),
    "harstad.sykepleier": (HARSTAD_ORG, "helsepersonell", "sykepleier", HARSTAD_NURSE["hpr"], ("Ola", "Fjell"), ""),
    "unn.personvern": ("8100000", "personvern", "", "", ("Per", "Vern"), "personvern@unn.example.no"),
    "tromso.ma": ("8201000", "meldingsansvarlig", "", "", ("Mia", "Melding"), ""),
    "unn.ma": ("8100000", "meldingsansvarlig", "", "", ("Mads", "Melding"), ""),
    "tromso.sb": ("8201000", "saksbehandler", "", "", ("Sara", "Sak"), ""),
    "unn.drift": ("8100000", "operator", "", "", ("Dag", "Drift"), ""),
}
