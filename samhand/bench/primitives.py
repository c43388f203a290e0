"""The primitive limit: the single-core cost of the work every round trip must do.

A round trip carries one message and one AppRec. Each must be parsed and
schema-validated once by the receiver, signed and encrypted once by its sender,
and decrypted and verified once by its receiver. Nothing else is unavoidable:
storage, HTTP, polling and the queue are overhead the system adds.
"""

from __future__ import annotations

from samhand import cms, kith
from samhand.cms import demo
import time


def primitive_costs(message: bytes, schemas: kith.SchemaSet, *, seconds: float = 1.0) -> dict:
    ca = demo.make_ca("Bench CA")
    hospital_sign = demo.issue(ca, "Bench hospital", usage="signing")
    hospital_enc = demo.issue(ca, "Bench hospital", usage="encryption")
    municipal_sign = demo.issue(ca, "Bench municipality", usage="signing")
    municipal_enc = demo.issue(ca, "Bench municipality", usage="encryption")
    msghead = kith.parse_msghead(kith.parse_xml(message))
    apprec = kith.build_apprec(msghead, status="1", version="1.1")
    protected_message = cms.protect(message, hospital_sign, municipal_enc.cert)
    protected_apprec = cms.protect(apprec, municipal_sign, hospital_enc.cert)

    def validate(xml: bytes) -> None:
        root = kith.parse_xml(xml)
        if schemas.enabled:
            assert not schemas.validate(root)

    steps = {
        "validate_message": lambda: validate(message),
        "validate_apprec": lambda: validate(apprec),
        "protect_message": lambda: cms.protect(message, hospital_sign, municipal_enc.cert),
        "unprotect_message": lambda: cms.verify(cms.decrypt(protected_message, [municipal_enc]),
                                                expected_signer=hospital_sign.cert, trusted_cas=[ca.cert]),
        "protect_apprec": lambda: cms.protect(apprec, municipal_sign, hospital_enc.cert),
        "unprotect_apprec": lambda: cms.verify(cms.decrypt(protected_apprec, [hospital_enc]),
                                               expected_signer=municipal_sign.cert, trusted_cas=[ca.cert]),
    }
    measured = {name: _measure_cpu(fn, seconds) for name, fn in steps.items()}
    cpu = {name: m["cpu_us"] for name, m in measured.items()}
    return {"us": cpu, "cpu_us_per_round_trip": round(sum(cpu.values()), 1),
            "us_per_round_trip": round(sum(m["wall_us"] for m in measured.values()), 1),
            "message_bytes": len(message), "apprec_bytes": len(apprec)}


def _measure_cpu(fn, seconds: float) -> dict[str, float]:
    """CPU time per call (``process_time``: this process's user + system time), so other work on a
    shared machine does not inflate the floor; wall time beside it for comparison."""
    fn()  # warm-up
    n = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while True:
        fn()
        n += 1
        if n >= 5 and time.process_time() - cpu0 >= seconds:
            break
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"cpu_us": round(cpu / n * 1e6, 2), "wall_us": round(wall / n * 1e6, 2), "n": n}
