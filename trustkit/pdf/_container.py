"""Signature containers for ``/Contents``, encoded once per signer and patched per document.

Spec §17.2 item 2: the SignedData (GB/T 35275) or ``SES_Signature`` (GB/T 38540) is built once by
``trustkit.seal`` with placeholder values; per document only fixed-width fields change (the
32-byte digest, the signing time, the zero-padded ByteRange in ``propertyInfo``) and the
SM2 signature is put in. Only the lengths of the elements that enclose the signature are
re-encoded, so no ASN.1 object graph is built per document. ``max_size`` is the exact size
with the longest SM2 signature (72 bytes of DER), which sizes ``/Contents`` (spec §7).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from trustkit import oids, sm2, x509
from trustkit.exceptions import CertificateError, MalformedInput
from trustkit.seal import Seal, sign_data_hash
from trustkit.seal._cms import build_signed_data

__all__ = ["CmsTemplate", "SesTemplate", "property_info_for", "utc_seconds"]

_MAX_SIG: Final = 72
_UTC_TIME_END_YEAR: Final = 2050
_PROPERTY_PREFIX: Final = "pdf ByteRange"


def utc_seconds(moment: datetime) -> datetime:
    """``moment`` in UTC without fractions (every time field here is fixed-width)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise MalformedInput("datetimes must be timezone-aware (e.g. datetime.now(UTC))")
    return moment.astimezone(UTC).replace(microsecond=0)


def property_info_for(byte_range: Sequence[int]) -> str:
    """The fixed-width ``propertyInfo`` naming a ByteRange: ``pdf ByteRange 0 0000000123 …``."""
    return _PROPERTY_PREFIX + "".join(f" {n:010d}" for n in byte_range)


# -- minimal DER walking ---------------------------------------------------------------------


def _header(data: bytes, pos: int) -> tuple[int, int]:
    """(header length, contents length) of the TLV at ``pos`` (single-byte tags only)."""
    first = data[pos + 1]
    if first < 0x80:
        return 2, first
    count = first & 0x7F
    return 2 + count, int.from_bytes(data[pos + 2 : pos + 2 + count], "big")


def _children(data: bytes, pos: int) -> list[tuple[int, int]]:
    head, length = _header(data, pos)
    out, cursor, end = [], pos + head, pos + head + length
    while cursor < end:
        h, n = _header(data, cursor)
        out.append((cursor, cursor + h + n))
        cursor += h + n
    return out


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    size = (n.bit_length() + 7) // 8
    return bytes([0x80 | size]) + n.to_bytes(size, "big")


@dataclass(frozen=True)
class _Level:
    tag: int
    prefix: bytes
    suffix: bytes


class _Hole:
    """The nesting from the outer element down to one child, which is replaced per use."""

    def __init__(self, der: bytes, path: Sequence[int]) -> None:
        levels: list[_Level] = []
        pos = 0
        for index in path:
            children = _children(der, pos)
            start, end = children[index]
            head, _ = _header(der, pos)
            levels.append(_Level(der[pos], der[pos + head : start], der[end : _end(der, pos)]))
            pos = start
        self.levels = levels
        self.inner_start = pos

    def fill(self, inner: bytes, innermost_prefix: bytes | None = None) -> bytes:
        for depth in range(len(self.levels) - 1, -1, -1):
            level = self.levels[depth]
            prefix = (
                innermost_prefix
                if depth == len(self.levels) - 1 and innermost_prefix
                else level.prefix
            )
            body = prefix + inner + level.suffix
            inner = bytes([level.tag]) + _length(len(body)) + body
        return inner


def _end(der: bytes, pos: int) -> int:
    head, length = _header(der, pos)
    return pos + head + length


def _find_once(haystack: bytes, needle: bytes, what: str) -> int:
    first = haystack.find(needle)
    if first < 0 or haystack.find(needle, first + 1) >= 0:
        raise MalformedInput(f"template: {what} not found exactly once")
    return first


def _time_tlv(moment: datetime) -> bytes:
    if moment.year < _UTC_TIME_END_YEAR:
        return b"\x17\x0d" + moment.strftime("%y%m%d%H%M%SZ").encode("ascii")
    return b"\x18\x0f" + moment.strftime("%Y%m%d%H%M%SZ").encode("ascii")


# -- GB/T 35275 SignedData ------------------------------------------------------------------


class CmsTemplate:
    """SignedData with signed attributes (contentType, messageDigest, signingTime)."""

    def __init__(
        self,
        key: sm2.SM2PrivateKey,
        cert: x509.Certificate,
        *,
        profile: str = "gm",
        era: datetime | None = None,
    ) -> None:
        if key.public_key() != cert.public_key():
            raise CertificateError("the signer key does not match the signer certificate")
        self.key, self.profile = key, profile
        outer, content, algorithm = _profile(profile)
        moment = utc_seconds(era or datetime.now(UTC))
        self._digest = secrets.token_bytes(32)
        der = build_signed_data(
            outer_type=outer,
            content_type=content,
            content=None,
            message_digest=self._digest,
            key=key,
            cert=cert,
            signing_time=moment,
            signature_algorithm=algorithm,
        )
        self._time_len = len(_time_tlv(moment))
        signer = _signer_info_path(der)
        self._hole = _Hole(der, signer)
        info_prefix = self._hole.levels[-1].prefix
        attrs_at = _signed_attrs_in(info_prefix)
        self._attrs = (attrs_at, _end(info_prefix, attrs_at))
        self._prefix = info_prefix
        self._digest_at = _find_once(info_prefix, b"\x04\x20" + self._digest, "messageDigest") + 2
        self._time_at = _find_once(info_prefix, _time_tlv(moment), "signingTime")
        self.max_size = len(self._hole.fill(b"\x04" + _length(_MAX_SIG) + bytes(_MAX_SIG)))

    def fits(self, moment: datetime) -> bool:
        return len(_time_tlv(moment)) == self._time_len

    def sign(self, digest: bytes, moment: datetime) -> bytes:
        """The SignedData for a document whose ByteRange bytes have SM3 ``digest``."""
        if len(digest) != 32:
            raise MalformedInput("the message digest must be 32 bytes of SM3")
        prefix = bytearray(self._prefix)
        prefix[self._digest_at : self._digest_at + 32] = digest
        time = _time_tlv(moment)
        prefix[self._time_at : self._time_at + len(time)] = time
        start, end = self._attrs
        head, _ = _header(bytes(prefix), start)
        signed = b"\x31" + bytes(prefix[start + 1 : end])  # [0] IMPLICIT → SET for signing
        assert head >= 2
        signature = self.key.sign(signed, uid=sm2.DEFAULT_UID)
        return self._hole.fill(b"\x04" + _length(len(signature)) + signature, bytes(prefix))


def _profile(profile: str) -> tuple[str, str, str]:
    if profile == "gm":
        return oids.GM_CMS_SIGNED_DATA, oids.GM_CMS_DATA, oids.SM2_SIGNATURE
    if profile == "rfc5652":
        return oids.CMS_SIGNED_DATA, oids.CMS_DATA, oids.SM2_WITH_SM3
    raise MalformedInput(f"unknown OID profile {profile!r} (gm or rfc5652)")


def _signer_info_path(der: bytes) -> list[int]:
    """ContentInfo → [0] → SignedData → SignerInfos (last) → SignerInfo → signature."""
    content = _children(der, 0)[1][0]
    signed = _children(der, content)[0][0]
    signed_children = _children(der, signed)
    infos = len(signed_children) - 1
    info = _children(der, signed_children[infos][0])[0][0]
    fields = _children(der, info)
    tags = [der[start] for start, _ in fields]
    signature = tags.index(0x04, tags.index(0xA0))
    return [1, 0, infos, 0, signature]


def _signed_attrs_in(prefix: bytes) -> int:
    pos = 0
    while pos < len(prefix):
        if prefix[pos] == 0xA0:
            return pos
        pos = _end(prefix, pos)
    raise MalformedInput("template: no signed attributes")


# -- GB/T 38540 SES_Signature -----------------------------------------------------------------


class SesTemplate:
    """``SES_Signature`` whose ``dataHash`` and ``propertyInfo`` are patched per document."""

    def __init__(
        self,
        seal: Seal,
        key: sm2.SM2PrivateKey,
        cert: x509.Certificate,
        *,
        at: datetime,
    ) -> None:
        self.key, self.seal, self.cert = key, seal, cert
        moment = utc_seconds(at)
        self._digest = secrets.token_bytes(32)
        self._property = property_info_for([0, 0, 0, 0])
        sig = sign_data_hash(seal, key, cert, self._digest, property_info=self._property, at=moment)
        der = sig.der
        children = _children(der, 0)
        tbs_start, tbs_end = children[0]
        self._hole = _Hole(der, [3])
        prefix = self._hole.levels[0].prefix
        self._prefix = prefix
        self._tbs = (tbs_start - _header(der, 0)[0], tbs_end - _header(der, 0)[0])
        tbs = prefix[self._tbs[0] : self._tbs[1]]
        base = self._tbs[0]
        self._hash_at = base + _find_once(tbs, b"\x03\x21\x00" + self._digest, "dataHash") + 3
        prop = self._property.encode("ascii")
        self._prop_at = base + _find_once(tbs, prop, "propertyInfo")
        gtime = b"\x18\x0f" + moment.strftime("%Y%m%d%H%M%SZ").encode("ascii")
        self._time_at = base + _find_once(tbs, gtime, "timeInfo") + 2
        self.max_size = len(self._hole.fill(b"\x03" + _length(_MAX_SIG + 1) + bytes(_MAX_SIG + 1)))

    def check_time(self, moment: datetime) -> None:
        """The per-document preconditions that depend on the signing time."""
        if not self.cert.valid_at(moment):
            raise CertificateError(f"the signer certificate is not valid at {moment.isoformat()}")
        if not self.seal.valid_start <= moment <= self.seal.valid_end:
            raise CertificateError(f"the seal is not valid at {moment.isoformat()}")

    def sign(self, digest: bytes, moment: datetime, byte_range: Sequence[int]) -> bytes:
        if len(digest) != 32:
            raise MalformedInput("dataHash must be 32 bytes of SM3")
        prefix = bytearray(self._prefix)
        prefix[self._hash_at : self._hash_at + 32] = digest
        prop = property_info_for(byte_range).encode("ascii")
        prefix[self._prop_at : self._prop_at + len(prop)] = prop
        prefix[self._time_at : self._time_at + 15] = moment.strftime("%Y%m%d%H%M%SZ").encode()
        tbs = bytes(prefix[self._tbs[0] : self._tbs[1]])
        signature = self.key.sign(tbs, uid=sm2.DEFAULT_UID)
        bits = b"\x03" + _length(len(signature) + 1) + b"\x00" + signature
        return self._hole.fill(bits, bytes(prefix))
