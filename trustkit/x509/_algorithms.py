"""SM2-with-SM3 signatures and SM2 public keys as they appear in certificates and CRLs.

signatureAlgorithm is 1.2.156.10197.1.501; received values may carry NULL parameters or none
(both occur in real certificates), produced ones carry none. SPKI is id-ecPublicKey with the SM2
named curve. Signatures use the default SM2 ID 1234567812345678 over the signed bytes as received.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from asn1crypto import core

from trustkit import oids, sm2
from trustkit.exceptions import InvalidKey, UnsupportedAlgorithm
from trustkit.sm3 import sm3
from trustkit.x509._asn1 import AlgorithmIdentifier, SubjectPublicKeyInfo

__all__ = [
    "SignatureAlgorithm",
    "key_identifier",
    "public_key_from_spki",
    "sm2_with_sm3",
    "spki_for",
    "verify_signature",
]

_NULL: Final = b"\x05\x00"
_SM2_CURVE_DER: Final = bytes(core.ObjectIdentifier(oids.SM2_CURVE).dump())


@dataclass(frozen=True)
class SignatureAlgorithm:
    """A signatureAlgorithm as received: dotted OID and the DER of its parameters (or None)."""

    oid: str
    parameters: bytes | None

    @classmethod
    def from_asn1(cls, alg: AlgorithmIdentifier) -> SignatureAlgorithm:
        return cls(alg["algorithm"].dotted, _parameters_der(alg))

    @property
    def is_sm2_with_sm3(self) -> bool:
        return self.oid == oids.SM2_WITH_SM3 and self.parameters in (None, _NULL)


def sm2_with_sm3() -> AlgorithmIdentifier:
    """The AlgorithmIdentifier trustkit writes: SM2-with-SM3, parameters absent."""
    return AlgorithmIdentifier({"algorithm": oids.SM2_WITH_SM3})


def verify_signature(
    algorithm: SignatureAlgorithm, public_key: sm2.SM2PublicKey, signature: bytes, data: bytes
) -> None:
    """Raise InvalidSignature (or UnsupportedAlgorithm) unless ``signature`` signs ``data``."""
    if not algorithm.is_sm2_with_sm3:
        raise UnsupportedAlgorithm(f"signature algorithm {algorithm.oid} is not SM2-with-SM3")
    public_key.verify(signature, data, uid=sm2.DEFAULT_UID)


def spki_for(public_key: sm2.SM2PublicKey) -> SubjectPublicKeyInfo:
    """SubjectPublicKeyInfo for an SM2 key: id-ecPublicKey, namedCurve SM2, uncompressed point."""
    return SubjectPublicKeyInfo(
        {
            "algorithm": AlgorithmIdentifier(
                {
                    "algorithm": oids.EC_PUBLIC_KEY,
                    "parameters": core.ObjectIdentifier(oids.SM2_CURVE),
                }
            ),
            "public_key": public_key.public_bytes_raw(),
        }
    )


def public_key_from_spki(spki: SubjectPublicKeyInfo) -> sm2.SM2PublicKey:
    """The SM2 key in an SPKI; UnsupportedAlgorithm for other key types, InvalidKey if invalid."""
    try:  # asn1crypto parses these fields lazily: hostile bytes surface only here
        alg = spki["algorithm"]
        oid = alg["algorithm"].dotted
        parameters = _parameters_der(alg)
        point = spki["public_key"].native
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise InvalidKey(f"the certificate's public key info is malformed: {exc}") from None
    if oid != oids.EC_PUBLIC_KEY or parameters != _SM2_CURVE_DER:
        raise UnsupportedAlgorithm(
            "the certificate key is not an SM2 key (id-ecPublicKey, SM2 curve)"
        )
    if not isinstance(point, bytes):
        raise InvalidKey("the certificate's public key is not a BIT STRING of whole bytes")
    return sm2.SM2PublicKey.from_encoded_point(point)


def key_identifier(public_key_bits: bytes) -> bytes:
    """Key identifier: the leftmost 160 bits of SM3 over the subjectPublicKey BIT STRING value.

    This is RFC 7093 method 1 with SM3 in place of SHA-256, so no SHA-1 is needed.
    """
    return sm3(public_key_bits)[:20]


def _parameters_der(alg: AlgorithmIdentifier) -> bytes | None:
    params = alg["parameters"]
    return None if isinstance(params, core.Void) else bytes(params.dump())
