"""Helpers shared by certificates and CRLs: signed-bytes slicing and RFC 5280 times."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

from asn1crypto import parser
from asn1crypto import x509 as _x509

from trustkit.exceptions import MalformedInput

__all__ = ["ASN1_ERRORS", "decode_time", "encode_time", "signed_part", "utc"]

# What asn1crypto raises on bad input while decoding lazily.
ASN1_ERRORS: Final = (ValueError, TypeError, KeyError, IndexError, OverflowError)

_UTC_TIME: Final = re.compile(rb"\d{12}Z")
_GENERALIZED_TIME: Final = re.compile(rb"\d{14}Z")
_UTC_TIME_END: Final = datetime(2050, 1, 1, tzinfo=UTC)


def signed_part(der: bytes) -> bytes:
    """The first element inside the outer SEQUENCE (tbsCertificate / tbsCertList), as received."""
    _, _, _, _, contents, _ = parser.parse(der, strict=True)
    _, _, _, header, body, trailer = parser.parse(contents, strict=False)
    return bytes(header + body + trailer)


def decode_time(value: _x509.Time, what: str) -> datetime:
    """An aware UTC datetime from UTCTime/GeneralizedTime in the RFC 5280 profile (…Z, seconds)."""
    raw = value.chosen.contents
    pattern = _UTC_TIME if value.name == "utc_time" else _GENERALIZED_TIME
    if not pattern.fullmatch(raw):
        raise MalformedInput(f"{what} time {raw!r} is not in the RFC 5280 format")
    moment = value.native
    if not isinstance(moment, datetime):
        raise MalformedInput(f"{what} time {raw!r} is out of range")
    return moment.astimezone(UTC)


def encode_time(moment: datetime) -> _x509.Time:
    """UTCTime before 2050, GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5); whole seconds."""
    moment = utc(moment).replace(microsecond=0)
    name = "utc_time" if moment < _UTC_TIME_END else "general_time"
    return _x509.Time(name=name, value=moment)


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; naive datetimes are rejected rather than guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise MalformedInput("datetimes must be timezone-aware (e.g. datetime.now(UTC))")
    return moment.astimezone(UTC)
