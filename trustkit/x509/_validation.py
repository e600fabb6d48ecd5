"""Certification path validation (RFC 5280 §6, the parts SM2 deployments need) into a Report.

The path runs from the leaf through the given intermediates to an explicit trust anchor (a CA
or a pinned intermediate; the leaf itself only if it is self-issued). Every step is a Check
with a stable reason code; only malformed input raises.

Reason codes: bad-signature, unsupported-algorithm, invalid-key, expired, not-yet-valid,
not-a-ca, bad-key-usage, path-length-exceeded, unhandled-critical-extension, revoked, no-crl,
crl-bad-signature, crl-issuer-not-authorised, crl-unhandled-critical-extension, crl-not-current,
no-issuer-found, no-trust-anchor, path-too-long.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from trustkit.exceptions import InvalidKey, InvalidSignature, UnsupportedAlgorithm
from trustkit.report import Check, Report, Status
from trustkit.x509._certificate import Certificate
from trustkit.x509._common import utc
from trustkit.x509._crl import CertificateRevocationList
from trustkit.x509._extensions import HANDLED_CRITICAL

__all__ = ["TrustAnchors", "validate_chain"]

MAX_PATH_LENGTH: Final = 16
_PASS: Final = Status.PASSED
_FAIL: Final = Status.FAILED
_UNDECIDED: Final = Status.INDETERMINATE


class TrustAnchors:
    """An explicit set of trusted certificates (roots or pinned intermediates)."""

    def __init__(self, certs: Iterable[Certificate]) -> None:
        self._certs = tuple(dict.fromkeys(certs))
        if not all(isinstance(c, Certificate) for c in self._certs):
            raise TypeError("TrustAnchors takes Certificate objects")

    def __contains__(self, cert: object) -> bool:
        return cert in self._certs

    def __iter__(self) -> Iterator[Certificate]:
        return iter(self._certs)

    def __len__(self) -> int:
        return len(self._certs)

    def issuers_of(self, cert: Certificate) -> list[Certificate]:
        """Anchors whose name (and key identifier, when both sides have one) fit ``cert``."""
        return [a for a in self._certs if may_have_issued(a, cert)]


def may_have_issued(issuer: Certificate, cert: Certificate) -> bool:
    """Name match, plus key-identifier match when the AKI and the SKI are both present."""
    if issuer.subject_name != cert.issuer_name:
        return False
    aki, ski = cert.authority_key_identifier, issuer.subject_key_identifier
    return aki is None or ski is None or aki == ski


@dataclass(frozen=True)
class _Path:
    certs: tuple[Certificate, ...]  # leaf first
    anchored: bool
    too_long: bool = False


def validate_chain(
    leaf: Certificate,
    *,
    trust: TrustAnchors,
    intermediates: Sequence[Certificate] = (),
    crls: Sequence[CertificateRevocationList] = (),
    at: datetime | None = None,
    require_revocation: bool = False,
) -> Report:
    """Validate ``leaf`` at ``at`` (default: now, UTC) up to one of ``trust``'s anchors.

    PASSED when every check holds and the path ends at an anchor; FAILED on any bad signature,
    validity, CA, key-usage, path-length or revocation result; INDETERMINATE when nothing failed
    but no anchor was reached (or revocation was required and no usable CRL was given).
    """
    moment = utc(at) if at is not None else datetime.now(UTC)
    path = _build_path(leaf, trust, intermediates, moment)
    checks = [*_path_checks(path), *_self_signature_check(path)]
    for index in range(len(path.certs)):
        checks.extend(_cert_checks(path, index, moment))
        checks.extend(_revocation_checks(path, index, crls, moment, require_revocation))
    facts = {
        "at": moment.isoformat(),
        "path": [c.subject for c in path.certs],
        "anchor": path.certs[-1].subject if path.anchored else None,
    }
    return Report(subject=leaf.subject, checks=tuple(checks), facts=facts)


# -- path building ---------------------------------------------------------------------------


def _build_path(
    leaf: Certificate, trust: TrustAnchors, pool: Sequence[Certificate], moment: datetime
) -> _Path:
    certs = [leaf]
    while not _ends_at_anchor(certs, trust):
        if len(certs) > MAX_PATH_LENGTH:
            return _Path(tuple(certs), anchored=False, too_long=True)
        current = certs[-1]
        candidates = trust.issuers_of(current)
        candidates += [c for c in pool if c not in certs and may_have_issued(c, current)]
        if not candidates:
            return _Path(tuple(certs), anchored=False)
        certs.append(min(candidates, key=lambda c: _preference(c, current, trust, moment)))
    return _Path(tuple(certs), anchored=True)


def _ends_at_anchor(certs: Sequence[Certificate], trust: TrustAnchors) -> bool:
    """An anchor ends the path as an issuer, or as the target when it is self-issued.

    So a trusted end-entity certificate that is not self-issued still needs its issuer, as
    with OpenSSL's default (no partial chains).
    """
    top = certs[-1]
    return top in trust and (len(certs) > 1 or top.is_self_issued)


def _preference(
    candidate: Certificate, cert: Certificate, trust: TrustAnchors, moment: datetime
) -> tuple[bool, bool, bool]:
    """Sort key: issuers whose signature verifies first, then currently valid ones, then anchors."""
    return (
        _signature_reason(cert, candidate) != "ok",
        not candidate.valid_at(moment),
        candidate not in trust,
    )


def _path_checks(path: _Path) -> list[Check]:
    top = path.certs[-1]
    if path.too_long:
        return [Check("path", _FAIL, "path-too-long", f"more than {MAX_PATH_LENGTH} certificates")]
    if path.anchored:
        return [Check("trust-anchor", _PASS, detail=top.subject)]
    if top.is_self_issued:
        return [
            Check("trust-anchor", _UNDECIDED, "no-trust-anchor", f"{top.subject} is not trusted")
        ]
    return [
        Check("path", _UNDECIDED, "no-issuer-found", f"issuer {top.issuer} of {top.subject}"),
        Check("trust-anchor", _UNDECIDED, "no-trust-anchor", "no path to a trust anchor"),
    ]


def _self_signature_check(path: _Path) -> list[Check]:
    """An untrusted self-signed top certificate: still report whether its signature holds."""
    top = path.certs[-1]
    if path.anchored or path.too_long or not top.is_self_issued:
        return []
    return [_signature_check(top, top)]


# -- per-certificate checks ------------------------------------------------------------------


def _cert_checks(path: _Path, index: int, moment: datetime) -> list[Check]:
    cert = path.certs[index]
    is_anchor = path.anchored and index == len(path.certs) - 1
    checks = [_validity_check(cert, moment)]
    if index + 1 < len(path.certs):
        checks.append(_signature_check(cert, path.certs[index + 1]))
    if index > 0:
        checks.extend(_issuer_checks(path.certs, index, is_anchor))
    if not is_anchor:
        checks.append(_critical_extensions_check(cert))
    return checks


# Verdicts for (certificate, issuer) pairs, keyed by both certificates' SM3 fingerprints:
# certificates are immutable, so a verdict holds for the pair; only the short string is kept.
_VERDICTS: OrderedDict[str, str] = OrderedDict()
_VERDICTS_MAX = 4096
_VERDICTS_LOCK = threading.Lock()


def _signature_reason(cert: Certificate, issuer: Certificate) -> str:
    key = cert.fingerprint_sm3 + issuer.fingerprint_sm3  # cached on each certificate
    with _VERDICTS_LOCK:
        cached = _VERDICTS.get(key)
    if cached is not None:
        return cached
    verdict = _signature_reason_uncached(cert, issuer)
    with _VERDICTS_LOCK:
        _VERDICTS[key] = verdict
        while len(_VERDICTS) > _VERDICTS_MAX:
            _VERDICTS.popitem(last=False)
    return verdict


def _signature_reason_uncached(cert: Certificate, issuer: Certificate) -> str:
    try:
        cert.verify_signature(issuer.public_key())
    except InvalidSignature:
        return "bad-signature"
    except UnsupportedAlgorithm:
        return "unsupported-algorithm"
    except InvalidKey:
        return "invalid-key"
    return "ok"


def _signature_check(cert: Certificate, issuer: Certificate) -> Check:
    reason = _signature_reason(cert, issuer)
    detail = f"{cert.subject} signed by {issuer.subject}"
    return Check("signature", _PASS if reason == "ok" else _FAIL, reason, detail)


def _validity_check(cert: Certificate, moment: datetime) -> Check:
    window = f"{cert.subject}: {cert.not_before.isoformat()} .. {cert.not_after.isoformat()}"
    if moment < cert.not_before:
        return Check("validity", _FAIL, "not-yet-valid", window)
    if moment > cert.not_after:
        return Check("validity", _FAIL, "expired", window)
    return Check("validity", _PASS, detail=window)


def _issuer_checks(certs: Sequence[Certificate], index: int, is_anchor: bool) -> list[Check]:
    """basicConstraints, keyUsage and pathLenConstraint of ``certs[index]`` as an issuer."""
    cert = certs[index]
    v1_anchor = is_anchor and cert.version < 3
    ca_ok = cert.is_ca or v1_anchor
    usage = cert.key_usage
    usage_ok = usage is None or "keyCertSign" in usage
    below = sum(1 for c in certs[1:index] if not c.is_self_issued)
    limit = cert.path_length
    length_ok = limit is None or below <= limit
    return [
        Check(
            "basic-constraints",
            _PASS if ca_ok else _FAIL,
            "ok" if ca_ok else "not-a-ca",
            cert.subject,
        ),
        Check(
            "key-usage",
            _PASS if usage_ok else _FAIL,
            "ok" if usage_ok else "bad-key-usage",
            cert.subject,
        ),
        Check(
            "path-length",
            _PASS if length_ok else _FAIL,
            "ok" if length_ok else "path-length-exceeded",
            f"{cert.subject}: {below} intermediate(s) below, limit {limit}",
        ),
    ]


def _critical_extensions_check(cert: Certificate) -> Check:
    unknown = [e.name for e in cert.extensions if e.critical and e.name not in HANDLED_CRITICAL]
    if unknown:
        detail = f"{cert.subject}: {', '.join(unknown)}"
        return Check("critical-extensions", _FAIL, "unhandled-critical-extension", detail)
    return Check("critical-extensions", _PASS, detail=cert.subject)


# -- revocation ------------------------------------------------------------------------------


def _revocation_checks(
    path: _Path,
    index: int,
    crls: Sequence[CertificateRevocationList],
    moment: datetime,
    required: bool,
) -> list[Check]:
    if index + 1 >= len(path.certs):
        return []  # the anchor (or an unanchored top) has no issuer here
    cert, issuer = path.certs[index], path.certs[index + 1]
    relevant = [crl for crl in crls if _crl_fits(crl, issuer)]
    if not relevant:
        if not required:
            return []
        return [Check("revocation", _UNDECIDED, "no-crl", f"no CRL from {issuer.subject}")]
    problems = {crl: _crl_problem(crl, issuer, moment) for crl in relevant}
    authentic = [crl for crl, p in problems.items() if p in ("ok", "crl-not-current")]
    for crl in authentic:
        if crl.is_revoked(cert.serial_number, moment):
            return [Check("revocation", _FAIL, "revoked", _revoked_detail(cert, crl))]
    if any(p == "ok" for p in problems.values()):
        return [Check("revocation", _PASS, detail=f"{cert.subject}: not on the CRL")]
    first = next(iter(problems.values()))
    return [Check("revocation", _UNDECIDED, first, f"no usable CRL from {issuer.subject}")]


def _crl_fits(crl: CertificateRevocationList, issuer: Certificate) -> bool:
    if crl.issuer_name != issuer.subject_name:
        return False
    aki, ski = crl.authority_key_identifier, issuer.subject_key_identifier
    return aki is None or ski is None or aki == ski


def _crl_problem(crl: CertificateRevocationList, issuer: Certificate, moment: datetime) -> str:
    try:
        crl.verify_signature(issuer.public_key())
    except (InvalidSignature, UnsupportedAlgorithm, InvalidKey):
        return "crl-bad-signature"
    if issuer.key_usage is not None and "cRLSign" not in issuer.key_usage:
        return "crl-issuer-not-authorised"
    if crl.unhandled_critical_extensions:
        return "crl-unhandled-critical-extension"
    # A CRL speaks for every moment up to its nextUpdate: one issued after ``moment`` is the best
    # evidence about a past moment (revocation dates are compared with ``moment``); only a CRL
    # whose nextUpdate has passed is stale.
    stale = crl.next_update is not None and moment > crl.next_update
    return "crl-not-current" if stale else "ok"


def _revoked_detail(cert: Certificate, crl: CertificateRevocationList) -> str:
    entry = crl.revoked_entry(cert.serial_number)
    when = entry.revocation_date.isoformat() if entry else "?"
    reason = f", reason {entry.reason}" if entry and entry.reason else ""
    return f"{cert.subject} (serial {cert.serial_number:#x}) revoked {when}{reason}"
