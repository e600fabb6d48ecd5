"""GB/T 35275 SignedData signatures (OFD ``Type="Sign"``, spec eseal.md §8): sign and verify.

Verification reports the variant found (``cms.variant``: signed_attributes, digest_content or
digest_content_base64; ``signature_encoding``: der or raw_rs) and checks, as separate steps:
``format``, ``content-digest``, ``signer-certificate-present``, ``signature``,
``signer-certificate`` and ``signer-key-usage``.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from asn1crypto import core

from trustkit import oids, sm2, x509
from trustkit.exceptions import InvalidSignature, MalformedInput, TrustkitError
from trustkit.seal._certcheck import Trust, signing_key_usage_ok
from trustkit.seal._cms import CmsSignedData, build_signed_data, parse_signed_data
from trustkit.seal._cms import verify_signer_signature as _verify_signer
from trustkit.seal._der import ASN1_ERRORS, aware, decode_time
from trustkit.seal._report import CheckStatus, SealCheck, SignatureReport
from trustkit.seal._verify_sig import SIGNER_REASONS
from trustkit.sm3 import sm3

__all__ = ["sign_signed_data", "verify_signed_data"]

_PASS, _FAIL, _WARN, _UNDECIDED = (
    CheckStatus.PASSED,
    CheckStatus.FAILED,
    CheckStatus.WARNING,
    CheckStatus.INDETERMINATE,
)


def sign_signed_data(
    data: bytes,
    key: sm2.SM2PrivateKey,
    cert: x509.Certificate,
    *,
    at: datetime | None = None,
) -> bytes:
    """GB/T 35275 SignedData over ``data``: detached, signed attributes, DER signature."""
    if key.public_key() != cert.public_key():
        raise MalformedInput("the signer key does not match the signer certificate")
    moment = aware(at) if at is not None else datetime.now(UTC)
    return build_signed_data(
        outer_type=oids.GM_CMS_SIGNED_DATA,
        content_type=oids.GM_CMS_DATA,
        content=None,
        message_digest=sm3(data),
        key=key,
        cert=cert,
        signing_time=moment,
    )


def verify_signed_data(
    signed_data: bytes,
    *,
    data: bytes | None = None,
    trust: x509.TrustAnchors | None = None,
    intermediates: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
    at: datetime | None = None,
    subject: str = "SignedData",
) -> SignatureReport:
    """Verify a GB/T 35275 (or RFC 5652-shaped) SignedData over the original ``data``."""
    moment = aware(at) if at is not None else datetime.now(UTC)
    try:
        signed = parse_signed_data(signed_data)
    except MalformedInput as exc:
        return SignatureReport(
            subject, "signed_data", (SealCheck("format", _FAIL, "cms.malformed", str(exc)),)
        )
    trust_ = Trust.of(trust, intermediates, crls)
    checks, facts = _checks(signed, data, trust_, moment)
    return SignatureReport(subject, "signed_data", tuple(checks), facts)


def _checks(
    signed: CmsSignedData, data: bytes | None, trust: Trust, moment: datetime
) -> tuple[list[SealCheck], dict[str, Any]]:
    variant = _variant(signed, data)
    facts: dict[str, Any] = {
        "variant": variant,
        "content_type": signed.content_type,
        "wrapped": signed.wrapped,
    }
    checks = [SealCheck("format", _PASS, detail=f"cms.variant = {variant}")]
    if signed.signer_count != 1:
        detail = f"{signed.signer_count} SignerInfos; only the first is verified"
        checks.append(SealCheck("signers", _WARN, "cms.multiple_signers", detail))
    checks.append(_digest_check(signed, data, variant))
    cert = signed.signer_certificate(trust.intermediates)
    if cert is None:
        checks.append(SealCheck("signer-certificate-present", _FAIL, "cms.signer_cert_missing"))
        return checks, facts
    checks.append(SealCheck("signer-certificate-present", _PASS, detail=cert.subject))
    checks.append(_signature_check(signed, cert, facts))
    signing_time = _signing_time(signed) or moment
    facts["signing_time"] = signing_time.isoformat()
    outcome = trust.outcome(cert, signing_time)
    checks.append(outcome.check("signer-certificate", SIGNER_REASONS))
    usage = signing_key_usage_ok(cert)
    checks.append(
        SealCheck(
            "signer-key-usage",
            _PASS if usage else _FAIL,
            "ok" if usage else "sig.signer_cert_key_usage",
        )
    )
    return checks, facts


def _variant(signed: CmsSignedData, data: bytes | None) -> str:
    if signed.signed_attrs is not None:
        return "signed_attributes"
    content = signed.content or b""
    if len(content) != 32 and _b64_digest(content) is not None:
        return "digest_content_base64"
    return "digest_content"


def _b64_digest(content: bytes) -> bytes | None:
    try:
        decoded = base64.b64decode(content.strip(), validate=True)
    except ValueError:
        return None
    return decoded if len(decoded) == 32 else None


def _digest_check(signed: CmsSignedData, data: bytes | None, variant: str) -> SealCheck:
    name = "content-digest"
    if signed.digest_algorithm not in (oids.SM3, oids.SM3_WITHOUT_KEY):
        return SealCheck(name, _FAIL, "cms.algorithm_unsupported", signed.digest_algorithm)
    found = _found_digest(signed, variant)
    if found is None:
        return SealCheck(name, _FAIL, "cms.malformed", "no digest of the original in the data")
    if data is None:
        return SealCheck(name, _UNDECIDED, "sig.property_info_unresolvable", "no original given")
    if found != sm3(data):
        return SealCheck(name, _FAIL, "cms.content_digest_mismatch", f"variant {variant}")
    return SealCheck(name, _PASS, detail=f"SM3 matches ({variant})")


def _found_digest(signed: CmsSignedData, variant: str) -> bytes | None:
    if variant == "signed_attributes":
        raw = signed.attributes.get(oids.PKCS9_MESSAGE_DIGEST)
        if raw is None:
            return None
        try:
            return bytes(core.OctetString.load(raw, strict=True).native)
        except ASN1_ERRORS:
            return None
    if variant == "digest_content_base64":
        return _b64_digest(signed.content or b"")
    return signed.content


def _signature_check(
    signed: CmsSignedData, cert: x509.Certificate, facts: dict[str, Any]
) -> SealCheck:
    try:
        encoding = _verify_signer(signed, cert)
    except InvalidSignature as exc:
        return SealCheck("signature", _FAIL, "cms.signature_invalid", str(exc))
    except MalformedInput as exc:
        return SealCheck("signature", _FAIL, "cms.malformed", str(exc))
    except TrustkitError as exc:
        return SealCheck("signature", _FAIL, "cms.algorithm_unsupported", str(exc))
    facts["signature_encoding"] = encoding
    return SealCheck("signature", _PASS, detail=f"signature_encoding = {encoding}")


def _signing_time(signed: CmsSignedData) -> datetime | None:
    raw = signed.attributes.get(oids.PKCS9_SIGNING_TIME)
    if raw is None:
        return None
    try:
        return decode_time(core.Any.load(raw, strict=True), "signingTime")
    except (MalformedInput, *ASN1_ERRORS):
        return None
