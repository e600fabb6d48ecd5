"""Certificate revocation lists (RFC 5280 §5) signed with SM2-with-SM3: parse and build."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from asn1crypto import core
from asn1crypto import crl as _crl
from asn1crypto import x509 as _x509

from trustkit import sm2
from trustkit.exceptions import CertificateError, MalformedInput
from trustkit.x509 import _pem
from trustkit.x509._algorithms import SignatureAlgorithm, key_identifier, sm2_with_sm3
from trustkit.x509._algorithms import verify_signature as _verify
from trustkit.x509._asn1 import CertificateList, CrlExtension, RevokedCertificate, TbsCertList
from trustkit.x509._certificate import Certificate
from trustkit.x509._common import ASN1_ERRORS, decode_time, encode_time, signed_part, utc
from trustkit.x509._der import MAX_CRL_SIZE, check_der, octet_aligned_bits
from trustkit.x509._names import Name

__all__ = [
    "CertificateRevocationList",
    "RevokedEntry",
    "build_crl",
    "load_der_crl",
    "load_pem_crl",
]

_PEM_LABEL: Final = "X509 CRL"
_HANDLED_CRL_EXTENSIONS: Final = frozenset({"crl_number", "authority_key_identifier"})
_HANDLED_ENTRY_EXTENSIONS: Final = frozenset({"crl_reason", "invalidity_date"})


@dataclass(frozen=True)
class RevokedEntry:
    """One revoked certificate: serial, revocation date and reason code name (if given)."""

    serial_number: int
    revocation_date: datetime
    reason: str | None = None


def load_der_crl(data: bytes) -> CertificateRevocationList:
    """Parse one DER CRL; MalformedInput on bad DER, truncation or trailing bytes."""
    return CertificateRevocationList(data)


def load_pem_crl(data: bytes | str) -> CertificateRevocationList:
    """Parse exactly one PEM ``X509 CRL`` block."""
    blocks = _pem.unarmor_all(data, _PEM_LABEL)
    if len(blocks) != 1:
        raise MalformedInput(f"expected one PEM X509 CRL block, found {len(blocks)}")
    return CertificateRevocationList(blocks[0])


class CertificateRevocationList:
    """A parsed CRL. Signature and time window are checked by the caller (or validate_chain)."""

    def __init__(self, der: bytes) -> None:
        check_der(der, "CRL", MAX_CRL_SIZE)
        self._der = bytes(der)
        try:
            self._parse()
        except ASN1_ERRORS as exc:
            raise MalformedInput(f"CRL is not a valid X.509 CRL structure: {exc}") from exc

    def _parse(self) -> None:
        outer = CertificateList.load(self._der, strict=True)
        tbs: TbsCertList = outer["tbs_cert_list"]
        self._algorithm = SignatureAlgorithm.from_asn1(outer["signature_algorithm"])
        if SignatureAlgorithm.from_asn1(tbs["signature"]) != self._algorithm:
            raise MalformedInput("tbsCertList.signature differs from signatureAlgorithm")
        self._signature = octet_aligned_bits(outer["signature_value"], "CRL signature")
        self._issuer = Name(tbs["issuer"].dump())
        self._this_update = decode_time(tbs["this_update"], "thisUpdate")
        next_update = tbs["next_update"]
        self._next_update = (
            None if isinstance(next_update, core.Void) else decode_time(next_update, "nextUpdate")
        )
        self._unhandled: list[str] = []
        self._crl_number: int | None = None
        self._aki: bytes | None = None
        self._read_extensions(tbs["crl_extensions"])
        self._revoked = tuple(self._entry(e) for e in _items(tbs["revoked_certificates"]))
        self._tbs = signed_part(self._der)

    def _read_extensions(self, extensions: Iterable[CrlExtension]) -> None:
        for ext in _items(extensions):
            name, value = ext["extn_id"].native, ext["extn_value"].native
            if name == "crl_number":
                self._crl_number = int(core.Integer.load(value, strict=True).native)
            elif name == "authority_key_identifier":
                aki = _x509.AuthorityKeyIdentifier.load(value, strict=True)
                self._aki = aki["key_identifier"].native
            elif ext["critical"].native and name not in _HANDLED_CRL_EXTENSIONS:
                self._unhandled.append(ext["extn_id"].dotted)

    def _entry(self, entry: RevokedCertificate) -> RevokedEntry:
        reason = None
        for ext in _items(entry["crl_entry_extensions"]):
            name = ext["extn_id"].native
            if name == "crl_reason":
                reason = _crl.CRLReason.load(ext["extn_value"].native, strict=True).native
            elif ext["critical"].native and name not in _HANDLED_ENTRY_EXTENSIONS:
                self._unhandled.append(ext["extn_id"].dotted)
        when = decode_time(entry["revocation_date"], "revocationDate")
        return RevokedEntry(int(entry["user_certificate"].native), when, reason)

    # -- encodings and fields ----------------------------------------------------------------
    @property
    def der(self) -> bytes:
        return self._der

    def to_pem(self) -> bytes:
        return _pem.armor(self._der, _PEM_LABEL)

    @property
    def tbs_der(self) -> bytes:
        return self._tbs

    @property
    def issuer(self) -> str:
        return str(self._issuer)

    @property
    def issuer_name(self) -> Name:
        return self._issuer

    @property
    def this_update(self) -> datetime:
        return self._this_update

    @property
    def next_update(self) -> datetime | None:
        return self._next_update

    @property
    def revoked(self) -> tuple[RevokedEntry, ...]:
        return self._revoked

    @property
    def crl_number(self) -> int | None:
        return self._crl_number

    @property
    def authority_key_identifier(self) -> bytes | None:
        return self._aki

    @property
    def unhandled_critical_extensions(self) -> tuple[str, ...]:
        """Dotted OIDs of critical CRL or entry extensions trustkit does not process."""
        return tuple(self._unhandled)

    @property
    def signature_algorithm(self) -> SignatureAlgorithm:
        return self._algorithm

    @property
    def signature(self) -> bytes:
        return self._signature

    # -- checks ------------------------------------------------------------------------------
    def revoked_entry(self, serial_number: int) -> RevokedEntry | None:
        return next((e for e in self._revoked if e.serial_number == serial_number), None)

    def is_revoked(self, serial_number: int, at: datetime | None = None) -> bool:
        """True if listed (and, with ``at``, revoked on or before ``at``; removeFromCRL aside)."""
        entry = self.revoked_entry(serial_number)
        if entry is None or entry.reason == "remove_from_crl":
            return False
        return at is None or entry.revocation_date <= utc(at)

    def covers(self, at: datetime) -> bool:
        """True when ``at`` lies in [thisUpdate, nextUpdate] (nextUpdate absent: no upper end)."""
        moment = utc(at)
        return self._this_update <= moment and (
            self._next_update is None or moment <= self._next_update
        )

    def verify_signature(self, public_key: sm2.SM2PublicKey) -> None:
        """Raise InvalidSignature unless ``public_key`` signed the tbsCertList as received."""
        _verify(self._algorithm, public_key, self._signature, self._tbs)

    def verify_issued_by(self, issuer: Certificate) -> None:
        if issuer.subject_name != self._issuer:
            raise CertificateError(f"{issuer.subject!r} is not the CRL issuer {self.issuer!r}")
        self.verify_signature(issuer.public_key())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CertificateRevocationList):
            return NotImplemented
        return self._der == other._der

    def __hash__(self) -> int:
        return hash(self._der)

    def __repr__(self) -> str:
        return f"<CertificateRevocationList issuer={self.issuer!r} entries={len(self._revoked)}>"


def build_crl(
    issuer_cert: Certificate,
    issuer_key: sm2.SM2PrivateKey,
    revoked: list[tuple[int, datetime]],
    *,
    this_update: datetime,
    next_update: datetime,
    crl_number: int | None = None,
) -> CertificateRevocationList:
    """Build a v2 CRL with authorityKeyIdentifier and cRLNumber (default: Unix thisUpdate)."""
    if issuer_key.public_key() != issuer_cert.public_key():
        raise CertificateError("issuer_key does not match the CRL issuer certificate")
    start, end = utc(this_update), utc(next_update)
    if end <= start:
        raise MalformedInput("next_update must be after this_update")
    number = int(start.timestamp()) if crl_number is None else crl_number
    if number < 0:
        raise MalformedInput("crl_number must not be negative")
    fields: dict[str, object] = {
        "version": "v2",
        "signature": sm2_with_sm3(),
        "issuer": core.Any.load(issuer_cert.subject_name.der),
        "this_update": encode_time(start),
        "next_update": encode_time(end),
        "crl_extensions": _crl_extensions(issuer_cert, number),
    }
    if revoked:  # RFC 5280: absent, not empty, when nothing is revoked
        fields["revoked_certificates"] = [_revoked_entry(s, d) for s, d in revoked]
    return _sign(TbsCertList(fields), issuer_key)


def _sign(tbs: TbsCertList, issuer_key: sm2.SM2PrivateKey) -> CertificateRevocationList:
    tbs_der = tbs.dump(force=True)
    signed = CertificateList(
        {
            "tbs_cert_list": TbsCertList.load(tbs_der),
            "signature_algorithm": sm2_with_sm3(),
            "signature_value": issuer_key.sign(tbs_der, uid=sm2.DEFAULT_UID),
        }
    )
    return CertificateRevocationList(signed.dump())


def _crl_extensions(issuer_cert: Certificate, number: int) -> list[CrlExtension]:
    key_id = issuer_cert.subject_key_identifier or key_identifier(issuer_cert.public_key_bits)
    aki = _x509.AuthorityKeyIdentifier({"key_identifier": key_id})
    return [
        _crl_extension("authority_key_identifier", aki),
        _crl_extension("crl_number", core.Integer(number)),
    ]


def _crl_extension(name: str, value: core.Asn1Value) -> CrlExtension:
    return CrlExtension({"extn_id": name, "extn_value": value.dump(force=True)})


def _revoked_entry(serial: int, when: datetime) -> RevokedCertificate:
    if serial <= 0:
        raise MalformedInput("revoked serial numbers must be positive")
    return RevokedCertificate({"user_certificate": serial, "revocation_date": encode_time(when)})


def _items(value: core.Asn1Value) -> list[core.Asn1Value]:
    """Children of an optional SEQUENCE OF ([] when absent)."""
    return [] if isinstance(value, core.Void) else list(value)
