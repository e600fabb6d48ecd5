"""Seal verification (spec eseal.md §9.2, steps S1-S5), each step one check.

Check names: ``seal-format``, ``seal-encoding``, ``seal-extensions``, ``seal-picture``,
``seal-signature`` (S2), ``seal-maker-certificate`` (S3, at ``createDate``),
``seal-maker-key-usage``, ``seal-maker-certificate-at-use`` (S3 at the validation or signing
time), ``seal-timestamp*`` (S4, v5), ``seal-validity`` (S5).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from trustkit import oids, x509
from trustkit.exceptions import InvalidSignature, MalformedInput, TrustkitError
from trustkit.seal._certcheck import Trust, signing_key_usage_ok
from trustkit.seal._der import aware, outer_sequence
from trustkit.seal._model import Note, Seal
from trustkit.seal._parse import load_seal
from trustkit.seal._report import CheckStatus, SealCheck, SignatureReport
from trustkit.seal._timestamp_token import verify_timestamp

__all__ = ["GENERATION_NAMES", "note_checks", "seal_checks", "seal_facts", "verify_seal"]

GENERATION_NAMES: Final = {
    1: "v1 (GM/T 0031-2014)",
    4: "v4 (GB/T 38540-2020)",
    5: "v5 (GM/T 0031-2025)",
}
_PASS, _FAIL, _WARN, _SKIP = (
    CheckStatus.PASSED,
    CheckStatus.FAILED,
    CheckStatus.WARNING,
    CheckStatus.SKIPPED,
)
_MAKER_REASONS: Final = {
    "expired": "seal.maker_cert_expired",
    "not_yet_valid": "seal.maker_cert_not_yet_valid",
    "revoked": "seal.maker_cert_revoked",
    "key_usage": "seal.maker_cert_key_usage",
    "invalid": "seal.maker_cert_untrusted",
    "untrusted": "seal.maker_cert_untrusted",
    "revocation_unknown": "seal.maker_cert_revocation_unknown",
}


def verify_seal(
    seal: Seal | bytes,
    *,
    trust: x509.TrustAnchors | None = None,
    intermediates: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
    at: datetime | None = None,
    known_extensions: Collection[str] = (),
    strict_extensions: bool = False,
) -> SignatureReport:
    """Verify a seal at ``at`` (default now) with explicit trust anchors.

    A seal that cannot be parsed gives a FAILED ``seal.malformed`` check; only bytes that are not
    DER at all raise MalformedInput. Critical extensions whose OID is not in
    ``known_extensions`` are a warning, or a failure with ``strict_extensions``.
    """
    moment = aware(at) if at is not None else datetime.now(UTC)
    if not isinstance(seal, Seal):
        data = seal
        try:
            seal = load_seal(data)
        except MalformedInput as exc:
            if not _is_der(data):
                raise
            check = SealCheck("seal-format", _FAIL, "seal.malformed", str(exc))
            return SignatureReport("seal", "seal", (check,))
    policy = (frozenset(known_extensions), strict_extensions)
    checks = seal_checks(seal, Trust.of(trust, intermediates, crls), moment, policy=policy)
    return SignatureReport(f"seal {seal.es_id}", "seal", tuple(checks), seal_facts(seal))


def seal_checks(
    seal: Seal,
    trust: Trust,
    moment: datetime,
    *,
    signing: bool = False,
    policy: tuple[frozenset[str], bool] = (frozenset(), False),
) -> list[SealCheck]:
    """S1-S5 at ``moment``; with ``signing`` the moment is a signing time (step G6)."""
    label = GENERATION_NAMES[seal.generation]
    checks = [SealCheck("seal-format", _PASS, detail=f"{label}, Vid {seal.vid!r}")]
    checks += note_checks(seal.notes, "seal-encoding")
    checks.append(_extensions_check(seal, *policy))
    checks.append(_picture_check(seal))
    checks.append(_signature_check(seal))
    checks += _maker_checks(seal, trust, moment, signing)
    checks += _timestamp_checks(seal, trust)
    checks.append(_validity_check(seal, moment, signing))
    return checks


def note_checks(notes: Sequence[Note], name: str) -> list[SealCheck]:
    """Parse notes as warnings, one per distinct reason code."""
    seen: dict[str, list[str]] = {}
    for code, detail in notes:
        seen.setdefault(code, []).append(detail)
    return [SealCheck(name, _WARN, code, "; ".join(dict.fromkeys(d))) for code, d in seen.items()]


def _extensions_check(seal: Seal, known: frozenset[str], strict: bool) -> SealCheck:
    unknown = [e.oid for e in seal.extensions if e.critical and e.oid not in known]
    if not unknown:
        return SealCheck("seal-extensions", _PASS, detail=f"{len(seal.extensions)} extension(s)")
    status = _FAIL if strict else _WARN
    detail = "critical extension(s) not understood: " + ", ".join(unknown)
    return SealCheck("seal-extensions", status, "seal.unknown_critical_extension", detail)


def _picture_check(seal: Seal) -> SealCheck:
    picture = seal.picture
    size = f"{picture.type} {picture.width_mm}x{picture.height_mm} mm, {len(picture.data)} bytes"
    declared, detected = picture.declared_format, picture.detected_format
    if declared is None or (detected is not None and detected != declared):
        detail = f"{size}; declared {picture.type!r}, content looks like {detected or 'unknown'}"
        return SealCheck("seal-picture", _WARN, "seal.picture_type_unknown", detail)
    return SealCheck("seal-picture", _PASS, detail=size)


def _signature_check(seal: Seal) -> SealCheck:
    name = "seal-signature"
    if seal.signature_algorithm != oids.SM2_WITH_SM3:
        return SealCheck(name, _FAIL, "seal.algorithm_unsupported", seal.signature_algorithm)
    try:
        key = seal.maker_certificate().public_key()
    except TrustkitError as exc:
        return SealCheck(name, _FAIL, "seal.maker_cert_unparseable", str(exc))
    preimage = "SEQ{SES_SealInfo, cert, alg}" if seal.generation == 1 else "DER(SES_SealInfo)"
    try:
        key.verify(seal.signature, seal.signed_bytes)
        return SealCheck(name, _PASS, detail=f"SM2 over {preimage}")
    except InvalidSignature:
        pass
    try:
        key.verify(seal.signature, seal.other_generation_bytes)
    except InvalidSignature:
        return SealCheck(name, _FAIL, "seal.signature_invalid", f"not valid over {preimage}")
    detail = f"valid only over the other generation's preimage, not {preimage}"
    return SealCheck(name, _FAIL, "seal.preimage_wrong_generation", detail)


def _maker_checks(seal: Seal, trust: Trust, moment: datetime, signing: bool) -> list[SealCheck]:
    try:
        cert = seal.maker_certificate()
    except TrustkitError:
        return [SealCheck("seal-maker-certificate", _SKIP, "seal.maker_cert_unparseable")]
    created = trust.outcome(cert, seal.create_date)
    checks = [created.check("seal-maker-certificate", _MAKER_REASONS)]
    usage = signing_key_usage_ok(cert)
    checks.append(
        SealCheck(
            "seal-maker-key-usage",
            _PASS if usage else _FAIL,
            "ok" if usage else "seal.maker_cert_key_usage",
            f"keyUsage {sorted(cert.key_usage or ())}",
        )
    )
    checks.append(_at_use_check(seal, cert, trust, moment, signing))
    return checks


def _at_use_check(
    seal: Seal, cert: x509.Certificate, trust: Trust, moment: datetime, signing: bool
) -> SealCheck:
    """S3 after creation: v1/v4 fail, v5 warns when the maker certificate lapsed since."""
    name = "seal-maker-certificate-at-use"
    when = ("signing" if signing else "validation") + f" time {moment.isoformat()}"
    outcome = trust.outcome(cert, moment)
    if outcome.kind not in ("expired", "not_yet_valid", "revoked"):
        return SealCheck(name, _PASS, detail=when)
    detail = f"at {when}: {outcome.detail}"
    if seal.generation == 5:
        return SealCheck(name, _WARN, "seal.maker_cert_invalid_after_creation", detail)
    return SealCheck(name, _FAIL, _MAKER_REASONS[outcome.kind], detail)


def _timestamp_checks(seal: Seal, trust: Trust) -> list[SealCheck]:
    if seal.generation != 5:
        return [
            SealCheck("seal-timestamp", _SKIP, "not_applicable", "no seal time stamp before v5")
        ]
    if seal.timestamp is None:
        return [
            SealCheck("seal-timestamp", _SKIP, "seal.no_timestamp", "the v5 seal is not stamped")
        ]
    checks, gen_time = verify_timestamp(seal.timestamp, seal.signature, trust, prefix="seal")
    if gen_time is not None and seal.create_date > gen_time:
        detail = f"createDate {seal.create_date.isoformat()} > genTime {gen_time.isoformat()}"
        checks.append(
            SealCheck("seal-timestamp-time", _FAIL, "seal.created_after_timestamp", detail)
        )
    return checks


def _validity_check(seal: Seal, moment: datetime, signing: bool) -> SealCheck:
    window = f"{seal.valid_start.isoformat()} .. {seal.valid_end.isoformat()}"
    detail = f"{moment.isoformat()} in {window}"
    name = "seal-validity-at-signing" if signing else "seal-validity"
    if seal.valid_start <= moment <= seal.valid_end:
        return SealCheck(name, _PASS, detail=detail)
    if signing:
        return SealCheck(name, _FAIL, "sig.seal_not_valid_at_signing_time", detail)
    reason = "seal.not_yet_valid" if moment < seal.valid_start else "seal.expired"
    return SealCheck(name, _FAIL, reason, detail)


def seal_facts(seal: Seal) -> dict[str, Any]:
    """What a verifier shows about a seal."""
    return {
        "generation": seal.generation,
        "vid": seal.vid,
        "es_id": seal.es_id,
        "name": seal.name,
        "type": seal.seal_type,
        "create_date": seal.create_date.isoformat(),
        "valid_start": seal.valid_start.isoformat(),
        "valid_end": seal.valid_end.isoformat(),
        "picture": {
            "type": seal.picture.type,
            "width_mm": seal.picture.width_mm,
            "height_mm": seal.picture.height_mm,
            "bytes": len(seal.picture.data),
        },
        "extensions": [{"oid": e.oid, "critical": e.critical} for e in seal.extensions],
    }


def _is_der(data: bytes) -> bool:
    try:
        outer_sequence(data, "seal")
    except MalformedInput:
        return False
    return True
