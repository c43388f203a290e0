"""Benchmark traffic: PLO 1.6 messages the size of the official samples (pre-built, not timed)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from samhand import kith
from samhand.simulator import documents as docs
from samhand.simulator.chain import Address, new_episode

# Business-document sizes of the official Innleggelsesrapport and Utskrivningsrapport samples
# (18,107 and 21,368 bytes with their MsgHead), which a round trip of the benchmark alternates.
SIZES = {"INNLEGGELSESRAPPORT": 15_900, "UTSKRIVNINGSRAPPORT": 19_300}


@dataclass
class Prepared:
    sender: str
    receiver: str
    msg_id: str
    xml: bytes


def prepare(n: int, senders: list[Address], receivers: list[tuple[Address, Address]], seed: int = 1) -> list[Prepared]:
    rng = random.Random(seed)
    out: list[Prepared] = []
    for i in range(n):
        nursing, case = receivers[i % len(receivers)]
        hospital = senders[i % len(senders)]
        kind = "INNLEGGELSESRAPPORT" if i % 2 == 0 else "UTSKRIVNINGSRAPPORT"
        episode = new_episode(rng, hospital, nursing, case, target_bytes=SIZES[kind])
        built = docs.innleggelsesrapport(episode.ctx) if i % 2 == 0 else docs.utskrivningsrapport(episode.ctx)
        # The benchmark sends both from the hospital to the nursing service, so one direction carries the load.
        built = docs.Built(built.element, built.msg_type, built.msg_type_dn, built.namespace, built.schema_file,
                           "hospital", "nursing")
        xml = episode._wrap(built)
        out.append(Prepared(hospital.her_id, nursing.her_id, kith.parse_msghead(xml).msg_id, xml))
    return out
