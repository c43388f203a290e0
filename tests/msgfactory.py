"""Official samples, readdressed to the demo directory's parties.

The business document, patient and message type come from the official sample
untouched; only Sender/Receiver (and MsgId) are replaced, because the samples
address St. Olavs hospital and Alvdal, which are not in our directory.
"""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

from needs import require_or_skip, samples_problem
from samhand import kith

SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "kith" / "samples"


def sample_path(name: str) -> Path:
    require_or_skip(samples_problem())
    matches = sorted(SAMPLES.rglob(name))
    assert matches, f"no official sample named {name}"
    return matches[0]


def kith_party(her_id: str, role: str | None = None) -> kith.Party:
    from samhand.directory.models import CommunicationParty, Organisation

    party = CommunicationParty.objects.select_related("organisation").filter(her_id=her_id).first()
    if party is None:  # an address that is not in the directory
        return kith.Party(organisation_name="Ukjent", organisation_her_id=her_id, role=role)
    org: Organisation = party.organisation
    return kith.Party(organisation_name=org.name, organisation_her_id=org.her_id, service_name=party.name,
                      service_her_id=party.her_id, role=role)


def readdress(sample: str | bytes, *, sender: str, receiver: str | kith.Party, copies: tuple[str, ...] = (),
              msg_id: str | None = None, patient: kith.Patient | None | bool = True,
              receiver_party: kith.Party | None = None) -> bytes:
    """The sample with new addressing; patient=False drops the patient, a Patient replaces it."""
    raw = sample if isinstance(sample, bytes) else sample_path(sample).read_bytes()
    original = kith.parse_msghead(kith.parse_xml(raw))
    if patient is True:
        patient_value = original.patient
    elif patient is False:
        patient_value = None
    else:
        patient_value = patient
    to = receiver if isinstance(receiver, kith.Party) else kith_party(receiver)
    return kith.build_msghead(
        msg_type=original.msg_type, msg_type_dn=original.msg_type_dn or original.msg_type,
        sender=kith_party(sender), receiver=to, document=original.business_document,
        patient=patient_value, msg_id=msg_id or str(uuid.uuid4()), conversation_ref=original.conversation_ref,
        other_receivers=[kith_party(h, role="COP") for h in copies])


def with_patient_id(sample: str, *, sender: str, receiver: str, national_id: str | None, id_type: str = "FNR",
                    family_name: str | None = "Nordmann") -> bytes:
    original = kith.parse_msghead(kith.parse_xml(sample_path(sample).read_bytes()))
    patient = dataclasses.replace(original.patient, id=national_id, id_type=id_type if national_id else None,
                                  family_name=family_name)
    return readdress(sample, sender=sender, receiver=receiver, patient=patient)


def protect_as(xml: bytes, *, sender: str, receivers: tuple[str, ...]) -> bytes:
    """What another node would put on the wire: signed by the sender, encrypted to the receivers."""
    from samhand.directory.models import CommunicationParty
    from samhand.exchange import protection

    parties = {p.her_id: p for p in CommunicationParty.objects.filter(her_id__in=(sender, *receivers))}
    return protection.protect(xml, sender=parties[sender], recipients=[parties[h] for h in receivers])
