"""Micro-benchmark: what one protected message costs, next to the bare primitives.

protect = 1 RSA private op (sign) + SHA-256 of the content + 1 RSA public op
(key transport) + AES-256-CBC of the signed bytes; unprotect = 1 RSA private op
(key unwrap) + AES-256-CBC decrypt + SHA-256 + 1 RSA public op (verify).  The
``primitive_sum_us`` below adds exactly these, so ``overhead_ratio`` shows what
the CMS encoding/parsing (and Python) costs on top of the cryptography itself.
Architecture.md quotes RSA-2048 sign ≈ 3,600/s and CMS decrypt ≈ 3,500/s on
the reference machine; compare the same run's primitives, not absolute numbers.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable

import cryptography
from cryptography.hazmat.backends.openssl.backend import backend as _ossl
from cryptography.hazmat.primitives import hashes, padding as sympadding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from . import demo
from .envelope import protect
from .verify import unprotect


def _measure(fn: Callable[[], object], seconds: float) -> dict[str, float]:
    fn()  # warm-up (first-call allocations, lazy imports)
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        fn()
        n += 1
        now = time.perf_counter()
        if now >= deadline:
            break
    elapsed = now - start
    return {"ops_per_s": round(n / elapsed, 1), "us_per_op": round(elapsed / n * 1e6, 2), "n": n}


def run_crypto_bench(size: int = 20_000, seconds: float = 2.0) -> dict:
    """Measure protect/unprotect of ``size`` bytes and the primitives, each for ``seconds``.

    Keys and certificates are generated on the fly (nothing on disk).  Total
    run time is about 9 × ``seconds`` plus ~0.5 s of key generation.
    """
    ca = demo.make_ca("Bench CA")
    sender = demo.issue(ca, "Bench sender", usage="signing")
    receiver = demo.issue(ca, "Bench receiver", usage="encryption")
    payload = os.urandom(size)
    protected = protect(payload, sender, receiver.cert)

    # Typed as RSA: demo.issue() makes RSA-2048 keys.
    sign_key: rsa.RSAPrivateKey = sender.key  # type: ignore[assignment]
    verify_key: rsa.RSAPublicKey = sender.cert.public_key()  # type: ignore[assignment]
    unwrap_key: rsa.RSAPrivateKey = receiver.key  # type: ignore[assignment]
    wrap_key: rsa.RSAPublicKey = receiver.cert.public_key()  # type: ignore[assignment]
    pkcs1 = padding.PKCS1v15()
    aes_key, iv = os.urandom(32), os.urandom(16)
    wrapped = wrap_key.encrypt(aes_key, pkcs1)
    attrs_like = os.urandom(100)  # RSA signs the ~100-byte signed attributes, not the payload
    signature = sign_key.sign(attrs_like, pkcs1, hashes.SHA256())

    def aes_cbc() -> bytes:
        padder = sympadding.PKCS7(128).padder()
        data = padder.update(payload) + padder.finalize()
        enc = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
        return enc.update(data) + enc.finalize()

    def sha256() -> bytes:
        h = hashes.Hash(hashes.SHA256())
        h.update(payload)
        return h.finalize()

    ops = {
        "protect": _measure(lambda: protect(payload, sender, receiver.cert), seconds),
        "unprotect": _measure(lambda: unprotect(protected, [receiver], expected_signer=sender.cert), seconds),
        "rsa2048_sign_pkcs1v15_sha256": _measure(lambda: sign_key.sign(attrs_like, pkcs1, hashes.SHA256()), seconds),
        "rsa2048_decrypt_pkcs1v15": _measure(lambda: unwrap_key.decrypt(wrapped, pkcs1), seconds),
        "rsa2048_verify_pkcs1v15_sha256": _measure(
            lambda: verify_key.verify(signature, attrs_like, pkcs1, hashes.SHA256()), seconds),
        "rsa2048_encrypt_pkcs1v15": _measure(lambda: wrap_key.encrypt(aes_key, pkcs1), seconds),
        f"aes256_cbc_{size}B": _measure(aes_cbc, seconds),
        f"sha256_{size}B": _measure(sha256, seconds),
    }
    us = {k: v["us_per_op"] for k, v in ops.items()}
    primitive_sum = (
        us["rsa2048_sign_pkcs1v15_sha256"] + us["rsa2048_decrypt_pkcs1v15"]
        + us["rsa2048_verify_pkcs1v15_sha256"] + us["rsa2048_encrypt_pkcs1v15"]
        + 2 * us[f"aes256_cbc_{size}B"] + 2 * us[f"sha256_{size}B"]
    )
    message_cost = us["protect"] + us["unprotect"]
    return {
        "payload_bytes": size,
        "seconds_per_measurement": seconds,
        "ops": ops,
        "protect_plus_unprotect_us": round(message_cost, 2),
        "primitive_sum_us": round(primitive_sum, 2),
        "overhead_ratio": round(message_cost / primitive_sum, 2),
        "primitive_sum_formula": "sign + rsa_decrypt + verify + rsa_encrypt + 2*aes + 2*sha256",
        "cryptography": cryptography.__version__,
        "openssl": _ossl.openssl_version_text(),
        "python": platform.python_version(),
    }
