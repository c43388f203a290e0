"""The AMQP 1.0 profile of the national service bus, as pure data and helpers.

Source: *AMQP spesifikasjon: Spesifikasjon av meldingsutveksling med helsenorge.no*
(HITS 1216:2018, v1.11), sections 2.1.2 (attributes), 2.1.3 (queues), 2.2.3 and 2.2.6
(errors). Nothing here talks to a broker.

- Every party (HER-id) has the queues ``<herid>_async``, ``<herid>_sync`` and
  ``<herid>_error``. Async messages never expire; sync messages live 15 s.
- Application properties are **all strings** (2.1): ``fromHerId``, ``toHerId``,
  ``applicationTimeStamp`` (ISO 8601 with zone, e.g. ``2014-02-26T12:45:32+02:00``)
  are required; ``cpaId`` only when a CPA exists (otherwise *left out*, not empty).
- A transport error is reported as a new message, without a body, on the
  *sender's* ``_error`` queue with ``originalMessageId``, ``receiverTimeStamp``,
  ``errorCondition``, ``errorDescription`` and optionally ``errorConditionData``.
  The profile marks fromHerId/toHerId required on every AMQP message, so an error
  message carries ``message_properties(...) | error_properties(...)``.
- A message read 10 times without being committed goes to the dead-letter queue
  (:data:`MAX_RECEIVES`). Duplicate AMQP message-ids are logged and ignored by
  the receiver, so resending with the *same* message-id after a failed send is safe.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone

MAX_RECEIVES = 10
"""A message received this many times without being committed is dead-lettered."""

SYNC_TTL_SECONDS = 15.0
"""Time to live of messages on ``_sync`` queues; ``_async`` messages never expire."""

# Application property names, exactly as the profile spells them.
FROM_HER_ID = "fromHerId"
TO_HER_ID = "toHerId"
CPA_ID = "cpaId"
APPLICATION_TIMESTAMP = "applicationTimeStamp"
ORIGINAL_MESSAGE_ID = "originalMessageId"
RECEIVER_TIMESTAMP = "receiverTimeStamp"
ERROR_CONDITION = "errorCondition"
ERROR_DESCRIPTION = "errorDescription"
ERROR_CONDITION_DATA = "errorConditionData"

# Content types (2.1.2, contentType).
CONTENT_TYPE_ENVELOPED = "application/pkcs7-mime; smime-type=enveloped-data"
CONTENT_TYPE_SIGNED = "application/pkcs7-mime; smime-type=signed-data"
CONTENT_TYPE_SIGNED_AND_ENVELOPED = "application/pkcs7-mime; smime-type=signed-and-enveloped-data"
CONTENT_TYPE_SOAP = "application/soap+xml"
SUBJECT_SOAP_FAULT = "AMQP_SOAP_FAULT"

# Error conditions (2.2.3 and 2.2.6).
INVALID_FIELD_VALUE = "transport:invalid-field-value"
REQUIRED_FIELD_MISSING = "transport:required-field-missing"
UNSUPPORTED_MESSAGE = "transport:unsupported-message"
INVALID_CMS_PKCS = "transport:invalid-cms-pkcs"
INVALID_CERTIFICATE = "transport:invalid-certificate"
EXPIRED_CERTIFICATE = "transport:expired-certificate"
REVOKED_CERTIFICATE = "transport:revoked-certificate"  # 2.2.3 misspells it "revoked-cerificate"
DECRYPTION_FAILED = "transport:decryption-failed"
INVALID_SIGNATURE = "transport:invalid-signature"
INVALID_ENCODING = "transport:invalid-encoding"
NOT_WELL_FORMED_XML = "transport:not-well-formed-xml"
XML_NOT_INTERPRETABLE = "transport:xml-not-interpretable"
INTERNAL_ERROR = "transport:internal-error"  # used by our design notes; not in the 2.2.6 table
SPOOFING_ATTACK = "abuse:spoofing-attack"

DEFAULT_DESCRIPTIONS: dict[str, str] = {
    INVALID_CMS_PKCS: "Could not decrypt message because of invalid format to CMS/PKCS.",
    INVALID_CERTIFICATE: "Could not decrypt message because of unknown/incorrect certificate",
    EXPIRED_CERTIFICATE: "Could not decrypt message because of certificate expired.",
    REVOKED_CERTIFICATE: "Could not decrypt message because of certificate added to CRL (Certificate Revocation List).",
    DECRYPTION_FAILED: "Could not decrypt message because of unknown reason.",
    INVALID_SIGNATURE: "Digital signature could not be verified.",
    REQUIRED_FIELD_MISSING: "Missing or invalid value in a required field.",
    INVALID_FIELD_VALUE: "Invalid value in a field.",
    INVALID_ENCODING: "Error occurred during decoding message. Expecting message encoded as 'Unicode'.",
    SPOOFING_ATTACK: "Possible spoofing attack detected.",
    XML_NOT_INTERPRETABLE: "XML cannot be interpreted",
    NOT_WELL_FORMED_XML: "The business message header does not validate or cannot be interpreted.",
    UNSUPPORTED_MESSAGE: "The communication process is not supported (no matching CPA).",
    INTERNAL_ERROR: "Internal error at the receiver.",
}

ERROR_CONDITIONS: frozenset[str] = frozenset(DEFAULT_DESCRIPTIONS)

_HER_ID = re.compile(r"^[0-9]{1,12}$")


def _her_id(value: int | str) -> str:
    text = str(value).strip()
    if not _HER_ID.match(text):
        raise ValueError(f"not a HER-id: {value!r}")
    return text


_PREFIX = re.compile(r"^[A-Za-z0-9_.-]{0,40}$")


def queue_prefix() -> str:
    """SAMHAND_AMQP_QUEUE_PREFIX: prepended to every queue name (empty in production, where the
    profile's names are used as they are). A test or benchmark run sets its own, so concurrent runs
    on one broker never consume each other's messages. Read from the environment on each call:
    this module stays free of Django."""
    prefix = os.environ.get("SAMHAND_AMQP_QUEUE_PREFIX", "")
    if not _PREFIX.match(prefix):
        raise ValueError(f"SAMHAND_AMQP_QUEUE_PREFIX may hold only letters, digits, '_', '.', '-': {prefix!r}")
    return prefix


def async_queue(her_id: int | str) -> str:
    return f"{queue_prefix()}{_her_id(her_id)}_async"


def sync_queue(her_id: int | str) -> str:
    return f"{queue_prefix()}{_her_id(her_id)}_sync"


def error_queue(her_id: int | str) -> str:
    return f"{queue_prefix()}{_her_id(her_id)}_error"


def format_timestamp(moment: datetime | None = None) -> str:
    """ISO 8601 in UTC with an explicit offset, seconds precision: ``2024-05-01T10:15:00+00:00``.

    Naive datetimes are refused: the profile requires a zone and guessing one is how
    messages get sorted wrong.
    """
    moment = moment or datetime.now(timezone.utc)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamp must be timezone-aware")
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def parse_timestamp(text: str) -> datetime:
    """Parse an ``applicationTimeStamp``/``receiverTimeStamp``; a missing zone is an error."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without zone: {text!r}")
    return moment


def message_properties(from_her_id: int | str, to_her_id: int | str, cpa_id: str | None,
                       timestamp: datetime | None = None) -> dict[str, str]:
    """Application properties of an ordinary message (all values are strings)."""
    props = {
        FROM_HER_ID: _her_id(from_her_id),
        TO_HER_ID: _her_id(to_her_id),
        APPLICATION_TIMESTAMP: format_timestamp(timestamp),
    }
    if cpa_id:  # "Dersom det ikke foreligger en CPA-avtale skal ikke feltet tas med"
        props[CPA_ID] = str(cpa_id)
    return props


def error_properties(original_message_id: str, condition: str, description: str | None = None,
                     receiver_timestamp: datetime | None = None, *,
                     condition_data: str | None = None) -> dict[str, str]:
    """Application properties of a transport-error message for the sender's ``_error`` queue.

    ``description`` defaults to the profile's text for the condition; ``condition_data``
    (e.g. a JSON string with certificate thumbprints or field names) is left out when None.
    """
    if condition not in ERROR_CONDITIONS:
        raise ValueError(f"unknown error condition: {condition!r}")
    if not original_message_id:
        raise ValueError("original_message_id is required")
    props = {
        ORIGINAL_MESSAGE_ID: str(original_message_id),
        RECEIVER_TIMESTAMP: format_timestamp(receiver_timestamp),
        ERROR_CONDITION: condition,
        ERROR_DESCRIPTION: description or DEFAULT_DESCRIPTIONS[condition],
    }
    if condition_data is not None:
        props[ERROR_CONDITION_DATA] = str(condition_data)
    return props


def exhausted(delivery_count: int) -> bool:
    """True when this receive is the last one allowed: settle it (accept or reject), don't release."""
    return delivery_count + 1 >= MAX_RECEIVES
