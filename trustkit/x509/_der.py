"""Strict DER framing for certificate and CRL input: size limits, lengths, tags, no trailing bytes.

asn1crypto accepts BER and parses lazily, so every byte string is walked here first. The walk
descends into SEQUENCE, SET and constructed context tags; it does not look inside OCTET STRINGs
(extension values are decoded, leniently, where they are used).
"""

from __future__ import annotations

from typing import Any, Final

from trustkit.exceptions import MalformedInput

__all__ = ["MAX_CERTIFICATE_SIZE", "MAX_CRL_SIZE", "check_der"]

MAX_CERTIFICATE_SIZE: Final = 1 << 20
MAX_CRL_SIZE: Final = 16 << 20
_MAX_DEPTH: Final = 40
_CONSTRUCTED_UNIVERSAL: Final = frozenset({16, 17})  # SEQUENCE, SET


def check_der(data: bytes, what: str, limit: int) -> None:
    """Raise MalformedInput unless ``data`` is exactly one DER element no longer than ``limit``."""
    if not isinstance(data, bytes):
        raise MalformedInput(f"{what} must be bytes, not {type(data).__name__}")
    if not data:
        raise MalformedInput(f"{what} is empty")
    if len(data) > limit:
        raise MalformedInput(f"{what} is {len(data)} bytes; the limit is {limit}")
    end = _walk(data, 0, len(data), 0, what)
    if end != len(data):
        raise MalformedInput(f"{what} has {len(data) - end} trailing bytes after its DER encoding")


def _walk(data: bytes, pos: int, limit: int, depth: int, what: str) -> int:
    """Check one TLV starting at ``pos`` (not beyond ``limit``); return the offset after it."""
    if depth > _MAX_DEPTH:
        raise MalformedInput(f"{what} nests deeper than {_MAX_DEPTH} levels")
    start = pos
    cls, constructed, tag, pos = _read_tag(data, pos, limit, what)
    length, pos = _read_length(data, pos, limit, what)
    end = pos + length
    if end > limit:
        raise MalformedInput(
            f"{what} is truncated: element at offset {start} needs {length} bytes, "
            f"{limit - pos} remain"
        )
    if constructed:
        if cls == 0 and tag not in _CONSTRUCTED_UNIVERSAL:
            raise MalformedInput(f"{what} is not DER: constructed universal tag {tag} at {start}")
        while pos < end:
            pos = _walk(data, pos, end, depth + 1, what)
    elif cls == 0:
        _check_primitive(tag, data[pos:end], start, what)
    return end


def _read_tag(data: bytes, pos: int, limit: int, what: str) -> tuple[int, bool, int, int]:
    if pos >= limit:
        raise MalformedInput(f"{what} is truncated at offset {pos}")
    first = data[pos]
    cls, constructed, tag = first >> 6, bool(first & 0x20), first & 0x1F
    pos += 1
    if tag != 0x1F:
        return cls, constructed, tag, pos
    tag = 0
    while True:
        if pos >= limit:
            raise MalformedInput(f"{what} is truncated inside a tag at offset {pos}")
        octet = data[pos]
        if tag == 0 and octet == 0x80:
            raise MalformedInput(f"{what} is not DER: padded tag number at offset {pos}")
        tag = (tag << 7) | (octet & 0x7F)
        pos += 1
        if not octet & 0x80:
            break
        if tag > 0xFFFFFF:
            raise MalformedInput(f"{what} has an oversized tag number at offset {pos}")
    if tag < 0x1F:
        raise MalformedInput(f"{what} is not DER: long-form tag {tag} at offset {pos}")
    return cls, constructed, tag, pos


def _read_length(data: bytes, pos: int, limit: int, what: str) -> tuple[int, int]:
    if pos >= limit:
        raise MalformedInput(f"{what} is truncated: missing length at offset {pos}")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    if first == 0x80:
        raise MalformedInput(f"{what} is not DER: indefinite length at offset {pos - 1}")
    count = first & 0x7F
    if count > 4:
        raise MalformedInput(f"{what} has an oversized length field at offset {pos - 1}")
    if pos + count > limit:
        raise MalformedInput(f"{what} is truncated inside a length at offset {pos - 1}")
    raw = data[pos : pos + count]
    length = int.from_bytes(raw, "big")
    if raw[0] == 0 or length < 0x80:
        raise MalformedInput(f"{what} is not DER: non-minimal length at offset {pos - 1}")
    return length, pos + count


def _check_primitive(tag: int, body: bytes, start: int, what: str) -> None:
    """Content rules of the primitive universal types that DER pins down."""
    bad = ""
    if tag == 0:
        bad = "end-of-contents octets outside an indefinite length"
    elif tag in _CONSTRUCTED_UNIVERSAL:
        bad = "SEQUENCE or SET encoded as primitive"
    elif tag == 1 and (len(body) != 1 or body[0] not in (0x00, 0xFF)):
        bad = "BOOLEAN must be one byte 00 or FF"
    elif tag == 2 and not _minimal_integer(body):
        bad = "INTEGER is empty or not minimally encoded"
    elif tag == 3 and (not body or body[0] > 7 or (len(body) == 1 and body[0] != 0)):
        bad = "BIT STRING has a bad unused-bits octet"
    elif tag == 5 and body:
        bad = "NULL has contents"
    if bad:
        raise MalformedInput(f"{what} is not DER: {bad} (offset {start})")


def _minimal_integer(body: bytes) -> bool:
    if not body:
        return False
    if len(body) == 1:
        return True
    return not (body[0] == 0 and body[1] < 0x80) and not (body[0] == 0xFF and body[1] >= 0x80)


def octet_aligned_bits(value: Any, what: str) -> bytes:
    """The bytes of a BIT STRING that must hold whole octets (signatures, public keys).

    A non-zero unused-bits count is a container error (spec sm2-sm3.md §9 N23), never repaired.
    """
    contents = bytes(value.contents or b"")
    if not contents or contents[0] != 0:
        raise MalformedInput(f"{what}: BIT STRING has unused bits")
    return contents[1:]
