"""Certificate checks of seal verification, on top of ``trustkit.x509.validate_chain``.

The chain report is boiled down to one outcome, which each caller names with its own reason
codes (``seal.maker_cert_*``, ``sig.signer_cert_*``, ``*.timestamp_tsa_untrusted``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from trustkit import x509
from trustkit.exceptions import TrustkitError
from trustkit.report import Report, Status
from trustkit.seal._report import CheckStatus, SealCheck

__all__ = ["ChainOutcome", "Trust", "chain_outcome", "signing_key_usage_ok"]

_FAILED: Final = {
    "revoked": "revoked",
    "expired": "expired",
    "not-yet-valid": "not_yet_valid",
    "bad-key-usage": "key_usage",
}
_REVOCATION_UNKNOWN: Final = frozenset(
    {"no-crl", "crl-bad-signature", "crl-issuer-not-authorised", "crl-not-current"}
)
_SIGNING_USAGES: Final = frozenset({"digitalSignature", "nonRepudiation"})


@dataclass(frozen=True)
class Trust:
    """What certificate checks are given: anchors, intermediates and CRLs."""

    anchors: x509.TrustAnchors
    intermediates: tuple[x509.Certificate, ...] = ()
    crls: tuple[x509.CertificateRevocationList, ...] = ()

    @classmethod
    def of(
        cls,
        trust: x509.TrustAnchors | None,
        intermediates: Sequence[x509.Certificate] = (),
        crls: Sequence[x509.CertificateRevocationList] = (),
    ) -> Trust:
        return cls(trust or x509.TrustAnchors([]), tuple(intermediates), tuple(crls))

    def outcome(self, cert: x509.Certificate, at: datetime) -> ChainOutcome:
        """Chain, validity, key usage and revocation of every certificate on the path at ``at``.

        The chain validation accepts CRLs issued after ``at`` (the usual case for a past
        signing time) as evidence about ``at``; the leaf's own entry is also read directly so a
        revocation after ``at`` can be reported separately.
        """
        report = x509.validate_chain(
            cert, trust=self.anchors, intermediates=self.intermediates, crls=self.crls, at=at
        )
        found = chain_outcome(report)
        entry = self.revocation(cert)
        if not found.failed and entry is not None and entry.revocation_date <= at:
            when = entry.revocation_date.isoformat()
            return ChainOutcome("revoked", f"revoked: {cert.subject} on {when}")
        return found

    def revocation(self, cert: x509.Certificate) -> x509.RevokedEntry | None:
        """The entry of ``cert`` in an authentic CRL of its issuer, if any."""
        issuers = [
            c for c in (*self.anchors, *self.intermediates) if c.subject_name == cert.issuer_name
        ]
        for crl in self.crls:
            if crl.issuer_name != cert.issuer_name or not _authentic(crl, issuers):
                continue
            entry = crl.revoked_entry(cert.serial_number)
            if entry is not None:
                return entry
        return None


def _authentic(crl: x509.CertificateRevocationList, issuers: list[x509.Certificate]) -> bool:
    for issuer in issuers:
        try:
            crl.verify_signature(issuer.public_key())
            return True
        except TrustkitError:
            continue
    return False


@dataclass(frozen=True)
class ChainOutcome:
    """``kind``: ok, expired, not_yet_valid, revoked, key_usage, invalid, untrusted,
    revocation_unknown; ``detail`` names the chain check behind it."""

    kind: str
    detail: str

    @property
    def failed(self) -> bool:
        return self.kind not in ("ok", "untrusted", "revocation_unknown")

    def check(self, name: str, reasons: dict[str, str]) -> SealCheck:
        """A check named ``name``; ``reasons`` maps outcome kinds to reason codes."""
        if self.kind == "ok":
            return SealCheck(name, CheckStatus.PASSED, detail=self.detail)
        status = CheckStatus.FAILED if self.failed else CheckStatus.INDETERMINATE
        reason = reasons.get(self.kind) or reasons["invalid" if self.failed else "untrusted"]
        return SealCheck(name, status, reason, self.detail)


def chain_outcome(report: Report) -> ChainOutcome:
    """The one outcome that matters most in a chain report (failures before indeterminates)."""
    failed = [c for c in report.checks if c.status is Status.FAILED]
    for check in failed:
        if check.reason in _FAILED:
            return ChainOutcome(_FAILED[check.reason], f"{check.reason}: {check.detail}")
    if failed:
        return ChainOutcome("invalid", f"{failed[0].reason}: {failed[0].detail}")
    undecided = [c for c in report.checks if c.status is Status.INDETERMINATE]
    for check in undecided:
        if check.reason in _REVOCATION_UNKNOWN:
            return ChainOutcome("revocation_unknown", f"{check.reason}: {check.detail}")
    if undecided:
        return ChainOutcome("untrusted", f"{undecided[-1].reason}: {undecided[-1].detail}")
    anchor = report.facts.get("anchor") if report.facts else None
    return ChainOutcome("ok", f"anchored at {anchor}" if anchor else "")


def signing_key_usage_ok(cert: x509.Certificate) -> bool:
    """keyUsage absent, or allowing digitalSignature or nonRepudiation."""
    usage = cert.key_usage
    return usage is None or bool(usage & _SIGNING_USAGES)
