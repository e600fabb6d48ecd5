"""SM2 public-key encryption (GB/T 32918.4) and its ciphertext layouts.

The layout is always an explicit parameter; nothing in the bytes says which one was used, so it
is never guessed. Decryption failures raise one generic ``DecryptionFailed``.
"""

from __future__ import annotations

import enum
import hmac

from asn1crypto import core

from trustkit import _sm2
from trustkit.exceptions import DecryptionFailed, MalformedInput
from trustkit.sm3 import kdf, sm3

__all__ = ["CiphertextFormat", "decrypt", "encrypt"]

_MAX_CIPHERTEXT = 64 * 1024 * 1024
_C1_LEN = 65
_C3_LEN = 32


class CiphertextFormat(enum.Enum):
    """How C1 (a point), C3 (SM3 check value) and C2 (masked message) are laid out."""

    C1C3C2 = "C1C3C2"  #: GB/T 32918.4-2016 order, C1 as 04 ‖ x ‖ y
    C1C2C3 = "C1C2C3"  #: the 2010 order still emitted by older software and hardware
    ASN1 = "ASN1"  #: GM/T 0009 ``SM2Cipher`` DER, as OpenSSL's pkeyutl reads and writes


class _SM2Cipher(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012 - asn1crypto reads this class attribute
        ("x", core.Integer),
        ("y", core.Integer),
        ("hash", core.OctetString),
        ("ciphertext", core.OctetString),
    ]


def _xor(data: bytes, mask: bytes) -> bytes:
    n = len(data)
    return (int.from_bytes(data, "big") ^ int.from_bytes(mask, "big")).to_bytes(n, "big")


def _encode(fmt: CiphertextFormat, c1: bytes, c3: bytes, c2: bytes) -> bytes:
    if fmt is CiphertextFormat.C1C3C2:
        return b"\x04" + c1 + c3 + c2
    if fmt is CiphertextFormat.C1C2C3:
        return b"\x04" + c1 + c2 + c3
    x, y = int.from_bytes(c1[:32], "big"), int.from_bytes(c1[32:], "big")
    cipher = _SM2Cipher({"x": x, "y": y, "hash": c3, "ciphertext": c2})
    return bytes(cipher.dump())


def _decode(fmt: CiphertextFormat, data: bytes) -> tuple[bytes, bytes, bytes]:
    """Split into (C1 as X‖Y, C3, C2); MalformedInput when the layout does not fit."""
    if fmt is CiphertextFormat.ASN1:
        return _decode_asn1(data)
    if len(data) < _C1_LEN + _C3_LEN or data[0] != 0x04:
        raise MalformedInput("SM2 ciphertext is too short or C1 is not an uncompressed point")
    c1, rest = data[1:_C1_LEN], data[_C1_LEN:]
    if fmt is CiphertextFormat.C1C3C2:
        return c1, rest[:_C3_LEN], rest[_C3_LEN:]
    return c1, rest[-_C3_LEN:], rest[:-_C3_LEN]


def _coordinate(value: int) -> bytes:
    if not 0 <= value < 1 << 256:
        raise MalformedInput("SM2Cipher coordinate out of range")
    return value.to_bytes(32, "big")


def _decode_asn1(data: bytes) -> tuple[bytes, bytes, bytes]:
    try:
        cipher = _SM2Cipher.load(data, strict=True)
        x, y = cipher["x"].native, cipher["y"].native
        c3, c2 = cipher["hash"].native, cipher["ciphertext"].native
    except (ValueError, TypeError, KeyError) as exc:
        raise MalformedInput(f"SM2Cipher DER is malformed: {exc}") from None
    if len(c3) != _C3_LEN:
        raise MalformedInput("SM2Cipher HASH must be 32 bytes")
    if x < 0 or y < 0:
        raise MalformedInput("SM2Cipher coordinate out of range")
    # asn1crypto tolerates BER lengths, padded INTEGERs and extra fields: require exact DER
    canonical = _SM2Cipher({"x": x, "y": y, "hash": c3, "ciphertext": c2}).dump(force=True)
    if canonical != data:
        raise MalformedInput("SM2Cipher is not strict DER (or has extra fields)")
    return _coordinate(x) + _coordinate(y), c3, c2


def encrypt(core_key: _sm2.PublicCore, plaintext: bytes, fmt: CiphertextFormat) -> bytes:
    """Encrypt to a public key with a fresh random k."""
    while True:
        out = encrypt_with_nonce(core_key, plaintext, _sm2.random_scalar(), fmt)
        if out is not None:
            return out


def encrypt_with_nonce(
    core_key: _sm2.PublicCore, plaintext: bytes, k: bytes, fmt: CiphertextFormat
) -> bytes | None:
    """One encryption attempt with nonce k; None when the KDF output is all zeros.

    Public only for known-answer tests: a caller-chosen k must never be reused.
    """
    c1 = _sm2.base_multiply(k)
    shared = core_key.multiply(k)
    mask = kdf(shared, len(plaintext))
    if plaintext and not any(mask):
        return None
    c3 = sm3(shared[:32] + plaintext + shared[32:])
    return _encode(fmt, c1, c3, _xor(plaintext, mask))


def decrypt(core_key: _sm2.PrivateCore, ciphertext: bytes, fmt: CiphertextFormat) -> bytes:
    if len(ciphertext) > _MAX_CIPHERTEXT:
        raise MalformedInput("SM2 ciphertext exceeds the 64 MiB limit")
    c1, c3, c2 = _decode(fmt, ciphertext)
    try:
        shared = core_key.multiply(c1)
    except ValueError:
        raise DecryptionFailed("SM2 decryption failed") from None
    mask = kdf(shared, len(c2))
    if c2 and not any(mask):
        raise DecryptionFailed("SM2 decryption failed")
    plaintext = _xor(c2, mask)
    if not hmac.compare_digest(sm3(shared[:32] + plaintext + shared[32:]), c3):
        raise DecryptionFailed("SM2 decryption failed")
    return plaintext
