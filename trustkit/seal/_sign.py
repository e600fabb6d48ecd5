"""Seal signatures (签章, spec eseal.md §9.3): sign a data hash into an ``SES_Signature``.

Before signing, the preconditions of GM/T 0031 §6.2.2 are checked: the signer key fits its
certificate, which is valid at the signing time; the seal's maker signature holds; the signer is
in the seal's ``certList``; the signing time is inside the seal's validity. The generation
follows the seal (v4 or v5). The optional time stamp covers the signature value.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from asn1crypto import core

from trustkit import oids, sm2, x509
from trustkit.exceptions import CertificateError, InvalidSignature, MalformedInput
from trustkit.seal import _asn1_ses as asn1
from trustkit.seal._der import aware, bit_string, generalized_time
from trustkit.seal._make import extension_datas
from trustkit.seal._model import Seal, SealExtension, SealSignature
from trustkit.seal._parse import load_seal
from trustkit.seal._parse_sig import load_seal_signature
from trustkit.seal._signer_match import signer_in_cert_list
from trustkit.seal._timestamp import TimestampClient
from trustkit.sm3 import sm3

__all__ = ["sign_data", "sign_data_hash"]


def sign_data(
    seal: Seal | bytes,
    signer_key: sm2.SM2PrivateKey,
    signer_cert: x509.Certificate,
    data: bytes,
    *,
    property_info: str,
    at: datetime | None = None,
    extensions: Sequence[SealExtension] = (),
    timestamper: TimestampClient | None = None,
) -> SealSignature:
    """Seal-sign ``data``: ``dataHash`` = SM3(data). See :func:`sign_data_hash`."""
    return sign_data_hash(
        seal,
        signer_key,
        signer_cert,
        sm3(data),
        property_info=property_info,
        at=at,
        extensions=extensions,
        timestamper=timestamper,
    )


def sign_data_hash(
    seal: Seal | bytes,
    signer_key: sm2.SM2PrivateKey,
    signer_cert: x509.Certificate,
    data_hash: bytes,
    *,
    property_info: str,
    at: datetime | None = None,
    extensions: Sequence[SealExtension] = (),
    timestamper: TimestampClient | None = None,
) -> SealSignature:
    """Make an ``SES_Signature`` over ``data_hash`` (the SM3 of the protected original).

    ``property_info`` names the original (in OFD, the path of ``Signature.xml``); ``at`` is the
    signing time written to ``timeInfo`` (default now). Raises CertificateError,
    InvalidSignature or MalformedInput when a precondition fails.
    """
    parsed = seal if isinstance(seal, Seal) else load_seal(seal)
    moment = aware(at) if at is not None else datetime.now(UTC)
    _check_preconditions(parsed, signer_key, signer_cert, moment)
    if len(data_hash) != 32:
        raise MalformedInput("dataHash must be a 32-byte SM3 digest")
    if not property_info.isascii():
        raise MalformedInput("propertyInfo must be ASCII (IA5String)")
    tbs = asn1.TBSSignV4(
        {
            "version": parsed.generation,
            "eseal": core.Any.load(parsed.der),
            "time_info": generalized_time(moment),
            "data_hash": bit_string(data_hash),
            "property_info": property_info,
            "ext_datas": _explicit_extensions(extensions),
        }
    )
    signature = signer_key.sign(bytes(tbs.dump()), uid=sm2.DEFAULT_UID)
    fields: dict[str, object] = {
        "to_sign": tbs,
        "cert": signer_cert.der,
        "signature_alg_id": oids.SM2_WITH_SM3,
        "signature": bit_string(signature),
    }
    if timestamper is not None:
        token = timestamper.timestamp(signature)
        fields["timestamp"] = bit_string(token, explicit=0)
    return load_seal_signature(bytes(asn1.SESSignatureV4(fields).dump()))


def _explicit_extensions(extensions: Sequence[SealExtension]) -> core.Asn1Value | None:
    return extension_datas(extensions, explicit=0) if extensions else None


def check_signing_material(seal: Seal, key: sm2.SM2PrivateKey, cert: x509.Certificate) -> None:
    """The time-independent preconditions for signing with ``seal`` (also used by PDF sealing).

    A v4/v5 seal with an SM2 maker signature that verifies, a key that matches the certificate,
    and a certificate in the seal's certList; raises otherwise.
    """
    if seal.generation == 1:
        raise MalformedInput("trustkit signs with v4 or v5 seals, not v1")
    if key.public_key() != cert.public_key():
        raise CertificateError("the signer key does not match the signer certificate")
    if seal.signature_algorithm != oids.SM2_WITH_SM3:
        raise MalformedInput(f"seal signature algorithm {seal.signature_algorithm} unsupported")
    try:
        seal.maker_certificate().public_key().verify(seal.signature, seal.signed_bytes)
    except InvalidSignature as exc:
        raise InvalidSignature("the seal's maker signature does not verify") from exc
    if signer_in_cert_list(seal, cert.der) != "ok":
        raise CertificateError("the signer certificate is not in the seal's certList")


def _check_preconditions(
    seal: Seal, key: sm2.SM2PrivateKey, cert: x509.Certificate, moment: datetime
) -> None:
    check_signing_material(seal, key, cert)
    if not cert.valid_at(moment):
        raise CertificateError(f"the signer certificate is not valid at {moment.isoformat()}")
    if not seal.valid_start <= moment <= seal.valid_end:
        raise CertificateError(f"the seal is not valid at {moment.isoformat()}")
