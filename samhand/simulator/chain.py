"""One simulated patient episode along the PLO admission-to-discharge chain (HISD 80806 Veiviser, figure 1).

The hospital's EPR sends its steps; the municipal EPRs answer with their own
(Innleggelsesrapport on LOG_INNLAGT, a Helsefaglig dialog as feedback on
LOG_UTSKRIVNINGSKLAR). Every message of the episode carries the conversation
reference of the first one (HITS 1218).
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from samhand import kith
from samhand.simulator import documents as docs

# (builder, who sends it) in chain order; the municipality's answers are triggered by what it receives.
HOSPITAL_STEPS = [docs.log_innlagt, docs.helseopplysninger, docs.log_utskrivningsklar,
                  docs.utskrivningsrapport, docs.log_utskrevet]
ANSWERS = {"LOG_INNLAGT": docs.innleggelsesrapport, "LOG_UTSKRIVNINGSKLAR": docs.dialog_helsefaglig}


@dataclass(frozen=True)
class Address:
    """A party as MsgHead names it."""

    her_id: str
    name: str
    organisation_her_id: str
    organisation_name: str

    def as_party(self) -> kith.Party:
        return kith.Party(organisation_name=self.organisation_name, organisation_her_id=self.organisation_her_id,
                          service_name=self.name, service_her_id=self.her_id)


@dataclass
class Episode:
    ctx: docs.Ctx
    hospital: Address
    nursing: Address
    case_handling: Address
    conversation: str | None = None  # MsgId of the episode's first message (HITS 1218)
    last_msg_id: str | None = None
    next_step: int = 0

    @property
    def done(self) -> bool:
        return self.next_step >= len(HOSPITAL_STEPS)

    def _address(self, role: str) -> Address:
        return {"hospital": self.hospital, "nursing": self.nursing, "case_handling": self.case_handling}[role]

    def _wrap(self, built: docs.Built, *, parent: str | None = None) -> bytes:
        msg_id = str(uuid.uuid4())
        self.conversation = self.conversation or msg_id
        ref = kith.ConversationRef(ref_to_parent=parent or self.last_msg_id or msg_id,
                                   ref_to_conversation=self.conversation)
        patient = self.ctx.patient
        xml = kith.build_msghead(
            msg_type=built.msg_type, msg_type_dn=built.msg_type_dn,
            sender=self._address(built.sender).as_party(), receiver=self._address(built.receiver).as_party(),
            document=built.element, msg_id=msg_id, conversation_ref=ref,
            patient=kith.Patient(family_name=patient.family_name, given_name=patient.given_name,
                                 id=patient.national_id, id_type="FNR" if patient.national_id[0] < "4" else "DNR",
                                 date_of_birth=patient.birth_date.isoformat(), sex=patient.sex))
        self.last_msg_id = msg_id
        return xml

    def hospital_step(self) -> tuple[str, bytes]:
        """The hospital's next message: (sender HER-id, MsgHead XML)."""
        built = HOSPITAL_STEPS[self.next_step](self.ctx)
        self.next_step += 1
        return self._address(built.sender).her_id, self._wrap(built)

    def answer_to(self, msg_type: str, msg_id: str | None = None) -> tuple[str, bytes] | None:
        """The municipality's reply to a message it received (``msg_id``), if the chain has one.

        The reply refers to that message (RefToParent, HITS 1218), not to whatever the hospital
        sent last: by the time the municipality answers, the hospital may have sent more, and the
        chain links the feedback to LOG_UTSKRIVNINGSKLAR through this reference."""
        builder = ANSWERS.get(msg_type)
        if builder is None:
            return None
        answered = msg_id or self.last_msg_id
        if builder is docs.dialog_helsefaglig:
            built = builder(self.ctx, from_municipality=True, ref_msg_id=answered)
        else:
            built = builder(self.ctx)
        return self._address(built.sender).her_id, self._wrap(built, parent=answered)


def new_episode(rng: random.Random, hospital: Address, nursing: Address, case_handling: Address,
                *, now: datetime | None = None, target_bytes: int | None = None) -> Episode:
    ctx = docs.make_ctx(rng, admitted=(now or datetime.now()) - timedelta(hours=rng.randint(1, 20)),
                        target_bytes=target_bytes)
    ctx = dataclasses.replace(
        ctx,
        department=docs.Department(hospital.name, hospital.her_id, ctx.department.phone,
                                   hospital_name=hospital.organisation_name,
                                   hospital_her_id=hospital.organisation_her_id),
        service=docs.MunicipalService(nursing.name, nursing.her_id, ctx.service.phone, nursing.organisation_name,
                                      nursing.organisation_her_id, ctx.service.address),
        case_service=docs.MunicipalService(case_handling.name, case_handling.her_id, None,
                                           case_handling.organisation_name, case_handling.organisation_her_id))
    return Episode(ctx=ctx, hospital=hospital, nursing=nursing, case_handling=case_handling)
