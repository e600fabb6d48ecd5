# ruff: noqa: RUF012  (asn1crypto declares schemas as class-level lists)
"""ASN.1 of RFC 5280 certificates and CRLs, declared leniently where real SM2 certificates differ.

Names are kept as ``Any`` (decoded by ``_names``), extension values as plain OCTET STRINGs
(decoded one by one where used), so one odd element never makes a whole certificate unreadable.
Extension and attribute identifiers use asn1crypto's OID maps; algorithm OIDs come from
``trustkit.oids``.
"""

from __future__ import annotations

from asn1crypto import core
from asn1crypto import crl as _crl
from asn1crypto import x509 as _x509

__all__ = [
    "AlgorithmIdentifier",
    "AttributeTypeAndValue",
    "CertificateList",
    "Extension",
    "RDNSequence",
    "RelativeDistinguishedName",
    "SignedCertificate",
    "SubjectPublicKeyInfo",
    "TbsCertList",
    "TbsCertificate",
]


class AlgorithmIdentifier(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("algorithm", core.ObjectIdentifier),
        ("parameters", core.Any, {"optional": True}),
    ]


class SubjectPublicKeyInfo(core.Sequence):  # type: ignore[misc]
    _fields = [("algorithm", AlgorithmIdentifier), ("public_key", core.OctetBitString)]


class AttributeTypeAndValue(core.Sequence):  # type: ignore[misc]
    _fields = [("type", _x509.NameType), ("value", core.Any)]


class RelativeDistinguishedName(core.SetOf):  # type: ignore[misc]
    _child_spec = AttributeTypeAndValue


class RDNSequence(core.SequenceOf):  # type: ignore[misc]
    _child_spec = RelativeDistinguishedName


class Extension(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("extn_id", _x509.ExtensionId),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


class Extensions(core.SequenceOf):  # type: ignore[misc]
    _child_spec = Extension


class TbsCertificate(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("version", _x509.Version, {"explicit": 0, "default": "v1"}),
        ("serial_number", core.Integer),
        ("signature", AlgorithmIdentifier),
        ("issuer", core.Any),
        ("validity", _x509.Validity),
        ("subject", core.Any),
        ("subject_public_key_info", SubjectPublicKeyInfo),
        ("issuer_unique_id", core.OctetBitString, {"implicit": 1, "optional": True}),
        ("subject_unique_id", core.OctetBitString, {"implicit": 2, "optional": True}),
        ("extensions", Extensions, {"explicit": 3, "optional": True}),
    ]


class SignedCertificate(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("tbs_certificate", TbsCertificate),
        ("signature_algorithm", AlgorithmIdentifier),
        ("signature_value", core.OctetBitString),
    ]


class CrlExtension(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("extn_id", _crl.TBSCertListExtensionId),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


class CrlExtensions(core.SequenceOf):  # type: ignore[misc]
    _child_spec = CrlExtension


class EntryExtension(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("extn_id", _crl.CRLEntryExtensionId),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


class EntryExtensions(core.SequenceOf):  # type: ignore[misc]
    _child_spec = EntryExtension


class RevokedCertificate(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("user_certificate", core.Integer),
        ("revocation_date", _x509.Time),
        ("crl_entry_extensions", EntryExtensions, {"optional": True}),
    ]


class RevokedCertificates(core.SequenceOf):  # type: ignore[misc]
    _child_spec = RevokedCertificate


class TbsCertList(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("version", _x509.Version, {"optional": True}),
        ("signature", AlgorithmIdentifier),
        ("issuer", core.Any),
        ("this_update", _x509.Time),
        ("next_update", _x509.Time, {"optional": True}),
        ("revoked_certificates", RevokedCertificates, {"optional": True}),
        ("crl_extensions", CrlExtensions, {"explicit": 0, "optional": True}),
    ]


class CertificateList(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("tbs_cert_list", TbsCertList),
        ("signature_algorithm", AlgorithmIdentifier),
        ("signature_value", core.OctetBitString),
    ]
