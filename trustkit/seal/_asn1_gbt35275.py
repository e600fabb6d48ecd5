# ruff: noqa: RUF012  (asn1crypto declares schemas as class-level lists)
"""ASN.1 of GB/T 35275 (GM/T 0010) SignedData, which has the shape of RFC 5652 SignedData.

One declaration reads both: the GM content types (1.2.156.10197.6.1.4.2.x) and the RFC 5652 ones
(1.2.840.113549.1.7.x) found in the same files, and RFC 3161 time-stamp tokens (a SignedData
whose content is a TSTInfo). OIDs are kept dotted (``trustkit.oids``), so asn1crypto's global
OID maps are never touched. Certificates and attribute values stay raw (``core.Any``).
"""

from __future__ import annotations

from asn1crypto import core

__all__ = [
    "AlgorithmIdentifier",
    "Attribute",
    "ContentInfo",
    "IssuerAndSerialNumber",
    "SignedAttributes",
    "SignedData",
    "SignerInfo",
]


class AlgorithmIdentifier(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("algorithm", core.ObjectIdentifier),
        ("parameters", core.Any, {"optional": True}),
    ]


class AlgorithmIdentifiers(core.SetOf):  # type: ignore[misc]
    _child_spec = AlgorithmIdentifier


class ContentInfo(core.Sequence):  # type: ignore[misc]
    """ContentInfo / EncapsulatedContentInfo: type, then ``[0] EXPLICIT`` content (optional)."""

    _fields = [
        ("content_type", core.ObjectIdentifier),
        ("content", core.Any, {"explicit": 0, "optional": True}),
    ]


class AnySet(core.SetOf):  # type: ignore[misc]
    _child_spec = core.Any


class Attribute(core.Sequence):  # type: ignore[misc]
    _fields = [("type", core.ObjectIdentifier), ("values", AnySet)]


class SignedAttributes(core.SetOf):  # type: ignore[misc]
    _child_spec = Attribute


class IssuerAndSerialNumber(core.Sequence):  # type: ignore[misc]
    _fields = [("issuer", core.Any), ("serial_number", core.Integer)]


class SignerInfo(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("version", core.Integer),
        ("sid", core.Any),  # IssuerAndSerialNumber, or [0] SubjectKeyIdentifier
        ("digest_algorithm", AlgorithmIdentifier),
        ("signed_attrs", SignedAttributes, {"implicit": 0, "optional": True}),
        ("signature_algorithm", AlgorithmIdentifier),
        ("signature", core.OctetString),
        ("unsigned_attrs", SignedAttributes, {"implicit": 1, "optional": True}),
    ]


class SignerInfos(core.SetOf):  # type: ignore[misc]
    _child_spec = SignerInfo


class SignedData(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("version", core.Integer),
        ("digest_algorithms", AlgorithmIdentifiers),
        ("content_info", ContentInfo),
        ("certificates", AnySet, {"implicit": 0, "optional": True}),
        ("crls", AnySet, {"implicit": 1, "optional": True}),
        ("signer_infos", SignerInfos),
    ]
