"""The one exception this package raises, carrying an AppRec error code.

Codes are from code system 8221 [HIS 80415 AppRec 1.1 §6.3]:
S01 signature error, S02 invalid certificate, S03 revoked certificate,
S99 other signature/certificate error.  The AMQP profile of the national
service bus reports the same failures on the sender's error queue with an
``errorCondition`` [AMQP_spesifikasjon_helsenorge.no §2.2]; ``condition``
carries the matching value so the transport does not have to guess.
"""

from __future__ import annotations

SIGNATURE = "S01"
CERTIFICATE = "S02"
REVOKED = "S03"
OTHER = "S99"

# Default AMQP errorCondition per code.  The spec spells the revoked one
# "transport:revoked-cerificate" in its table; we use the correct spelling.
_CONDITIONS = {
    SIGNATURE: "transport:invalid-signature",
    CERTIFICATE: "transport:invalid-certificate",
    REVOKED: "transport:revoked-certificate",
    OTHER: "transport:invalid-cms-pkcs",
}


class CmsError(Exception):
    """A message failed protection or verification.

    ``str(e)`` is ``"<code>: <text>"`` so it can go straight into an AppRec
    error description and a log line.
    """

    def __init__(self, code: str, text: str, *, condition: str | None = None):
        if code not in _CONDITIONS:
            raise ValueError(f"unknown CMS error code {code!r}")
        self.code = code
        self.text = text
        self.condition = condition or _CONDITIONS[code]
        super().__init__(f"{code}: {text}")

    def __str__(self) -> str:
        return f"{self.code}: {self.text}"

    def __repr__(self) -> str:
        return f"CmsError({self.code!r}, {self.text!r})"
