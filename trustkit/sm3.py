"""SM3 (GB/T 32905): hash, HMAC-SM3 and the SM2 key-derivation function.

Hashing goes through OpenSSL (``hashlib``); the native engine carries its own SM3 only for
work done without the GIL (batch verification).
"""

from __future__ import annotations

import hashlib
import hmac as _hmac
from typing import Any

from trustkit.exceptions import UnsupportedAlgorithm

__all__ = ["BLOCK_SIZE", "DIGEST_SIZE", "hmac_sm3", "kdf", "new", "sm3"]

DIGEST_SIZE = 32
BLOCK_SIZE = 64


def _check_available() -> None:
    try:
        hashlib.new("sm3")
    except ValueError as exc:  # pragma: no cover - depends on the OpenSSL build
        raise UnsupportedAlgorithm("this Python's OpenSSL does not provide SM3") from exc


_check_available()


def new(data: bytes = b"") -> Any:
    """Return a streaming SM3 object (``update``/``digest``/``copy``) from OpenSSL."""
    return hashlib.new("sm3", data)


def sm3(data: bytes) -> bytes:
    """Return the 32-byte SM3 digest of ``data``."""
    return hashlib.new("sm3", data).digest()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """Return HMAC-SM3 (RFC 2104 construction over SM3) of ``data`` under ``key``."""
    return _hmac.new(key, data, "sm3").digest()


def kdf(z: bytes, length: int) -> bytes:
    """SM2 key-derivation function (GB/T 32918.4 §5.4.3): SM3(Z ‖ ct), 32-bit counter from 1."""
    if length < 0:
        raise ValueError("length must be non-negative")
    if length > DIGEST_SIZE * 0xFFFFFFFF:
        raise ValueError("requested KDF output is too long")
    blocks = []
    base = hashlib.new("sm3", z)
    for counter in range(1, -(-length // DIGEST_SIZE) + 1):
        h = base.copy()
        h.update(counter.to_bytes(4, "big"))
        blocks.append(h.digest())
    return b"".join(blocks)[:length]
