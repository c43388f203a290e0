"""Content at rest under the node's data key (AES-256-GCM), so a verified message is read without
a second RSA decryption. The CMS envelope stays beside it for audit and non-repudiation.

The key is derived from the node's key secret with HKDF-SHA256; the associated data binds a sealed
blob to the record it belongs to, so it cannot be moved to another message.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import CmsError

VERSION = b"SH1"
_NONCE = 12


class DataKey:
    def __init__(self, secret: bytes, *, label: bytes = b"samhand content at rest v1"):
        if not secret:
            raise ValueError("a non-empty secret is required for the data key")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret)
        self._aead = AESGCM(key)

    def seal(self, plain: bytes, bound_to: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return VERSION + nonce + self._aead.encrypt(nonce, plain, bound_to)

    def unseal(self, blob: bytes, bound_to: bytes) -> bytes:
        if not blob.startswith(VERSION) or len(blob) < len(VERSION) + _NONCE + 16:
            raise CmsError("S99", "sealed content has an unknown format")
        nonce = blob[len(VERSION):len(VERSION) + _NONCE]
        try:
            return self._aead.decrypt(nonce, blob[len(VERSION) + _NONCE:], bound_to)
        except InvalidTag:
            raise CmsError("S99", "sealed content does not open with this node's data key") from None
