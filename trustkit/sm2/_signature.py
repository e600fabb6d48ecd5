"""Signature encodings: strict DER ``SM2Signature`` (GM/T 0009) and raw 64-byte r ‖ s.

The encoding is a property of the container; nothing here guesses it from the length.
"""

from __future__ import annotations

from trustkit.exceptions import MalformedSignature
from trustkit.sm2._curve import N

__all__ = ["decode_der_signature", "der_to_raw", "encode_der_signature", "raw_to_der"]

RAW_SIGNATURE_SIZE = 64
_MAX_DER_SIZE = 72


def _der_integer(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")  # always leaves room for a sign bit
    return b"\x02" + bytes([len(body)]) + body


def encode_der_signature(r: int, s: int) -> bytes:
    """DER ``SEQUENCE { r INTEGER, s INTEGER }`` for 1 <= r, s < n."""
    if not (0 < r < N and 0 < s < N):
        raise MalformedSignature("signature values r and s must lie in [1, n-1]")
    body = _der_integer(r) + _der_integer(s)
    return b"\x30" + bytes([len(body)]) + body


def _read_integer(data: bytes, pos: int) -> tuple[int, int]:
    if pos + 2 > len(data) or data[pos] != 0x02:
        raise MalformedSignature("DER signature: expected an INTEGER")
    length = data[pos + 1]
    if length == 0 or length > 33:
        raise MalformedSignature("DER signature: INTEGER length out of range")
    body = data[pos + 2 : pos + 2 + length]
    if len(body) != length:
        raise MalformedSignature("DER signature: truncated INTEGER")
    if body[0] & 0x80:
        raise MalformedSignature("DER signature: negative INTEGER")
    if length > 1 and body[0] == 0 and not body[1] & 0x80:
        raise MalformedSignature("DER signature: INTEGER is not minimally encoded")
    return int.from_bytes(body, "big"), pos + 2 + length


def decode_der_signature(signature: bytes) -> tuple[int, int]:
    """Strictly decode a DER SM2 signature into (r, s); both must lie in [1, n-1].

    Rejects BER forms (long or indefinite lengths), non-minimal or negative integers, extra
    elements and trailing bytes.
    """
    sig = bytes(signature)
    if len(sig) < 8 or len(sig) > _MAX_DER_SIZE:
        raise MalformedSignature(f"DER signature has an impossible length ({len(sig)} bytes)")
    if sig[0] != 0x30:
        raise MalformedSignature("DER signature: expected a SEQUENCE")
    if sig[1] != len(sig) - 2:  # short-form length covering exactly the rest
        raise MalformedSignature("DER signature: SEQUENCE length is not minimal or does not match")
    r, pos = _read_integer(sig, 2)
    s, pos = _read_integer(sig, pos)
    if pos != len(sig):
        raise MalformedSignature("DER signature: unexpected data after the two INTEGERs")
    if not (0 < r < N and 0 < s < N):
        raise MalformedSignature("DER signature: r or s is outside [1, n-1]")
    return r, s


def der_to_raw(signature: bytes) -> bytes:
    """Convert a strict DER signature to 64-byte r ‖ s."""
    r, s = decode_der_signature(signature)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def raw_to_der(signature: bytes) -> bytes:
    """Convert 64-byte r ‖ s to DER; r and s must lie in [1, n-1]."""
    if len(signature) != RAW_SIGNATURE_SIZE:
        raise MalformedSignature(f"raw SM2 signature must be 64 bytes, got {len(signature)}")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    return encode_der_signature(r, s)
