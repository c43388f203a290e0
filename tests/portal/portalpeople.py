"""Names and constants of the portal personas (imported by the tests; fixtures are in conftest.py)."""

PASSWORD = "korrekt-hest-batteri-stift"
TROMSO_PATIENT = "15076500565"
BALSFJORD_PATIENT = "12057900499"
OTHER_PATIENT = "13116900216"
INNLAGT = "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"
RAPPORT = "Innleggelsesrapport_v1-6_Ny.xml"

PEOPLE = {
    # username: (organisation HER-id, role)
    "tromso.ma": ("8201000", "meldingsansvarlig"),
    "tromso.sb": ("8201000", "saksbehandler"),
    "unn.ma": ("8100000", "meldingsansvarlig"),
    "unn.drift": ("8100000", "operator"),
    "balsfjord.ma": ("8202000", "meldingsansvarlig"),
}
