"""samhand.cms — CMS protection of health messages.  Pure library: no Django.

Sign-then-encrypt as the national framework does it
[HIS 1037 §5.5, AMQP_spesifikasjon_helsenorge.no §2.1.4–2.1.5]:

    data = protect(xml_bytes, our_signing_pair, partner_encryption_cert)

and on receipt (the expected signer comes from the MsgHead sender, which
is inside the signed content):

    inner = decrypt(data, [current_encryption_pair, previous_encryption_pair])
    sender = <lookup by the MsgHead in peek_content(inner)>
    verified = verify(inner, expected_signer=sender.signing_cert,
                      trusted_cas=cas, crls=crls)

Every failure raises CmsError with an AppRec code (S01/S02/S03/S99).
"""

from .envelope import decrypt, encrypt, protect, sign
from .errors import CmsError
from .keys import KeyPair, PrivateKey, load_certificate, load_pkcs12, load_private_key
from .sealing import DataKey
from .verify import Verified, peek_content, unprotect, verify

__all__ = [
    "CmsError",
    "DataKey",
    "KeyPair",
    "PrivateKey",
    "Verified",
    "decrypt",
    "encrypt",
    "load_certificate",
    "load_pkcs12",
    "load_private_key",
    "peek_content",
    "protect",
    "sign",
    "unprotect",
    "verify",
]
