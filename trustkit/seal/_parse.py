"""Reading ``SESeal`` and ``SES_Signature`` of every generation (spec eseal.md §1, §3, §4, §7).

The generation comes from the structure first (number of elements in the outer SEQUENCE) and
only then from the version integer. Everything signed is kept as the bytes received. Anything
that cannot be read raises MalformedInput; oddities that real vendors produce become notes.
"""

from __future__ import annotations

from typing import Any, Final

from asn1crypto import core

from trustkit.exceptions import MalformedInput
from trustkit.seal import _asn1_ses as asn1
from trustkit.seal._der import (
    ASN1_ERRORS,
    bit_string_bytes,
    count_elements,
    decode_time,
    encode_tlv,
    generation_spec,
    raw_bytes,
    string_value,
    tlv,
)
from trustkit.seal._model import CertDigest, Note, Seal, SealExtension
from trustkit.seal._picture import SealPicture
from trustkit.x509._der import check_der

__all__ = ["load_seal", "parse_extensions", "parse_optional", "seal_from_asn1"]

_CERT_LIST_CERTS: Final = 1
_CERT_LIST_DIGESTS: Final = 2


def load_seal(data: bytes) -> Seal:
    """Parse a DER ``SESeal`` (v1, v4 or v5); MalformedInput if it is not one."""
    spec = generation_spec(
        data, "seal", asn1.SESSealV1, asn1.SESSealV4, "SESeal has 2 (v1) or 4-5 (v4/v5)"
    )
    try:
        value = spec.load(bytes(data), strict=True)
        return seal_from_asn1(value, bytes(data))
    except ASN1_ERRORS as exc:
        raise MalformedInput(f"seal does not match the SESeal structure: {exc}") from exc


def seal_from_asn1(value: core.Sequence, der: bytes) -> Seal:
    """Build a :class:`Seal` from a parsed SESSealV1 or SESSealV4 (``der`` as received)."""
    notes: list[Note] = list(_encoding_notes(der))
    info = value["eseal_info"]
    header = info["header"]
    version = int(header["version"].native)
    if isinstance(value, asn1.SESSealV1):
        generation = 1
        sign_info = value["sign_info"]
        cert, alg = sign_info["cert"], sign_info["signature_algorithm"]
        signature = bit_string_bytes(sign_info["sign_data"], "signData")
        timestamp = None
        signed = encode_tlv(0x30, info.dump() + cert.dump() + alg.dump())
        other = info.dump()
        if version not in (1, 2, 3):
            notes.append(("seal.version_mismatch", f"v1 structure with header version {version}"))
    else:
        generation = _v4_generation(version, value, notes)
        cert, alg = value["cert"], value["sign_alg_id"]
        signature = bit_string_bytes(value["signed_value"], "signedValue")
        timestamp, _form = parse_optional(value["timestamp"], "seal timeStamp", notes)
        signed = info.dump()
        other = encode_tlv(0x30, info.dump() + cert.dump() + alg.dump())
    prop = info["property"]
    cert_list_type = 1 if generation == 1 else int(prop["cert_list_type"].native)
    certs, digests = _cert_list(prop["cert_list"], cert_list_type, notes)
    create = decode_time(prop["create_date"], "createDate")
    start = decode_time(prop["valid_start"], "validStart")
    end = decode_time(prop["valid_end"], "validEnd")
    _date_notes(create, start, end, notes)
    extensions = parse_extensions(info["ext_datas"], "SES_SealInfo.extDatas", notes, tagged=False)
    picture = info["picture"]
    return Seal(
        der=der,
        generation=generation,
        header_id=string_value(header["id"]),
        header_version=version,
        vid=string_value(header["vid"]),
        es_id=string_value(info["es_id"]),
        seal_type=int(prop["type"].native),
        name=string_value(prop["name"]),
        cert_list_type=cert_list_type,
        certificates=certs,
        cert_digests=digests,
        create_date=create,
        valid_start=start,
        valid_end=end,
        picture=SealPicture(
            type=string_value(picture["type"]),
            data=bytes(picture["data"].native),
            width_mm=int(picture["width"].native),
            height_mm=int(picture["height"].native),
        ),
        extensions=extensions,
        maker_cert_der=bytes(cert.native),
        signature_algorithm=alg.dotted,
        signature=signature,
        timestamp=timestamp,
        seal_info_der=info.dump(),
        signed_bytes=signed,
        other_generation_bytes=other,
        notes=tuple(notes),
    )


def _v4_generation(version: int, value: core.Sequence, notes: list[Note]) -> int:
    if version == 5:
        return 5
    if version != 4:
        raise MalformedInput(f"seal header version {version} with a v4/v5 structure")
    if not isinstance(value["timestamp"], core.Void):
        notes.append(("seal.version_mismatch", "a v4 seal carries a v5 timeStamp"))
    return 4


def _cert_list(
    items: core.SequenceOf, list_type: int, notes: list[Note]
) -> tuple[tuple[bytes, ...], tuple[CertDigest, ...]]:
    """Certificates (type 1) or digests (type 2); other entries become notes, never errors."""
    certs: list[bytes] = []
    digests: list[CertDigest] = []
    if list_type not in (_CERT_LIST_CERTS, _CERT_LIST_DIGESTS):
        notes.append(("seal.certlist_type_unknown", f"certListType {list_type}"))
    for index, item in enumerate(items):
        cls, _constructed, tag, contents = tlv(item)
        if list_type == _CERT_LIST_CERTS and (cls, tag) == (0, 4):
            certs.append(contents)
        elif list_type == _CERT_LIST_DIGESTS and (cls, tag) == (0, 16):
            try:
                obj = asn1.CertDigestObj.load(raw_bytes(item), strict=True)
                digests.append(CertDigest(string_value(obj["type"]), bytes(obj["value"].native)))
            except ASN1_ERRORS:
                notes.append(("seal.certlist_entry_invalid", f"entry {index}: bad CertDigestObj"))
        else:
            notes.append(
                ("seal.certlist_entry_invalid", f"entry {index} (tag {tag}) is not a certificate")
            )
    return tuple(certs), tuple(digests)


def _date_notes(create: Any, start: Any, end: Any, notes: list[Note]) -> None:
    if start > end:
        notes.append(("seal.dates_inconsistent", "validStart is after validEnd"))
    elif create > start:
        # GOMAIN seals label a local midnight createDate as UTC (spec §7 item 6).
        notes.append(("seal.dates_inconsistent", "createDate is after validStart"))


def parse_optional(value: core.Asn1Value, what: str, notes: list[Note]) -> tuple[bytes | None, str]:
    """An optional ``[0] BIT STRING`` time stamp: explicit A0 wrapper or untagged BIT STRING."""
    if isinstance(value, core.Void):
        return None, "absent"
    cls, constructed, tag, contents = tlv(value)
    if (cls, tag) == (2, 0) and constructed:
        inner = core.Any.load(contents, strict=True)
        return bit_string_bytes(inner, what), "explicit"
    if (cls, tag) == (0, 3):
        notes.append(("encoding.untagged_optional", f"{what} is not tagged [0]"))
        return bit_string_bytes(value, what), "untagged"
    raise MalformedInput(f"{what} has an unexpected tag {tag} (class {cls})")


def parse_extensions(
    value: core.Asn1Value, what: str, notes: list[Note], *, tagged: bool
) -> tuple[SealExtension, ...]:
    """``ExtensionDatas``, untagged or explicit ``[0]``; ``tagged`` is the form we produce."""
    if isinstance(value, core.Void):
        return ()
    cls, constructed, tag, contents = tlv(value)
    if (cls, tag) == (2, 0) and constructed:
        raw = contents
        if not tagged:
            notes.append(("encoding.tagged_optional", f"{what} is wrapped in [0]"))
    elif (cls, tag) == (0, 16):
        raw = raw_bytes(value)
        if tagged:
            notes.append(("encoding.untagged_optional", f"{what} is not tagged [0]"))
    else:
        raise MalformedInput(f"{what} has an unexpected tag {tag} (class {cls})")
    datas = asn1.ExtensionDatas.load(raw, strict=True)
    out = []
    for ext in datas:
        if count_elements(tlv(ext)[3], what) == 3 and not ext["critical"].native:
            notes.append(("encoding.non_canonical_der", f"{what}: critical FALSE written out"))
        out.append(
            SealExtension(
                ext["extn_id"].dotted, bool(ext["critical"].native), ext["extn_value"].native
            )
        )
    return tuple(out)


def _encoding_notes(der: bytes) -> list[Note]:
    try:
        check_der(der, "seal data", len(der))
    except MalformedInput as exc:
        return [("encoding.non_canonical_der", str(exc))]
    return []
