"""Parsed X.509 certificates.

Strict DER framing, lenient contents (odd names and extensions survive), and signatures checked
over the tbsCertificate bytes exactly as received.
"""

from __future__ import annotations

import functools
from datetime import datetime
from functools import cached_property

from asn1crypto import core

from trustkit import sm2
from trustkit.exceptions import CertificateError, MalformedInput
from trustkit.sm3 import sm3
from trustkit.x509 import _pem
from trustkit.x509._algorithms import SignatureAlgorithm, public_key_from_spki, verify_signature
from trustkit.x509._asn1 import Extension as Asn1Extension
from trustkit.x509._asn1 import SignedCertificate, TbsCertificate
from trustkit.x509._common import ASN1_ERRORS, decode_time, signed_part, utc
from trustkit.x509._der import MAX_CERTIFICATE_SIZE, check_der, octet_aligned_bits
from trustkit.x509._extensions import Extension, KnownExtensions, decode_known
from trustkit.x509._names import Name

__all__ = [
    "Certificate",
    "load_der_certificate",
    "load_pem_certificate",
    "load_pem_certificates",
]

_PEM_LABEL = "CERTIFICATE"
_VERSIONS = {"v1": 1, "v2": 2, "v3": 3}


def load_der_certificate(data: bytes) -> Certificate:
    """Parse one DER certificate; MalformedInput on bad DER, truncation or trailing bytes.

    Certificates are immutable, so recently parsed ones are shared (a verifier meets the same
    issuer and signer certificates in every document); failures are never cached.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedInput(f"a DER certificate must be bytes, not {type(data).__name__}")
    return _parse_cached(bytes(data))


# Real certificates are about 1 KiB; only small ones are shared, so the cache stays a few MiB
# whatever an attacker feeds in (512 x 16 KiB, plus parsed objects).
_CACHEABLE_SIZE = 16 * 1024


def _parse_cached(der: bytes) -> Certificate:
    return _parse_small(der) if len(der) <= _CACHEABLE_SIZE else Certificate(der)


@functools.lru_cache(maxsize=512)
def _parse_small(der: bytes) -> Certificate:
    return Certificate(der)


def load_pem_certificates(data: bytes | str) -> list[Certificate]:
    """Parse every CERTIFICATE block, in order; MalformedInput if there is none."""
    blocks = _pem.unarmor_all(data, _PEM_LABEL)
    if not blocks:
        raise MalformedInput("no PEM CERTIFICATE block found")
    return [_parse_cached(bytes(der)) for der in blocks]


def load_pem_certificate(data: bytes | str) -> Certificate:
    """Parse exactly one PEM CERTIFICATE block."""
    certs = load_pem_certificates(data)
    if len(certs) != 1:
        raise MalformedInput(f"expected one PEM certificate, found {len(certs)}")
    return certs[0]


class Certificate:
    """An X.509 certificate. Immutable; equal when the DER is equal."""

    def __init__(self, der: bytes) -> None:
        check_der(der, "certificate", MAX_CERTIFICATE_SIZE)
        self._der = bytes(der)
        try:
            self._parse()
        except ASN1_ERRORS as exc:
            raise MalformedInput(f"certificate is not a valid X.509 structure: {exc}") from exc

    def _parse(self) -> None:
        outer = SignedCertificate.load(self._der, strict=True)
        tbs: TbsCertificate = outer["tbs_certificate"]
        self._version = _version(tbs["version"].native)
        self._serial = int(tbs["serial_number"].native)
        self._algorithm = SignatureAlgorithm.from_asn1(outer["signature_algorithm"])
        if SignatureAlgorithm.from_asn1(tbs["signature"]) != self._algorithm:
            raise MalformedInput("tbsCertificate.signature differs from signatureAlgorithm")
        self._signature = octet_aligned_bits(outer["signature_value"], "certificate signature")
        self._issuer = Name(tbs["issuer"].dump())
        self._subject = Name(tbs["subject"].dump())
        validity = tbs["validity"]
        self._not_before = decode_time(validity["not_before"], "notBefore")
        self._not_after = decode_time(validity["not_after"], "notAfter")
        self._spki = tbs["subject_public_key_info"]
        self._key_bits = octet_aligned_bits(self._spki["public_key"], "subjectPublicKey")
        self._extensions = _extensions(tbs, self._version)
        self._known = decode_known(self._extensions)
        self._tbs = signed_part(self._der)

    # -- encodings ---------------------------------------------------------------------------
    @property
    def der(self) -> bytes:
        return self._der

    def to_pem(self) -> bytes:
        return _pem.armor(self._der, _PEM_LABEL)

    @property
    def tbs_der(self) -> bytes:
        """The tbsCertificate exactly as received: the bytes the signature covers."""
        return self._tbs

    @cached_property
    def fingerprint_sm3(self) -> str:
        """Lower-case hex SM3 of the DER."""
        return sm3(self._der).hex()

    # -- fields ------------------------------------------------------------------------------
    @property
    def version(self) -> int:
        return self._version

    @property
    def serial_number(self) -> int:
        return self._serial

    @property
    def subject(self) -> str:
        return str(self._subject)

    @property
    def issuer(self) -> str:
        return str(self._issuer)

    @property
    def subject_name(self) -> Name:
        return self._subject

    @property
    def issuer_name(self) -> Name:
        return self._issuer

    @property
    def not_before(self) -> datetime:
        return self._not_before

    @property
    def not_after(self) -> datetime:
        return self._not_after

    @property
    def signature_algorithm(self) -> SignatureAlgorithm:
        return self._algorithm

    @property
    def signature(self) -> bytes:
        return self._signature

    @property
    def public_key_bits(self) -> bytes:
        """The subjectPublicKey BIT STRING value (04‖X‖Y for SM2)."""
        return self._key_bits

    def public_key(self) -> sm2.SM2PublicKey:
        """The subject's SM2 key; UnsupportedAlgorithm for other key types."""
        return self._public_key

    @cached_property
    def _public_key(self) -> sm2.SM2PublicKey:
        return public_key_from_spki(self._spki)

    # -- extensions --------------------------------------------------------------------------
    @property
    def extensions(self) -> tuple[Extension, ...]:
        return self._extensions

    def extension(self, name: str) -> Extension | None:
        """An extension by asn1crypto name (e.g. ``"key_usage"``) or dotted OID."""
        return next((e for e in self._extensions if name in (e.name, e.oid)), None)

    @property
    def known_extensions(self) -> KnownExtensions:
        return self._known

    @property
    def is_ca(self) -> bool:
        return self._known.ca

    @property
    def path_length(self) -> int | None:
        return self._known.path_length

    @property
    def key_usage(self) -> frozenset[str] | None:
        """keyUsage bits by RFC 5280 name (``keyCertSign``...); None without the extension."""
        return self._known.key_usage

    @property
    def extended_key_usage(self) -> tuple[str, ...] | None:
        return self._known.extended_key_usage

    @property
    def subject_key_identifier(self) -> bytes | None:
        return self._known.subject_key_identifier

    @property
    def authority_key_identifier(self) -> bytes | None:
        return self._known.authority_key_identifier

    # -- checks ------------------------------------------------------------------------------
    @property
    def is_self_issued(self) -> bool:
        return self._subject == self._issuer

    def valid_at(self, at: datetime) -> bool:
        return self._not_before <= utc(at) <= self._not_after

    def verify_signature(self, public_key: sm2.SM2PublicKey) -> None:
        """Raise InvalidSignature unless ``public_key`` signed this certificate's tbs bytes."""
        verify_signature(self._algorithm, public_key, self._signature, self._tbs)

    def verify_issued_by(self, issuer: Certificate) -> None:
        """Check the issuer name and the signature against ``issuer``'s key."""
        if issuer.subject_name != self._issuer:
            raise CertificateError(f"{issuer.subject!r} is not the issuer {self.issuer!r}")
        self.verify_signature(issuer.public_key())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Certificate):
            return NotImplemented
        return self._der == other._der

    def __hash__(self) -> int:
        return hash(self._der)

    def __repr__(self) -> str:
        return f"<Certificate subject={self.subject!r} serial={self._serial:#x}>"


def _version(value: object) -> int:
    if value not in _VERSIONS:
        raise MalformedInput(f"unsupported certificate version {value!r}")
    return _VERSIONS[str(value)]


def _extensions(tbs: TbsCertificate, version: int) -> tuple[Extension, ...]:
    raw = tbs["extensions"]
    if isinstance(raw, core.Void):
        return ()
    items = tuple(_extension(e) for e in raw)
    if items and version != 3:
        raise MalformedInput(f"a v{version} certificate must not carry extensions")
    if len({e.oid for e in items}) != len(items):
        raise MalformedInput("certificate repeats an extension")
    return items


def _extension(ext: Asn1Extension) -> Extension:
    ext_id = ext["extn_id"]
    critical = bool(ext["critical"].native)
    return Extension(ext_id.dotted, ext_id.native, critical, bytes(ext["extn_value"].native))
