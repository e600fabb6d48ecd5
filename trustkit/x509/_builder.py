"""Issuing SM2-with-SM3 certificates (X.509 v3, strict DER).

Profile: random 63-bit-plus serial unless given; basicConstraints and keyUsage critical;
extendedKeyUsage when asked for; subjectKeyIdentifier = leftmost 160 bits of SM3 over the key
bits (see ``_algorithms.key_identifier``); authorityKeyIdentifier = the issuer's key identifier.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime, timedelta
from typing import Final

from asn1crypto import core
from asn1crypto import x509 as _x509

from trustkit import sm2
from trustkit.exceptions import CertificateError, MalformedInput
from trustkit.x509._algorithms import key_identifier, sm2_with_sm3, spki_for
from trustkit.x509._asn1 import Extension, SignedCertificate, TbsCertificate
from trustkit.x509._certificate import Certificate
from trustkit.x509._common import encode_time, utc
from trustkit.x509._extensions import KEY_PURPOSE_NAMES, KEY_USAGE_NAMES
from trustkit.x509._names import Name

__all__ = ["issue_certificate"]

CA_KEY_USAGE: Final = frozenset({"keyCertSign", "cRLSign"})
LEAF_KEY_USAGE: Final = frozenset({"digitalSignature", "nonRepudiation"})
_DOTTED: Final = re.compile(r"[0-2](\.(0|[1-9][0-9]*))+")
_MAX_SERIAL: Final = 1 << 159  # RFC 5280: at most 20 octets, positive


def issue_certificate(
    subject: str | Name,
    public_key: sm2.SM2PublicKey,
    issuer_key: sm2.SM2PrivateKey,
    issuer_cert: Certificate | None = None,
    *,
    ca: bool = False,
    path_length: int | None = None,
    days: int = 365,
    not_before: datetime | None = None,
    serial: int | None = None,
    key_usage: AbstractSet[str] | None = None,
    extended_key_usage: Sequence[str] | None = None,
) -> Certificate:
    """Issue a v3 certificate for ``public_key`` signed by ``issuer_key``.

    With ``issuer_cert`` None the certificate is self-signed, and ``issuer_key`` must be the
    private key of ``public_key``. ``key_usage`` (RFC 5280 bit names) replaces the default:
    keyCertSign+cRLSign for a CA, digitalSignature+nonRepudiation otherwise.
    """
    subject_name = Name.parse(subject) if isinstance(subject, str) else subject
    issuer_name, issuer_key_id = _issuer(public_key, issuer_key, issuer_cert, subject_name)
    if days < 1:
        raise MalformedInput("days must be at least 1")
    start = utc(not_before) if not_before is not None else datetime.now(UTC)
    extensions = [
        _basic_constraints(ca, path_length),
        _key_usage(key_usage, ca),
        *_extended_key_usage(extended_key_usage),
        *_key_identifiers(key_identifier(public_key.public_bytes_raw()), issuer_key_id),
    ]
    tbs = TbsCertificate(
        {
            "version": "v3",
            "serial_number": _serial(serial),
            "signature": sm2_with_sm3(),
            "issuer": core.Any.load(issuer_name.der),
            "validity": {
                "not_before": encode_time(start),
                "not_after": encode_time(start + timedelta(days=days)),
            },
            "subject": core.Any.load(subject_name.der),
            "subject_public_key_info": spki_for(public_key),
            "extensions": extensions,
        }
    )
    return _sign(tbs, issuer_key)


def _sign(tbs: TbsCertificate, issuer_key: sm2.SM2PrivateKey) -> Certificate:
    tbs_der = tbs.dump(force=True)
    signed = SignedCertificate(
        {
            "tbs_certificate": TbsCertificate.load(tbs_der),
            "signature_algorithm": sm2_with_sm3(),
            "signature_value": issuer_key.sign(tbs_der, uid=sm2.DEFAULT_UID),
        }
    )
    return Certificate(signed.dump())


def _issuer(
    public_key: sm2.SM2PublicKey,
    issuer_key: sm2.SM2PrivateKey,
    issuer_cert: Certificate | None,
    subject_name: Name,
) -> tuple[Name, bytes]:
    if issuer_cert is None:
        if issuer_key.public_key() != public_key:
            raise CertificateError("self-signed certificate: issuer_key does not match public_key")
        return subject_name, key_identifier(public_key.public_bytes_raw())
    if issuer_key.public_key() != issuer_cert.public_key():
        raise CertificateError("issuer_key does not match the issuer certificate's public key")
    key_id = issuer_cert.subject_key_identifier or key_identifier(issuer_cert.public_key_bits)
    return issuer_cert.subject_name, key_id


def _serial(serial: int | None) -> int:
    if serial is None:
        return secrets.randbits(64) | (1 << 62)
    if not 0 < serial < _MAX_SERIAL:
        raise MalformedInput("serial must be positive and fit in 20 octets")
    return serial


def _extension(name: str, value: core.Asn1Value, *, critical: bool = False) -> Extension:
    fields: dict[str, object] = {"extn_id": name, "extn_value": value.dump(force=True)}
    if critical:
        fields["critical"] = True
    return Extension(fields)


def _key_identifiers(subject_key_id: bytes, issuer_key_id: bytes) -> list[Extension]:
    aki = _x509.AuthorityKeyIdentifier({"key_identifier": issuer_key_id})
    return [
        _extension("key_identifier", core.OctetString(subject_key_id)),
        _extension("authority_key_identifier", aki),
    ]


def _basic_constraints(ca: bool, path_length: int | None) -> Extension:
    if path_length is not None and (not ca or path_length < 0):
        raise MalformedInput("path_length needs ca=True and must not be negative")
    value: dict[str, object] = {"ca": True} if ca else {}
    if path_length is not None:
        value["path_len_constraint"] = path_length
    return _extension("basic_constraints", _x509.BasicConstraints(value), critical=True)


def _key_usage(names: AbstractSet[str] | None, ca: bool) -> Extension:
    chosen = set(names) if names is not None else set(CA_KEY_USAGE if ca else LEAF_KEY_USAGE)
    unknown = chosen - KEY_USAGE_NAMES.keys()
    if unknown or not chosen:
        raise MalformedInput(
            f"unknown or empty key usage {sorted(unknown)}; use {sorted(KEY_USAGE_NAMES)}"
        )
    bits = {KEY_USAGE_NAMES[n] for n in chosen}
    return _extension("key_usage", _x509.KeyUsage(bits), critical=True)


def _extended_key_usage(purposes: Sequence[str] | None) -> list[Extension]:
    if purposes is None:
        return []
    if isinstance(purposes, str) or not purposes:
        raise MalformedInput("extended_key_usage must be a non-empty list (None omits it)")
    ids = []
    for purpose in purposes:
        if purpose in KEY_PURPOSE_NAMES:
            ids.append(KEY_PURPOSE_NAMES[purpose])
        elif _DOTTED.fullmatch(purpose):
            ids.append(purpose)
        else:
            raise MalformedInput(f"unknown extended key usage {purpose!r}")
    return [_extension("extended_key_usage", _x509.ExtKeyUsageSyntax(ids))]
