"""Build CMS the way a careless (or hostile) partner might: bypassing our checks."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7

from samhand.cms import KeyPair


def raw_sign(content: bytes, signer: KeyPair, *, certs: bool = True) -> bytes:
    options = [pkcs7.PKCS7Options.Binary]
    if not certs:
        options.append(pkcs7.PKCS7Options.NoCerts)
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(content)
        .add_signer(signer.cert, signer.key, hashes.SHA256())
        .sign(serialization.Encoding.DER, options)
    )


def raw_encrypt(data: bytes, cert: x509.Certificate) -> bytes:
    return (
        pkcs7.PKCS7EnvelopeBuilder()
        .set_data(data)
        .add_recipient(cert)
        .set_content_encryption_algorithm(algorithms.AES256)
        .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )


MSGHEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24">'
    "<MsgInfo><Sender><Organisation><OrganisationName>UNN HF</OrganisationName>"
    "<Ident><Id>79768</Id><TypeId V=\"HER\" S=\"2.16.578.1.12.4.1.1.9051\"/></Ident>"
    "</Organisation></Sender></MsgInfo><Document>Pasient ønsker å bli utskrevet\r\n</Document></MsgHead>"
).encode()
