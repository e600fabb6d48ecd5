"""gmalglib 0.5.9 (independent C, MIT) as an SM2 oracle: raw r ‖ s signatures, C1C3C2 ciphertexts.

Quirks (spec §10.2): use the ``SM2`` class, never the procedural ``sm2_verify``; it accepts
unreduced public-key coordinates, so it is no oracle for key validation; ``rnd_fn`` bytes are
read as a LITTLE-endian integer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DEFAULT_UID = b"1234567812345678"

try:
    from gmalglib.sm2 import SM2 as _SM2
except ImportError:  # pragma: no cover - depends on the environment
    _SM2 = None

AVAILABLE = _SM2 is not None


def _cls() -> Any:
    if _SM2 is None:
        raise RuntimeError("gmalglib is not installed")
    return _SM2


def _fixed_k(k: int) -> Callable[[int], bytes]:
    """An rnd_fn that always yields k (gmalglib reads it little-endian)."""

    def rnd(size: int) -> bytes:
        return k.to_bytes(size, "little")

    return rnd


def _signer(d: bytes, uid: bytes, k: int | None) -> Any:
    if k is None:
        return _cls()(sk=d, uid=uid)
    return _cls()(sk=d, uid=uid, rnd_fn=_fixed_k(k))


def public_point(d: bytes) -> bytes:
    """65-byte 04 ‖ X ‖ Y for the 32-byte private scalar d."""
    return bytes(_cls().get_pk(d))


def sign(d: bytes, msg: bytes, uid: bytes = DEFAULT_UID, *, k: int | None = None) -> bytes:
    """Raw 64-byte r ‖ s over SM3(Z_A ‖ msg); k fixes the nonce for known-answer tests."""
    return bytes(_signer(d, uid, k).sign(msg))


def verify(pub: bytes, msg: bytes, rs: bytes, uid: bytes = DEFAULT_UID) -> bool:
    """True iff gmalglib accepts raw r ‖ s for pub (65-byte 04 ‖ X ‖ Y); errors are False."""
    try:
        return bool(_cls()(pk=pub, uid=uid).verify(msg, rs))
    except ValueError:
        return False


def verify_digest(pub: bytes, e: bytes, rs: bytes) -> bool:
    try:
        return bool(_cls()(pk=pub).verify_digest(e, rs))
    except ValueError:
        return False


def is_public_key_valid(pub: bytes) -> bool:
    return bool(_cls().is_pk_valid(pub))


def encrypt(pub: bytes, plaintext: bytes, *, k: int | None = None) -> bytes:
    """Raw 04 ‖ C1 ‖ C3 ‖ C2."""
    obj = _cls()(pk=pub) if k is None else _cls()(pk=pub, rnd_fn=_fixed_k(k))
    return bytes(obj.encrypt(plaintext))


def decrypt(d: bytes, ciphertext: bytes) -> bytes:
    """Decrypt raw 04 ‖ C1 ‖ C3 ‖ C2; raises ValueError on failure."""
    return bytes(_cls()(sk=d).decrypt(ciphertext))
