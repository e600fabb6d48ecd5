"""Small DER helpers for seal data: lenient readers for what vendors write, strict writers.

Readers take asn1crypto values parsed from the input and look at their bytes as received;
writers produce DER (definite lengths, minimal encodings, 0 unused bits).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Final

from asn1crypto import core, parser

from trustkit.exceptions import MalformedInput

__all__ = [
    "ASN1_ERRORS",
    "MAX_SEAL_SIZE",
    "aware",
    "bit_string",
    "bit_string_bytes",
    "count_elements",
    "decode_time",
    "encode_tlv",
    "explicit0",
    "explicit_inner",
    "generalized_time",
    "is_all_zero",
    "outer_sequence",
    "parse_text_time",
    "raw_bytes",
    "string_value",
    "tag_of",
    "tlv",
]

# What asn1crypto raises on bad input while decoding lazily.
ASN1_ERRORS: Final = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError)
MAX_SEAL_SIZE: Final = 16 << 20

_TEXT_TIME: Final = re.compile(
    r"(\d{4})-?(\d{2})-?(\d{2})[T ]?(\d{2}):?(\d{2}):?(\d{2})"  # date and time
    r"(?:[.,](\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})?"  # fraction, zone
)


def outer_sequence(data: bytes, what: str) -> bytes:
    """The contents of ``data`` if it is exactly one DER SEQUENCE; MalformedInput otherwise."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedInput(f"{what} must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise MalformedInput(f"{what} is empty")
    if len(data) > MAX_SEAL_SIZE:
        raise MalformedInput(f"{what} is {len(data)} bytes; the limit is {MAX_SEAL_SIZE}")
    try:
        cls, constructed, tag, _header, contents, _trailer = parser.parse(data, strict=True)
    except ASN1_ERRORS as exc:
        raise MalformedInput(f"{what} is not DER: {exc}") from exc
    if (cls, constructed, tag) != (0, 1, 16):
        raise MalformedInput(f"{what} is not a DER SEQUENCE")
    return bytes(contents)


def count_elements(contents: bytes, what: str) -> int:
    """Number of TLV elements in a SEQUENCE's contents."""
    count, pointer = 0, 0
    try:
        while pointer < len(contents):
            _info, pointer = parser._parse(contents, len(contents), pointer)
            count += 1
    except ASN1_ERRORS as exc:
        raise MalformedInput(f"{what} holds an element that is not DER: {exc}") from exc
    return count


def generation_spec(
    data: bytes, what: str, v1: type[core.Sequence], v4: type[core.Sequence], expected: str
) -> type[core.Sequence]:
    """The structure to load ``data`` with, chosen by its element count before any version
    field is read: 2 elements is the 2014 (v1) layout, 4 or 5 the v4/v5 one."""
    count = count_elements(outer_sequence(data, what), what)
    if count == 2:
        return v1
    if count in (4, 5):
        return v4
    raise MalformedInput(f"{what} has {count} elements; {expected}")


def tlv(value: core.Asn1Value) -> tuple[int, bool, int, bytes]:
    """(class, constructed, tag number, contents) of a value as received (``core.Any`` too)."""
    cls, method, tag, _header, contents, _trailer = parser.parse(raw_bytes(value), strict=True)
    return int(cls), bool(method), int(tag), bytes(contents)


def explicit_inner(value: core.Asn1Value) -> bytes:
    """The encoding inside an ``[n] EXPLICIT`` wrapper (MalformedInput if not wrapped)."""
    cls, constructed, _tag, contents = tlv(value)
    if cls != 2 or not constructed:
        raise MalformedInput("expected an explicitly tagged value")
    return contents


def raw_bytes(value: core.Asn1Value) -> bytes:
    """A value's encoding as received. ``core.Any.dump()`` would parse the value first, which
    fails for context-tagged contents, so an Any is reassembled from its header and contents."""
    if isinstance(value, core.Any):
        return (
            bytes(value._header or b"")
            + bytes(value.contents or b"")
            + bytes(value._trailer or b"")
        )
    return bytes(value.dump())


def tag_of(value: core.Asn1Value) -> tuple[int, int]:
    """(class, tag number) of a parsed value as received."""
    cls, _constructed, tag, _contents = tlv(value)
    return cls, tag


def bit_string_bytes(value: core.Asn1Value, what: str, *, allow_octets: bool = False) -> bytes:
    """Bytes of a BIT STRING with 0 unused bits (or of an OCTET STRING when allowed)."""
    cls, _constructed, tag, contents = tlv(value)
    if cls == 0 and tag == 4 and allow_octets:
        return contents
    if cls != 0 or tag != 3:
        raise MalformedInput(f"{what} is not a BIT STRING")
    if not contents or contents[0] != 0:
        raise MalformedInput(f"{what}: BIT STRING has unused bits")
    return contents[1:]


def string_value(value: core.Asn1Value) -> str:
    """A string's text as received; bytes that are not UTF-8 are replaced, never fatal."""
    return tlv(value)[3].decode("utf-8", errors="replace")


def decode_time(value: core.Asn1Value, what: str) -> datetime:
    """An aware UTC datetime from a UTCTime or GeneralizedTime as received (lenient on form)."""
    cls, _constructed, tag, raw = tlv(value)
    if cls != 0 or tag not in (23, 24):
        raise MalformedInput(f"{what} is not a UTCTime or GeneralizedTime")
    spec = core.UTCTime if tag == 23 else core.GeneralizedTime
    try:
        moment = spec.load(value.dump()).native
    except ASN1_ERRORS as exc:
        raise MalformedInput(f"{what} time {raw!r} cannot be read") from exc
    if not isinstance(moment, datetime):
        raise MalformedInput(f"{what} time {raw!r} cannot be read")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_text_time(text: str) -> datetime | None:
    """ISO-8601-like text (``2020-01-25T07:31:56.377Z``, ``20200723130907Z``); None if not.

    Text without a zone is read as UTC.
    """
    match = _TEXT_TIME.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
    except ValueError:
        return None
    if fraction:
        moment = moment.replace(microsecond=int(fraction[:6].ljust(6, "0")))
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        moment -= timedelta(minutes=offset)
    return moment


def is_all_zero(data: bytes) -> bool:
    return bool(data) and not any(data)


# -- writers ---------------------------------------------------------------------------------


def encode_tlv(tag_byte: int, contents: bytes) -> bytes:
    """One DER TLV with a single-byte tag and a minimal definite length."""
    length = len(contents)
    if length < 0x80:
        header = bytes([tag_byte, length])
    else:
        size = (length.bit_length() + 7) // 8
        header = bytes([tag_byte, 0x80 | size]) + length.to_bytes(size, "big")
    return header + contents


def explicit0(inner_der: bytes) -> bytes:
    """``[0] EXPLICIT`` around an encoded value (an A0 wrapper)."""
    return encode_tlv(0xA0, inner_der)


def bit_string(data: bytes, explicit: int | None = None) -> core.OctetBitString:
    """A BIT STRING of whole octets (0 unused bits), optionally ``[n] EXPLICIT``."""
    return core.OctetBitString(data, explicit=explicit)


def aware(moment: datetime) -> datetime:
    """``moment`` in UTC; naive datetimes are rejected rather than guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise MalformedInput("datetimes must be timezone-aware (e.g. datetime.now(UTC))")
    return moment.astimezone(UTC)


def generalized_time(moment: datetime) -> core.GeneralizedTime:
    """GeneralizedTime in UTC with whole seconds (``YYYYMMDDHHMMSSZ``)."""
    return core.GeneralizedTime(aware(moment).replace(microsecond=0))
