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


def create_people(people: dict) -> dict:
    """Portal users with one membership each, plus an outsider with none (the persona matrix).

    ``people`` maps a username to (organisation HER-id, role), or to (HER-id, role, user fields,
    membership fields) where a test needs names, HPR numbers and the like."""
    from django.contrib.auth import get_user_model

    from samhand.accounts.models import Membership
    from samhand.directory.models import Organisation

    model = get_user_model()
    users = {}
    for username, (her_id, role, *more) in people.items():
        user_fields, membership_fields = (more + [{}, {}])[:2]
        user = model.objects.create_user(username=username, password=PASSWORD, **user_fields)
        Membership.objects.create(user=user, organisation=Organisation.objects.get(her_id=her_id), role=role,
                                  **membership_fields)
        users[username] = user
    users["outsider"] = model.objects.create_user(username="outsider", password=PASSWORD)
    return users
