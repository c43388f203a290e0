"""Sending side (sign, encrypt, protect) and the decryption step of receiving.

[AMQP_spesifikasjon_helsenorge.no §2.1.5]: the business message is first
signed (CMS SignedData, content encapsulated, not detached) with the sender's
NonRepudiation certificate, then encrypted (CMS EnvelopedData) to the
receiver's encryption certificate; the bytes travel as they are.

cryptography does the CMS work.  ``PKCS7Options.Binary`` is not optional: without
it cryptography canonicalises line endings to CRLF (S/MIME text mode) and the
receiver gets different bytes than were signed.
"""

from __future__ import annotations

from datetime import datetime
from collections.abc import Sequence

from asn1crypto import cms as a1cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding as sympadding, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import pkcs7

from .certs import check_key_usage, check_usable, describe, identifier_matches, thumbprint
from .errors import CERTIFICATE, OTHER, CmsError
from .keys import KeyPair

_BINARY = [pkcs7.PKCS7Options.Binary]
_DECRYPT_FAILED = "transport:decryption-failed"
_DER = serialization.Encoding.DER


def sign(content: bytes, signer: KeyPair, *, at: datetime | None = None) -> bytes:
    """DER SignedData over ``content`` (encapsulated), SHA-256, signer cert included.

    Signed attributes (contentType, signingTime, messageDigest) are included as
    every CMS implementation expects; S/MIME capabilities are left out because
    nobody answers these messages by e-mail.
    """
    check_usable(signer.cert, "signing", at)
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(bytes(content))
        .add_signer(signer.cert, signer.key, hashes.SHA256())  # type: ignore[arg-type]
        .sign(_DER, _BINARY + [pkcs7.PKCS7Options.NoCapabilities])
    )


Recipients = x509.Certificate | Sequence[x509.Certificate]


def _as_list(recipients: Recipients) -> list[x509.Certificate]:
    return [recipients] if isinstance(recipients, x509.Certificate) else list(recipients)


def encrypt(data: bytes, recipients: Recipients, *, at: datetime | None = None) -> bytes:
    """DER EnvelopedData to one or more certificates: AES-256-CBC, RSA PKCS#1 v1.5 key transport.

    Several recipients share one content key (one RecipientInfo each), so a
    message to a receiver and its copy receivers is encrypted once.
    """
    certs = _as_list(recipients)
    if not certs:
        raise ValueError("encrypt needs at least one recipient certificate")
    builder = pkcs7.PKCS7EnvelopeBuilder().set_data(bytes(data))
    for cert in certs:
        check_usable(cert, "encryption", at)
        try:
            builder = builder.add_recipient(cert)
        except TypeError as exc:  # cryptography: "Only RSA keys are supported at this time."
            raise CmsError(CERTIFICATE, f"cannot encrypt to {describe(cert)}: {exc}") from exc
    return builder.set_content_encryption_algorithm(algorithms.AES256).encrypt(_DER, _BINARY)


def protect(content: bytes, signer: KeyPair, recipients: Recipients, *, at: datetime | None = None) -> bytes:
    """Sign, then encrypt (the order is normative, see the module docstring)."""
    # Check the recipients first so a bad address-register entry fails before
    # we spend an RSA signature on it.
    for cert in _as_list(recipients):
        check_usable(cert, "encryption", at)
    return encrypt(sign(content, signer, at=at), recipients, at=at)


# --- decryption -------------------------------------------------------------------


def _parse_enveloped(data: bytes) -> a1cms.EnvelopedData:
    try:
        info = a1cms.ContentInfo.load(bytes(data), strict=True)
        ctype = info["content_type"].native
        env = info["content"]
        recipients = list(env["recipient_infos"])
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, KeyError, …
        raise CmsError(OTHER, f"not a CMS EnvelopedData (garbage or truncated): {exc}",
                       condition=_DECRYPT_FAILED) from exc
    if ctype != "enveloped_data":
        raise CmsError(OTHER, f"message is not encrypted (CMS content type {ctype})",
                       condition=_DECRYPT_FAILED)
    if not recipients:
        raise CmsError(OTHER, "EnvelopedData has no recipients", condition=_DECRYPT_FAILED)
    return env


def _rid_text(rid: a1cms.RecipientIdentifier) -> str:
    if rid.name == "issuer_and_serial_number":
        ias = rid.chosen
        return f"issuer '{ias['issuer'].human_friendly}' serial {ias['serial_number'].native:x}"
    return f"subject key id {rid.chosen.native.hex()}"


_CBC = {"aes128_cbc": 16, "aes192_cbc": 24, "aes256_cbc": 32}


def _oaep(params: object) -> padding.OAEP:
    hash_name = params["hash_algorithm"]["algorithm"].native  # type: ignore[index]
    mgf_hash = params["mask_gen_algorithm"]["parameters"]["algorithm"].native  # type: ignore[index]
    label = params["p_source_algorithm"]["parameters"].native or None  # type: ignore[index]
    hmap = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
    return padding.OAEP(mgf=padding.MGF1(hmap[mgf_hash]()), algorithm=hmap[hash_name](), label=label)


def _decrypt_own(env: a1cms.EnvelopedData, ktri: a1cms.KeyTransRecipientInfo, recipient: KeyPair) -> bytes:
    """CMS decryption for what cryptography's decrypt refuses.

    cryptography 50 only takes recipients identified by issuer+serial with RSA
    PKCS#1 v1.5 key transport; ``openssl cms -encrypt -keyid`` (subject key
    identifier) and RSA-OAEP (``-keyopt rsa_padding_mode:oaep``) are valid CMS
    too, and partners may send them.
    """
    kea = ktri["key_encryption_algorithm"]
    name = kea["algorithm"].native
    if name == "rsaes_pkcs1v15":
        pad: padding.AsymmetricPadding = padding.PKCS1v15()
    elif name == "rsaes_oaep":
        pad = _oaep(kea["parameters"])
    else:
        raise ValueError(f"unsupported key transport {name}")
    cek = recipient.key.decrypt(ktri["encrypted_key"].native, pad)  # type: ignore[union-attr]
    eci = env["encrypted_content_info"]
    alg = eci["content_encryption_algorithm"]
    size = _CBC.get(alg["algorithm"].native)
    if size is None or len(cek) != size:
        raise ValueError(f"unsupported content encryption {alg['algorithm'].native}")
    ciphertext = eci["encrypted_content"].native
    if not ciphertext:
        raise ValueError("no encrypted content")
    dec = Cipher(algorithms.AES(cek), modes.CBC(alg["parameters"].native)).decryptor()
    padded = dec.update(ciphertext) + dec.finalize()
    unpadder = sympadding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def decrypt(data: bytes, recipients: Sequence[KeyPair]) -> bytes:
    """Open EnvelopedData with the first of ``recipients`` it is addressed to.

    Pass the current encryption key first, then the previous one: during a
    certificate rollover partners still encrypt to the old certificate from a
    cached address-register entry [AMQP_spesifikasjon_helsenorge.no §2.1.4].
    Returns the inner bytes (normally a SignedData, see verify()).

    Every failure is S99.  A message not addressed to any of our certificates
    is reported as such, with both sides named, so the operator sees a stale
    certificate in the partner's register entry at once.  Failures after a
    recipient matched get one fixed text, whatever went wrong: RSA PKCS#1 v1.5
    must not become a padding oracle through detailed error messages.

    The bundled OpenSSL (≥ 3.2) uses *implicit rejection* for RSA PKCS#1 v1.5:
    a wrong key or a corrupted wrapped key yields a pseudo-random content key
    instead of an error, so now and then (≈0.4 % in our tests) decrypt()
    returns garbage rather than raising.  verify() then fails with S99; never
    use decrypt() output unverified.
    """
    try:
        return _decrypt(data, recipients)
    except CmsError:
        raise
    except Exception as exc:  # asn1crypto parses lazily: structure errors surface late
        raise CmsError(OTHER, f"malformed EnvelopedData: {exc}", condition=_DECRYPT_FAILED) from exc


def _decrypt(data: bytes, recipients: Sequence[KeyPair]) -> bytes:
    env = _parse_enveloped(data)
    ktris = [ri.chosen for ri in env["recipient_infos"] if ri.name == "ktri"]
    # cryptography 50 parses only issuer+serial recipients with PKCS#1 v1.5
    # key transport; anything else goes to _decrypt_own.
    rust_can = len(ktris) == len(env["recipient_infos"]) and all(
        k["rid"].name == "issuer_and_serial_number" and k["key_encryption_algorithm"]["algorithm"].native
        == "rsaes_pkcs1v15" for k in ktris)
    tried = False
    for recipient in recipients:
        for ktri in ktris:
            if not identifier_matches(ktri["rid"], recipient.cert):
                continue
            tried = True
            # Only validity is relaxed for our own keys (an expired previous
            # certificate must still open late messages); a key pair that is not
            # for encryption is never used to decrypt [HIS 1037 §6.2.3].
            check_key_usage(recipient.cert, "encryption")
            try:
                if rust_can:
                    return pkcs7.pkcs7_decrypt_der(bytes(data), recipient.cert, recipient.key, [])
                return _decrypt_own(env, ktri, recipient)
            except Exception:
                continue  # one fixed error below, whatever failed (no padding oracle)
    if tried:
        raise CmsError(OTHER, "cannot decrypt the message with our key (corrupt or tampered)",
                       condition=_DECRYPT_FAILED)
    addressed = "; ".join(_rid_text(ri.chosen["rid"]) if ri.name == "ktri" else ri.name
                          for ri in env["recipient_infos"])
    ours = "; ".join(f"{describe(r.cert)} [{thumbprint(r.cert)}]" for r in recipients) or "none"
    raise CmsError(OTHER, f"message is not encrypted for us: addressed to {addressed}; our certificates: {ours}",
                   condition="transport:invalid-certificate")
