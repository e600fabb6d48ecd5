# ruff: noqa: RUF012  (asn1crypto declares schemas as class-level lists)
"""ASN.1 of GM/T 0031-2014 (v1), GB/T 38540-2020 (v4) and GM/T 0031-2025 (v5) e-seal data.

Declared once, for reading and for writing. Fields whose encoding differs between real files
are ``core.Any`` and interpreted by ``_parse`` (spec eseal.md §7): the v1 times (UTCTime or
GeneralizedTime), the v1 ``timeInfo``/``dataHash`` (BIT STRING or OCTET STRING), the optional
``extDatas``/``timeStamp`` (explicit ``[0]`` or untagged), and certificate-list entries (real
lists hold non-certificates). Field names follow the standards, misspellings included.
"""

from __future__ import annotations

from asn1crypto import core

__all__ = [
    "CertDigestObj",
    "CertList",
    "ExtData",
    "ExtensionDatas",
    "SESHeader",
    "SESSealV1",
    "SESSealV4",
    "SESSignatureV1",
    "SESSignatureV4",
    "SES_ESPictrueInfo",
    "SES_ESPropertyInfoV1",
    "SES_ESPropertyInfoV4",
    "SES_SealInfoV1",
    "SES_SealInfoV4",
    "SES_SignInfoV1",
    "TBSSignV1",
    "TBSSignV4",
]


class SESHeader(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("id", core.IA5String),
        ("version", core.Integer),
        ("vid", core.IA5String),
    ]


class ExtData(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("extn_id", core.ObjectIdentifier),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


class ExtensionDatas(core.SequenceOf):  # type: ignore[misc]
    _child_spec = ExtData


class CertDigestObj(core.Sequence):  # type: ignore[misc]
    _fields = [("type", core.PrintableString), ("value", core.OctetString)]


class CertList(core.SequenceOf):  # type: ignore[misc]
    """SEQUENCE OF Cert (OCTET STRING) or of CertDigestObj; entries are interpreted later."""

    _child_spec = core.Any


class SES_ESPictrueInfo(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("type", core.IA5String),
        ("data", core.OctetString),
        ("width", core.Integer),
        ("height", core.Integer),
    ]


class SES_ESPropertyInfoV1(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list", CertList),
        ("create_date", core.Any),  # UTCTime (GeneralizedTime seen too)
        ("valid_start", core.Any),
        ("valid_end", core.Any),
    ]


class SES_ESPropertyInfoV4(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list_type", core.Integer),
        ("cert_list", CertList),
        ("create_date", core.Any),  # GeneralizedTime
        ("valid_start", core.Any),
        ("valid_end", core.Any),
    ]


class SES_SealInfoV1(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("header", SESHeader),
        ("es_id", core.IA5String),
        ("property", SES_ESPropertyInfoV1),
        ("picture", SES_ESPictrueInfo),
        ("ext_datas", core.Any, {"optional": True}),
    ]


class SES_SealInfoV4(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("header", SESHeader),
        ("es_id", core.IA5String),
        ("property", SES_ESPropertyInfoV4),
        ("picture", SES_ESPictrueInfo),
        ("ext_datas", core.Any, {"optional": True}),
    ]


class SES_SignInfoV1(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("cert", core.OctetString),
        ("signature_algorithm", core.ObjectIdentifier),
        ("sign_data", core.Any),  # BIT STRING
    ]


class SESSealV1(core.Sequence):  # type: ignore[misc]
    _fields = [("eseal_info", SES_SealInfoV1), ("sign_info", SES_SignInfoV1)]


class SESSealV4(core.Sequence):  # type: ignore[misc]
    """v4, and v5 with the optional ``timeStamp [0] BIT STRING``."""

    _fields = [
        ("eseal_info", SES_SealInfoV4),
        ("cert", core.OctetString),
        ("sign_alg_id", core.ObjectIdentifier),
        ("signed_value", core.Any),  # BIT STRING
        ("timestamp", core.Any, {"optional": True}),
    ]


class TBSSignV1(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("version", core.Integer),
        ("eseal", core.Any),  # SESeal v1, kept as received
        ("time_info", core.Any),  # BIT STRING (OCTET STRING seen)
        ("data_hash", core.Any),
        ("property_info", core.IA5String),
        ("cert", core.OctetString),
        ("signature_algorithm", core.ObjectIdentifier),
    ]


class SESSignatureV1(core.Sequence):  # type: ignore[misc]
    _fields = [("to_sign", TBSSignV1), ("signature", core.Any)]


class TBSSignV4(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("version", core.Integer),
        ("eseal", core.Any),  # SESeal v4/v5, kept as received
        ("time_info", core.Any),  # GeneralizedTime
        ("data_hash", core.Any),  # BIT STRING
        ("property_info", core.IA5String),
        ("ext_datas", core.Any, {"optional": True}),  # [0] ExtensionDatas
    ]


class SESSignatureV4(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("to_sign", TBSSignV4),
        ("cert", core.OctetString),
        ("signature_alg_id", core.ObjectIdentifier),
        ("signature", core.Any),  # BIT STRING
        ("timestamp", core.Any, {"optional": True}),  # [0] BIT STRING
    ]
