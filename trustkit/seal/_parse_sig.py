"""Reading ``SES_Signature`` (v1, v4, v5), and telling a seal from a signature.

The generation comes from the number of elements of the outer SEQUENCE (2: v1; 4 or 5: v4/v5)
and only then from ``TBS_Sign.version``. The embedded seal, ``TBS_Sign`` and the signature are
kept as received.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from asn1crypto import core

from trustkit.exceptions import MalformedInput
from trustkit.seal import _asn1_ses as asn1
from trustkit.seal._der import (
    ASN1_ERRORS,
    bit_string_bytes,
    decode_time,
    generation_spec,
    outer_sequence,
    parse_text_time,
    raw_bytes,
    string_value,
    tag_of,
    tlv,
)
from trustkit.seal._model import Note, Seal, SealExtension, SealSignature
from trustkit.seal._parse import load_seal, parse_extensions, parse_optional
from trustkit.seal._timestamp_token import timestamp_gen_time

__all__ = ["load", "load_seal_signature"]

_TIME_TAGS: Final = {23: "utc_time", 24: "generalized_time"}


def load(data: bytes) -> Seal | SealSignature:
    """Parse a DER seal or seal signature of any generation, whichever ``data`` holds."""
    contents = outer_sequence(data, "seal data")
    try:
        first = core.Any.load(contents, strict=False)
        inner_first = core.Any.load(tlv(first)[3], strict=False)
    except ASN1_ERRORS as exc:
        raise MalformedInput(f"seal data is not an SESeal or SES_Signature: {exc}") from exc
    if tag_of(inner_first) == (0, 2):  # TBS_Sign starts with its version INTEGER
        return load_seal_signature(data)
    return load_seal(data)


def load_seal_signature(data: bytes) -> SealSignature:
    """Parse a DER ``SES_Signature``; MalformedInput if it is not one."""
    spec = generation_spec(
        data, "seal signature", asn1.SESSignatureV1, asn1.SESSignatureV4, "expected 2 (v1) or 4-5"
    )
    try:
        value = spec.load(bytes(data), strict=True)
        return _signature(value, bytes(data))
    except ASN1_ERRORS as exc:
        raise MalformedInput(f"seal signature does not match SES_Signature: {exc}") from exc


def _signature(value: core.Sequence, der: bytes) -> SealSignature:
    notes: list[Note] = []
    tbs = value["to_sign"]
    version = int(tbs["version"].native)
    seal_der = raw_bytes(tbs["eseal"])
    seal = load_seal(seal_der)
    v1 = isinstance(value, asn1.SESSignatureV1)
    generation = 1 if v1 else _v4_generation(version)
    if (generation == 1) != (seal.generation == 1):
        raise MalformedInput(
            f"a v{generation} SES_Signature embeds a v{seal.generation} seal structure"
        )
    if version != seal.header_version:
        notes.append(
            ("sig.version_mismatch", f"TBS_Sign.version {version}, seal {seal.header_version}")
        )
    time_info, text, form = _time_info(tbs["time_info"], v1)
    data_hash = bit_string_bytes(tbs["data_hash"], "dataHash", allow_octets=v1)
    timestamp: bytes | None = None
    extensions: tuple[SealExtension, ...] = ()
    if v1:
        cert, alg = tbs["cert"], tbs["signature_algorithm"]
    else:
        cert, alg = value["cert"], value["signature_alg_id"]
        timestamp, _ = parse_optional(value["timestamp"], "SES_Signature.timeStamp", notes)
        extensions = parse_extensions(tbs["ext_datas"], "TBS_Sign.extDatas", notes, tagged=True)
    return SealSignature(
        der=der,
        generation=generation,
        version=version,
        seal=seal,
        seal_der=seal_der,
        tbs_der=tbs.dump(),
        time_info=time_info,
        time_info_text=text,
        time_info_form=form,
        data_hash=data_hash,
        property_info=string_value(tbs["property_info"]),
        signer_cert_der=bytes(cert.native),
        signature_algorithm=alg.dotted,
        signature=bit_string_bytes(value["signature"], "signature"),
        timestamp=timestamp,
        extensions=extensions,
        notes=tuple(notes),
    )


def _v4_generation(version: int) -> int:
    if version not in (4, 5):
        raise MalformedInput(f"TBS_Sign.version {version} with a v4/v5 structure")
    return version


def _time_info(value: core.Asn1Value, v1: bool) -> tuple[datetime | None, str, str]:
    """The claimed signing time: an ASN.1 time, or (v1) a BIT STRING with a time or a token."""
    cls, tag = tag_of(value)
    if cls == 0 and tag in _TIME_TAGS:
        moment = decode_time(value, "timeInfo")
        return moment, moment.isoformat(), _TIME_TAGS[tag]
    if not v1:
        raise MalformedInput("TBS_Sign.timeInfo is not a GeneralizedTime")
    raw = bit_string_bytes(value, "timeInfo", allow_octets=True)
    return _v1_time_bytes(raw)


def _v1_time_bytes(raw: bytes) -> tuple[datetime | None, str, str]:
    if raw[:1] in (b"\x17", b"\x18"):
        try:
            asn1_time = decode_time(core.Any.load(raw, strict=True), "timeInfo")
            return asn1_time, asn1_time.isoformat(), _TIME_TAGS[raw[0]]
        except (MalformedInput, *ASN1_ERRORS):
            pass
    if raw[:1] == b"\x30":
        gen_time = timestamp_gen_time(raw)
        if gen_time is not None:
            return gen_time, gen_time.isoformat(), "token"
    text = raw.decode("utf-8", errors="replace")
    moment = parse_text_time(text)
    return moment, text, "text" if moment is not None else "unreadable"
