"""Frozen reports of seal, seal-signature and document verification.

Each verification step is one check with a status and, unless it passed, a stable reason code
(spec eseal.md §9). Check statuses add ``WARNING`` and ``SKIPPED`` to the overall ones; both
count as passed for the overall result. A document report holds one report per signature:

``{"status", "subject", "checks": [...], "signatures": [{"status", "subject", "kind",
"checks": [{"name", "status", "reason"}], "facts"}]}``
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from trustkit.report import Status, combine

__all__ = ["CheckStatus", "DocumentReport", "SealCheck", "SignatureReport"]


class CheckStatus(enum.StrEnum):
    """Outcome of one check."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    INDETERMINATE = "INDETERMINATE"
    WARNING = "WARNING"
    SKIPPED = "SKIPPED"

    @property
    def overall(self) -> Status:
        """What this check contributes to the overall result."""
        if self is CheckStatus.FAILED:
            return Status.FAILED
        if self is CheckStatus.INDETERMINATE:
            return Status.INDETERMINATE
        return Status.PASSED


@dataclass(frozen=True)
class SealCheck:
    """One verification step; ``reason`` is ``ok`` when it passed, else a stable code."""

    name: str
    status: CheckStatus
    reason: str = "ok"
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "status": self.status.value}
        out["reason"] = self.reason
        if self.detail:
            out["detail"] = self.detail
        return out

    def line(self) -> str:
        tail = f" — {self.detail}" if self.detail else ""
        return f"[{self.status.value}] {self.name}: {self.reason}{tail}"


def _overall(checks: Iterable[SealCheck]) -> Status:
    return combine(c.status.overall for c in checks)


@dataclass(frozen=True)
class SignatureReport:
    """The verification of one seal, seal signature or SignedData."""

    subject: str
    kind: str  # seal | ses_signature | signed_data
    checks: tuple[SealCheck, ...]
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        return _overall(self.checks)

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reason codes of every check that did not simply pass."""
        return tuple(c.reason for c in self.checks if c.status is not CheckStatus.PASSED)

    def check(self, name: str) -> SealCheck:
        """The check called ``name``; KeyError if there is none."""
        for item in self.checks:
            if item.name == name:
                return item
        raise KeyError(name)

    def has_check(self, name: str) -> bool:
        return any(c.name == name for c in self.checks)

    def summary(self) -> str:
        bad = [f"{c.name}:{c.reason}" for c in self.checks if c.status.overall is not Status.PASSED]
        return f"{self.status.value}: {self.subject}" + (f" ({', '.join(bad)})" if bad else "")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status.value, "subject": self.subject}
        out["kind"] = self.kind
        out["checks"] = [c.to_dict() for c in self.checks]
        if self.facts:
            out["facts"] = dict(self.facts)
        return out

    def to_text(self) -> str:
        return "\n".join([self.summary(), *(f"  {c.line()}" for c in self.checks)])


@dataclass(frozen=True)
class DocumentReport:
    """A document (or a standalone file): package checks plus one report per signature.

    PASSED only when every signature passed and the document checks hold; a document with no
    signature report is never PASSED (its checks say why).
    """

    subject: str
    checks: tuple[SealCheck, ...]
    signatures: tuple[SignatureReport, ...]
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        statuses = [_overall(self.checks), *(s.status for s in self.signatures)]
        if not self.signatures:
            statuses.append(Status.FAILED)
        return combine(statuses)

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    def summary(self) -> str:
        counts = ", ".join(f"{s.subject}: {s.status.value}" for s in self.signatures)
        return f"{self.status.value}: {self.subject}" + (f" ({counts})" if counts else "")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status.value, "subject": self.subject}
        out["checks"] = [c.to_dict() for c in self.checks]
        out["signatures"] = [s.to_dict() for s in self.signatures]
        if self.facts:
            out["facts"] = dict(self.facts)
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, default=str)

    def to_text(self) -> str:
        lines = [self.summary(), *(f"  {c.line()}" for c in self.checks)]
        for sig in self.signatures:
            lines.append("")
            lines.extend("  " + line for line in sig.to_text().splitlines())
        return "\n".join(lines)
