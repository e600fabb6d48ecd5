"""What ``/Contents`` holds, decided from its bytes and never from ``/SubFilter`` (spec §4.3).

The outer DER TLV gives the container's length; everything after it must be zero padding.
A SEQUENCE starting with an OID is a ContentInfo (CMS when its type is SignedData); one starting
with ``INTEGER, SET`` is a bare SignedData; one starting with a SEQUENCE that itself starts with
``INTEGER, SEQUENCE`` is an ``SES_Signature``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from asn1crypto import core

from trustkit import oids

__all__ = ["Sniffed", "cms_signer_blob", "sniff_contents"]

_SIGNED_DATA: Final = frozenset({oids.CMS_SIGNED_DATA, oids.GM_CMS_SIGNED_DATA})


@dataclass(frozen=True)
class Sniffed:
    """``kind``: cms, cms_bare, ses or unknown; ``der`` is the container without padding."""

    kind: str
    der: bytes
    reason: str = "ok"  # pdf.contents_trailing_data or pdf.contents_format_unknown
    detail: str = ""


def _tlv(data: bytes, pos: int) -> tuple[int, int, int] | None:
    """(tag, contents start, end) of the TLV at ``pos``, or None if it is not well formed."""
    if pos + 2 > len(data):
        return None
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F or first == 0x80 or first == 0xFF:
        return None
    if first < 0x80:
        start, length = pos + 2, first
    else:
        count = first & 0x7F
        if count > 4 or pos + 2 + count > len(data):
            return None
        start, length = pos + 2 + count, int.from_bytes(data[pos + 2 : pos + 2 + count], "big")
    end = start + length
    return (tag, start, end) if end <= len(data) else None


def _children(data: bytes, start: int, end: int, limit: int = 3) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    pos = start
    while pos < end and len(out) < limit:
        item = _tlv(data, pos)
        if item is None or item[2] > end:
            break
        out.append(item)
        pos = item[2]
    return out


def sniff_contents(contents: bytes) -> Sniffed:
    """Classify the decoded ``/Contents`` bytes."""
    outer = _tlv(contents, 0)
    if outer is None or outer[0] != 0x30:
        return Sniffed("unknown", b"", "pdf.contents_format_unknown", "not a DER SEQUENCE")
    der = contents[: outer[2]]
    if any(contents[outer[2] :]):
        detail = f"{len(contents) - outer[2]} bytes after the {outer[2]}-byte container"
        return Sniffed("unknown", der, "pdf.contents_trailing_data", detail + " are not zero")
    kids = _children(contents, outer[1], outer[2])
    tags = [k[0] for k in kids]
    if tags[:1] == [0x06]:
        _tag, start, end = kids[0]
        if end - start > 100:
            return Sniffed("unknown", der, "pdf.contents_format_unknown", "oversized OID")
        try:
            dotted = core.ObjectIdentifier.load(contents[start - 2 : end]).dotted
        except ValueError:
            dotted = "?"
        if dotted in _SIGNED_DATA:
            return Sniffed("cms", der, detail=f"ContentInfo {dotted}")
        return Sniffed("unknown", der, "pdf.contents_format_unknown", f"ContentInfo {dotted}")
    if tags[:2] == [0x02, 0x31]:
        return Sniffed("cms_bare", der, detail="SignedData without ContentInfo")
    if tags[:1] == [0x30]:
        inner = _children(contents, kids[0][1], kids[0][2], limit=2)
        if [k[0] for k in inner] == [0x02, 0x30]:
            return Sniffed("ses", der, detail="SES_Signature")
    return Sniffed("unknown", der, "pdf.contents_format_unknown", "neither CMS nor SES_Signature")


def cms_signer_blob(der: bytes) -> bytes | None:
    """The certificates and the first SignerInfo's ``sid`` of a ContentInfo{SignedData}, as
    received: what identifies the signer certificate (None if the layout is not the usual)."""
    outer = _tlv(der, 0)
    if outer is None:
        return None
    kids = _children(der, outer[1], outer[2], limit=2)
    if len(kids) != 2 or kids[1][0] != 0xA0:
        return None
    inner = _children(der, kids[1][1], kids[1][2], limit=1)
    if not inner or inner[0][0] != 0x30:
        return None
    fields = _children(der, inner[0][1], inner[0][2], limit=8)
    certs = [f for f in fields if f[0] == 0xA0]
    if not certs or fields[-1][0] != 0x31:
        return None
    infos = _children(der, fields[-1][1], fields[-1][2], limit=1)
    info = _children(der, infos[0][1], infos[0][2], limit=2) if infos else []
    if len(info) != 2:
        return None
    (_, c_start, c_end), (_, s_start, s_end) = certs[0], info[1]
    return der[c_start:c_end] + b"|" + der[s_start:s_end]
