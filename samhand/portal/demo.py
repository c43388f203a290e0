"""Demo credentials: API keys per EPR system and portal logins, regenerated each run."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password
from django.db import transaction

from samhand.accounts.models import Membership
from samhand.api.models import ApiClient
from samhand.directory.models import Organisation

DEMO_PREFIX = "demo:"
EPR_SYSTEMS = {Organisation.Kind.HOSPITAL: "DIPS Arena (simulert)", Organisation.Kind.MUNICIPALITY: "Gerica (simulert)"}


def _slug(org: Organisation) -> str:
    word = org.name.split()[0].lower()
    if org.kind == Organisation.Kind.HOSPITAL:
        return "unn"
    return word.translate(str.maketrans({"ø": "o", "å": "a", "æ": "ae"}))


# A demo password is 96 random bits: key stretching adds nothing against guessing it, while 30 of
# them at full PBKDF2 strength cost some 12 s of CPU on every demo start (and in every test and
# benchmark that sets up a node). They are stored with few iterations; Django hashes each again at
# full strength at its first sign-in (the hasher's must_update), as it does after an upgrade.
RANDOM_PASSWORD_ITERATIONS = 1_000


def _hash_random_password(password: str) -> str:
    hasher = get_hasher("default")
    if isinstance(hasher, PBKDF2PasswordHasher):
        return hasher.encode(password, hasher.salt(), iterations=RANDOM_PASSWORD_ITERATIONS)
    return make_password(password)


@transaction.atomic
def create_demo_credentials(url: str) -> dict:
    """Issue fresh keys and passwords for every seeded organisation; old demo keys are revoked."""
    ApiClient.objects.filter(system__startswith=DEMO_PREFIX).update(active=False)
    api_keys: dict[str, str] = {}
    logins: list[dict] = []
    user_model = get_user_model()
    for org in Organisation.objects.prefetch_related("parties").order_by("name"):
        parties = [p for p in org.parties.all() if p.hosted and p.active]
        if not parties:
            continue
        system = f"{DEMO_PREFIX}{EPR_SYSTEMS.get(org.kind, 'EPJ (simulert)')} – {org.name}"
        _client, raw = ApiClient.issue(system, parties)
        for party in parties:
            api_keys[party.her_id] = raw
        roles = [Membership.Role.MELDINGSANSVARLIG, Membership.Role.SAKSBEHANDLER]
        if org.kind == Organisation.Kind.HOSPITAL:
            roles += [Membership.Role.OPERATOR, Membership.Role.ADMINISTRATOR]
        roles += [Membership.Role.HELSEPERSONELL, Membership.Role.PERSONVERN]  # the access broker (issue 15)
        for role in roles:
            username = f"{_slug(org)}.{role}"
            password = secrets.token_urlsafe(12)
            user, _ = user_model.objects.get_or_create(username=username)
            user.password = _hash_random_password(password)
            user.is_staff = user.is_superuser = role == Membership.Role.ADMINISTRATOR
            user.save()
            Membership.objects.update_or_create(user=user, defaults={"organisation": org, "role": role})
            if role == Membership.Role.HELSEPERSONELL:  # a clinician with a (made-up) HPR number
                Membership.objects.filter(user=user).update(
                    hpr_number=str(9000000 + int(org.her_id) % 1000000),
                    profession="lege" if org.kind == Organisation.Kind.HOSPITAL else "sykepleier")
            logins.append({"username": username, "password": password, "organisation": org.name, "role": role})
    return {"url": url, "apiKeys": api_keys, "logins": logins}
