"""Parsed e-seal data: immutable views of an ``SESeal`` and an ``SES_Signature`` of any generation.

The objects keep the bytes the signatures cover exactly as received (``signed_bytes``,
``tbs_der``), so verification never re-encodes. Parse-level observations that are not fatal
(non-canonical DER, untagged optional fields, odd certificate-list entries) travel along as
``notes``: pairs of a stable reason code and a detail, reported as warnings by the verifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from trustkit import x509
from trustkit.exceptions import TrustkitError
from trustkit.seal._picture import SealPicture

__all__ = ["CertDigest", "Note", "Seal", "SealExtension", "SealSignature"]

Note = tuple[str, str]  # (reason code, detail)


@dataclass(frozen=True)
class SealExtension:
    """One ``ExtData``: OID, criticality and the raw ``extnValue`` bytes."""

    oid: str
    critical: bool
    value: bytes


@dataclass(frozen=True)
class CertDigest:
    """A ``CertDigestObj`` of a ``certListType`` 2 list: free-text algorithm and the digest."""

    algorithm: str
    value: bytes


@dataclass(frozen=True)
class Seal:
    """An electronic seal (``SESeal``) of generation 1, 4 or 5."""

    der: bytes
    generation: int  # 1, 4 or 5: from the structure first, then the header version
    header_id: str
    header_version: int
    vid: str
    es_id: str
    seal_type: int
    name: str
    cert_list_type: int  # 1 certificates, 2 digests (v1 lists are always 1)
    certificates: tuple[bytes, ...]
    cert_digests: tuple[CertDigest, ...]
    create_date: datetime
    valid_start: datetime
    valid_end: datetime
    picture: SealPicture
    extensions: tuple[SealExtension, ...]
    maker_cert_der: bytes
    signature_algorithm: str
    signature: bytes  # the maker signature, as stored (DER SEQUENCE{r, s} for SM2)
    timestamp: bytes | None  # v5 seal time stamp token (DER), if any
    seal_info_der: bytes  # SES_SealInfo as received
    signed_bytes: bytes  # what the maker signed, per generation (spec §5)
    other_generation_bytes: bytes  # the other generation's preimage, for diagnostics
    notes: tuple[Note, ...] = ()

    def maker_certificate(self) -> x509.Certificate:
        """The maker (制章人) certificate; MalformedInput if it is not a certificate."""
        return x509.load_der_certificate(self.maker_cert_der)

    def signer_certificates(self) -> tuple[x509.Certificate, ...]:
        """The certificates of ``certList`` that parse (digest lists give none)."""
        out = []
        for der in self.certificates:
            try:
                out.append(x509.load_der_certificate(der))
            except TrustkitError:  # listing is best effort; matching uses the raw DER
                continue
        return tuple(out)


@dataclass(frozen=True)
class SealSignature:
    """An electronic seal signature (``SES_Signature``) of generation 1, 4 or 5."""

    der: bytes
    generation: int
    version: int  # TBS_Sign.version
    seal: Seal
    seal_der: bytes  # the embedded SESeal as received
    tbs_der: bytes  # TBS_Sign as received: what the signer signed
    time_info: datetime | None  # the claimed signing time, when readable
    time_info_text: str  # timeInfo for display, whatever its form
    time_info_form: str  # generalized_time | utc_time | text | token | unreadable
    data_hash: bytes
    property_info: str
    signer_cert_der: bytes
    signature_algorithm: str
    signature: bytes  # as stored in the BIT STRING
    timestamp: bytes | None  # TimeStampToken over ``signature`` (DER), if any
    extensions: tuple[SealExtension, ...]
    notes: tuple[Note, ...] = ()

    def signer_certificate(self) -> x509.Certificate:
        """The signer (签章人) certificate; MalformedInput if it is not a certificate."""
        return x509.load_der_certificate(self.signer_cert_der)
