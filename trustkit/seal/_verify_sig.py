"""Seal-signature verification (spec eseal.md §9.4, steps G1-G8), each step one check.

Check names: ``format``, ``encoding``, ``signature`` (G2), ``timestamp*`` (G7, done early
because its ``genTime`` is the trusted signing time), ``signing-time``, ``signer-certificate``
and ``signer-key-usage`` (G3), ``signer-in-certlist`` (G4), ``data-hash`` (G5), then the
embedded seal's ``seal-*`` checks at the signing time (G6).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

from trustkit import oids, sm2, x509
from trustkit.exceptions import InvalidSignature, MalformedInput, TrustkitError
from trustkit.seal._certcheck import Trust, signing_key_usage_ok
from trustkit.seal._der import aware, is_all_zero, outer_sequence
from trustkit.seal._model import SealSignature
from trustkit.seal._parse_sig import load_seal_signature
from trustkit.seal._report import CheckStatus, SealCheck, SignatureReport
from trustkit.seal._signer_match import signer_in_cert_list
from trustkit.seal._timestamp_token import verify_timestamp
from trustkit.seal._verify_seal import GENERATION_NAMES, note_checks, seal_checks, seal_facts
from trustkit.sm3 import sm3

__all__ = ["SIGNER_REASONS", "signature_checks", "signature_facts", "verify_seal_signature"]

_PASS, _FAIL, _WARN, _UNDECIDED = (
    CheckStatus.PASSED,
    CheckStatus.FAILED,
    CheckStatus.WARNING,
    CheckStatus.INDETERMINATE,
)
SIGNER_REASONS: Final = {
    "expired": "sig.signer_cert_not_valid_at_signing",
    "not_yet_valid": "sig.signer_cert_not_valid_at_signing",
    "revoked": "sig.signer_cert_revoked_before_signing",
    "key_usage": "sig.signer_cert_key_usage",
    "invalid": "sig.signer_cert_untrusted",
    "untrusted": "sig.signer_cert_untrusted",
    "revocation_unknown": "sig.signer_cert_revocation_unknown",
}


def verify_seal_signature(
    signature: SealSignature | bytes,
    *,
    data: bytes | None = None,
    trust: x509.TrustAnchors | None = None,
    intermediates: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
    at: datetime | None = None,
    subject: str = "seal signature",
) -> SignatureReport:
    """Verify an ``SES_Signature``; ``data`` is the original its ``dataHash`` covers.

    Without ``data`` the dataHash step is INDETERMINATE. ``at`` (default now) is the
    validation time: revocations after the signing time are reported against it.
    """
    moment = aware(at) if at is not None else datetime.now(UTC)
    if not isinstance(signature, SealSignature):
        data_in = signature
        try:
            signature = load_seal_signature(data_in)
        except MalformedInput as exc:
            outer_sequence(data_in, "seal signature")  # not DER at all: raise
            check = SealCheck("format", _FAIL, "sig.malformed", str(exc))
            return SignatureReport(subject, "ses_signature", (check,))
    checks = signature_checks(signature, data, Trust.of(trust, intermediates, crls), moment)
    return SignatureReport(subject, "ses_signature", tuple(checks), signature_facts(signature))


def signature_checks(
    sig: SealSignature, data: bytes | None, trust: Trust, moment: datetime
) -> list[SealCheck]:
    """G1-G7 for a parsed signature (G8, the overall result, is the report's status)."""
    label = GENERATION_NAMES[sig.generation]
    checks = [SealCheck("format", _PASS, detail=label)]
    checks += note_checks(sig.notes, "encoding")
    checks.append(_signature_check(sig))
    stamp_checks, attested = _timestamp(sig, trust)
    checks += stamp_checks
    signing_time, time_check = _signing_time(sig, attested, moment)
    checks.append(time_check)
    checks += _signer_checks(sig, trust, signing_time)
    checks.append(_cert_list_check(sig))
    checks += _data_hash_checks(sig, data)
    checks += seal_checks(sig.seal, trust, signing_time, signing=True)
    return checks


def _signature_check(sig: SealSignature) -> SealCheck:
    name = "signature"
    if sig.signature_algorithm != oids.SM2_WITH_SM3:
        return SealCheck(name, _FAIL, "sig.algorithm_unsupported", sig.signature_algorithm)
    try:
        key = sig.signer_certificate().public_key()
    except MalformedInput as exc:
        return SealCheck(name, _FAIL, "sig.signer_cert_unparseable", str(exc))
    except TrustkitError as exc:  # a certificate whose key is not SM2
        return SealCheck(name, _FAIL, "sig.algorithm_cert_mismatch", str(exc))
    try:
        key.verify(sig.signature, sig.tbs_der)
        return SealCheck(name, _PASS, detail="SM2 over DER(TBS_Sign)")
    except InvalidSignature:
        pass
    return SealCheck(name, _FAIL, "sig.signature_invalid", _diagnose(sig, key))


def _diagnose(sig: SealSignature, key: sm2.SM2PublicKey) -> str:
    """What the producer signed instead, when it is a known mistake (spec README n.ofd)."""
    if len(sig.data_hash) == 32:
        try:
            key.verify_digest(sig.signature, sig.data_hash)
            return "not valid over TBS_Sign; it verifies with dataHash used as the digest e"
        except (InvalidSignature, MalformedInput):
            pass
    return "not valid over DER(TBS_Sign)"


def _timestamp(sig: SealSignature, trust: Trust) -> tuple[list[SealCheck], datetime | None]:
    if sig.timestamp is None:
        detail = "no time stamp: the signing time is only claimed"
        return [SealCheck("timestamp", _WARN, "sig.time_not_attested", detail)], None
    return verify_timestamp(sig.timestamp, sig.signature, trust, prefix="sig")


def _signing_time(
    sig: SealSignature, attested: datetime | None, moment: datetime
) -> tuple[datetime, SealCheck]:
    name = "signing-time"
    if attested is not None:
        return attested, SealCheck(name, _PASS, detail=f"attested {attested.isoformat()}")
    if sig.time_info is None:
        detail = f"timeInfo {sig.time_info_text!r} cannot be read; using {moment.isoformat()}"
        return moment, SealCheck(name, _UNDECIDED, "sig.signing_time_unreadable", detail)
    claimed = sig.time_info
    if claimed > moment:
        detail = f"claimed {claimed.isoformat()} is after {moment.isoformat()}"
        return claimed, SealCheck(name, _WARN, "sig.signing_time_in_future", detail)
    return claimed, SealCheck(name, _PASS, detail=f"claimed {claimed.isoformat()}")


def _signer_checks(sig: SealSignature, trust: Trust, signing_time: datetime) -> list[SealCheck]:
    try:
        cert = sig.signer_certificate()
    except TrustkitError as exc:
        return [SealCheck("signer-certificate", _FAIL, "sig.signer_cert_unparseable", str(exc))]
    outcome = trust.outcome(cert, signing_time)
    checks = [outcome.check("signer-certificate", SIGNER_REASONS)]
    usage = signing_key_usage_ok(cert)
    checks.append(
        SealCheck(
            "signer-key-usage",
            _PASS if usage else _FAIL,
            "ok" if usage else "sig.signer_cert_key_usage",
            f"keyUsage {sorted(cert.key_usage or ())}",
        )
    )
    entry = trust.revocation(cert)
    if entry is not None and signing_time < entry.revocation_date:
        detail = f"revoked {entry.revocation_date.isoformat()}, after the signing time"
        reason = "sig.signer_cert_revoked_after_signing"
        checks.append(SealCheck("signer-revocation", _WARN, reason, detail))
    return checks


def _cert_list_check(sig: SealSignature) -> SealCheck:
    reason = signer_in_cert_list(sig.seal, sig.signer_cert_der)
    listed = len(sig.seal.certificates) + len(sig.seal.cert_digests)
    detail = f"certListType {sig.seal.cert_list_type}, {listed} usable entr(y/ies)"
    if reason == "ok":
        return SealCheck("signer-in-certlist", _PASS, detail=detail)
    return SealCheck("signer-in-certlist", _FAIL, reason, detail)


def _data_hash_checks(sig: SealSignature, data: bytes | None) -> list[SealCheck]:
    checks = []
    if is_all_zero(sig.data_hash):
        detail = f"dataHash is {len(sig.data_hash)} zero bytes, a placeholder"
        checks.append(SealCheck("data-hash-value", _WARN, "sig.data_hash_all_zero", detail))
    if data is None:
        detail = f"the original {sig.property_info!r} was not given"
        checks.append(SealCheck("data-hash", _UNDECIDED, "sig.property_info_unresolvable", detail))
    elif sm3(data) != sig.data_hash:
        detail = f"SM3(original) {sm3(data).hex()[:16]}…, dataHash {sig.data_hash.hex()[:16]}…"
        checks.append(SealCheck("data-hash", _FAIL, "sig.data_hash_mismatch", detail))
    else:
        checks.append(SealCheck("data-hash", _PASS, detail=f"SM3 of {sig.property_info!r}"))
    return checks


def signature_facts(sig: SealSignature) -> dict[str, Any]:
    """What a verifier shows about a seal signature."""
    facts: dict[str, Any] = {
        "generation": sig.generation,
        "version": sig.version,
        "time_info": sig.time_info_text,
        "time_info_form": sig.time_info_form,
        "property_info": sig.property_info,
        "data_hash": sig.data_hash.hex(),
        "timestamped": sig.timestamp is not None,
    }
    try:
        facts["signer"] = sig.signer_certificate().subject
    except TrustkitError:
        facts["signer"] = None
    facts["seal"] = seal_facts(sig.seal)
    return facts
