"""SignedData (GB/T 35275 and RFC 5652 shape): read, build, and check one SM2 signer.

Reading accepts the variants of spec eseal.md §8: ContentInfo-wrapped or bare, GM or RFC 5652
content types, signed attributes (variant A) or the digest as content (variant B, also as Base64
text), and signature values as DER ``SEQUENCE{r, s}`` or raw 64-byte ``r‖s``. Building produces
variant A with a DER signature, the form trustkit signs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from asn1crypto import core, parser

from trustkit import oids, sm2
from trustkit.exceptions import InvalidSignature, MalformedInput, UnsupportedAlgorithm
from trustkit.seal import _asn1_gbt35275 as asn1
from trustkit.seal._der import (
    ASN1_ERRORS,
    MAX_SEAL_SIZE,
    encode_tlv,
    explicit_inner,
    generalized_time,
    raw_bytes,
    tag_of,
)
from trustkit.x509 import Certificate, load_der_certificate

__all__ = [
    "SIGNED_DATA_TYPES",
    "SM2_SIGNATURE_ALGORITHMS",
    "CmsSignedData",
    "build_signed_data",
    "content_info",
    "parse_signed_data",
    "verify_signer_signature",
]

SIGNED_DATA_TYPES: Final = frozenset({oids.GM_CMS_SIGNED_DATA, oids.CMS_SIGNED_DATA})
SM2_SIGNATURE_ALGORITHMS: Final = frozenset({oids.SM2_SIGNATURE, oids.SM2_WITH_SM3})
_SET_TAG: Final = 0x31
_UTC_TIME_END_YEAR: Final = 2050


@dataclass(frozen=True)
class CmsSignedData:
    """The parts of a SignedData with its first signer that verification needs, as received."""

    wrapped: bool  # inside a ContentInfo
    content_type: str  # the encapsulated content's type
    content: bytes | None  # the encapsulated OCTET STRING value (None: detached)
    certificates: tuple[bytes, ...]
    digest_algorithm: str
    signature_algorithm: str
    signature: bytes
    signed_attrs: bytes | None  # DER of the attribute SET (tag 0x31): what variant A signs
    attributes: dict[str, bytes] = field(default_factory=dict)  # type -> first value (DER)
    sid_issuer: bytes | None = None
    sid_serial: int | None = None
    signer_count: int = 1

    def signer_certificate(self, extra: tuple[Certificate, ...] = ()) -> Certificate | None:
        """The signer's certificate: by issuer and serial, else the only certificate given."""
        pool = [*_certificates(self.certificates), *extra]
        for cert in pool:
            if cert.serial_number == self.sid_serial and cert.issuer_name.der == self.sid_issuer:
                return cert
        return pool[0] if len(pool) == 1 and self.sid_serial is None else None


def parse_signed_data(data: bytes, what: str = "SignedData") -> CmsSignedData:
    """Parse ContentInfo{SignedData} or a bare SignedData; MalformedInput if neither."""
    if len(data) > MAX_SEAL_SIZE:
        raise MalformedInput(f"{what} is {len(data)} bytes; the limit is {MAX_SEAL_SIZE}")
    try:
        contents = parser.parse(bytes(data), strict=True)[4]
        wrapped = contents[:1] == b"\x06"  # ContentInfo starts with its type, SignedData not
        body = bytes(data)
        if wrapped:
            outer = asn1.ContentInfo.load(bytes(data), strict=True)
            if outer["content_type"].dotted not in SIGNED_DATA_TYPES:
                raise MalformedInput(f"{what}: content type {outer['content_type'].dotted}")
            body = explicit_inner(outer["content"])
        return _read(asn1.SignedData.load(body, strict=True), wrapped)
    except ASN1_ERRORS as exc:
        raise MalformedInput(f"{what} is not a SignedData: {exc}") from exc


def _read(signed: asn1.SignedData, wrapped: bool) -> CmsSignedData:
    encap = signed["content_info"]
    content = encap["content"]
    signers = list(signed["signer_infos"])
    if not signers:
        raise MalformedInput("SignedData has no SignerInfo")
    signer = signers[0]
    attrs = signer["signed_attrs"]
    signed_attrs = None
    attributes: dict[str, bytes] = {}
    if not isinstance(attrs, core.Void):
        signed_attrs = encode_tlv(_SET_TAG, bytes(attrs.contents))
        for attr in attrs:
            values = list(attr["values"])
            if values:
                attributes.setdefault(attr["type"].dotted, raw_bytes(values[0]))
    issuer, serial = _sid(signer["sid"])
    certs = signed["certificates"]
    return CmsSignedData(
        wrapped=wrapped,
        content_type=encap["content_type"].dotted,
        content=None if isinstance(content, core.Void) else _octets(content),
        certificates=() if isinstance(certs, core.Void) else tuple(raw_bytes(c) for c in certs),
        digest_algorithm=signer["digest_algorithm"]["algorithm"].dotted,
        signature_algorithm=signer["signature_algorithm"]["algorithm"].dotted,
        signature=bytes(signer["signature"].native),
        signed_attrs=signed_attrs,
        attributes=attributes,
        sid_issuer=issuer,
        sid_serial=serial,
        signer_count=len(signers),
    )


def _octets(value: core.Asn1Value) -> bytes:
    inner = explicit_inner(value)
    cls, _method, tag, _header, contents, _trailer = parser.parse(inner, strict=True)
    if (cls, tag) != (0, 4):
        raise MalformedInput("encapsulated content is not an OCTET STRING")
    return bytes(contents)


def _sid(sid: core.Asn1Value) -> tuple[bytes | None, int | None]:
    if tag_of(sid) != (0, 16):
        return None, None  # subjectKeyIdentifier: match by the certificates given
    parsed = asn1.IssuerAndSerialNumber.load(raw_bytes(sid), strict=True)
    return raw_bytes(parsed["issuer"]), int(parsed["serial_number"].native)


def _certificates(ders: tuple[bytes, ...]) -> list[Certificate]:
    out = []
    for der in ders:
        try:
            out.append(load_der_certificate(der))
        except MalformedInput:
            continue
    return out


def verify_signer_signature(signed: CmsSignedData, cert: Certificate) -> str:
    """Check the SM2 signature over the signed attributes (or the content); return its encoding.

    Raises InvalidSignature, UnsupportedAlgorithm or MalformedInput.
    """
    if signed.signature_algorithm not in SM2_SIGNATURE_ALGORITHMS:
        raise UnsupportedAlgorithm(f"signature algorithm {signed.signature_algorithm}")
    message = signed.signed_attrs if signed.signed_attrs is not None else signed.content
    if message is None:
        raise MalformedInput("SignedData has neither signed attributes nor content to verify")
    der, encoding = signature_as_der(signed.signature)
    cert.public_key().verify(der, message, uid=sm2.DEFAULT_UID)
    return encoding


def signature_as_der(value: bytes) -> tuple[bytes, str]:
    """A DER SM2 signature from DER or raw ``r‖s``, with the encoding found."""
    if value[:1] == b"\x30":
        try:
            sm2.decode_der_signature(value)
            return value, "der"
        except (MalformedInput, InvalidSignature):
            pass
    if len(value) == 64:
        return sm2.raw_to_der(value), "raw_rs"
    raise InvalidSignature("signature value is neither DER nor a 64-byte r‖s")


# -- building (variant A) ----------------------------------------------------------------------


def build_signed_data(
    *,
    outer_type: str,
    content_type: str,
    content: bytes | None,
    message_digest: bytes,
    key: sm2.SM2PrivateKey,
    cert: Certificate,
    signing_time: datetime | None,
    signature_algorithm: str = oids.SM2_SIGNATURE,
) -> bytes:
    """ContentInfo{SignedData} with one SM2 signer over signed attributes; strict DER."""
    attrs = _attributes(content_type, message_digest, signing_time)
    attrs_der = encode_tlv(_SET_TAG, bytes(attrs.contents))
    signer = asn1.SignerInfo(
        {
            "version": 1,
            "sid": core.Any.load(_issuer_and_serial(cert)),
            "digest_algorithm": {"algorithm": oids.SM3},
            "signed_attrs": attrs,
            "signature_algorithm": {"algorithm": signature_algorithm},
            "signature": key.sign(attrs_der, uid=sm2.DEFAULT_UID),
        }
    )
    encap = content_info(content_type, None if content is None else core.OctetString(content))
    signed = asn1.SignedData(
        {
            "version": 1,
            "digest_algorithms": [{"algorithm": oids.SM3}],
            "content_info": asn1.ContentInfo.load(encap),
            "certificates": [core.Any.load(cert.der)],
            "signer_infos": [signer],
        }
    )
    return content_info(outer_type, signed)


def content_info(content_type: str, content: core.Asn1Value | None) -> bytes:
    """DER ``SEQUENCE { OID, [0] EXPLICIT content }`` (content omitted when None)."""
    body = bytes(core.ObjectIdentifier(content_type).dump())
    if content is not None:
        body += encode_tlv(0xA0, bytes(content.dump()))
    return encode_tlv(0x30, body)


def _attributes(
    content_type: str, message_digest: bytes, signing_time: datetime | None
) -> asn1.SignedAttributes:
    items = [
        (oids.PKCS9_CONTENT_TYPE, core.ObjectIdentifier(content_type)),
        (oids.PKCS9_MESSAGE_DIGEST, core.OctetString(message_digest)),
    ]
    if signing_time is not None:
        items.append((oids.PKCS9_SIGNING_TIME, _signing_time(signing_time)))
    attrs = asn1.SignedAttributes(
        [{"type": oid, "values": [core.Any.load(v.dump())]} for oid, v in items]
    )
    attrs.dump(force=True)  # SET OF is sorted by DER on encoding
    return attrs


def _signing_time(moment: datetime) -> core.Asn1Value:
    """RFC 5652 §11.3: UTCTime up to 2049, GeneralizedTime from 2050."""
    value = generalized_time(moment)
    if value.native.year < _UTC_TIME_END_YEAR:
        return core.UTCTime(value.native)
    return value


def _issuer_and_serial(cert: Certificate) -> bytes:
    value = asn1.IssuerAndSerialNumber(
        {"issuer": core.Any.load(cert.issuer_name.der), "serial_number": cert.serial_number}
    )
    return bytes(value.dump())
