"""Frozen verification reports shared by every verifier in trustkit.

A report has an overall status and a tuple of checks, each with a status and a short stable
reason code. Reports print as text and as JSON with the common shape
``{"status": ..., "checks": [{"name", "status", "reason"}]}``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Check", "Report", "Status", "combine"]


class Status(enum.StrEnum):
    """Outcome of a check or of a whole verification."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    INDETERMINATE = "INDETERMINATE"

    @property
    def exit_code(self) -> int:
        """Exit code used by the CLI: 0 passed, 1 failed, 3 indeterminate."""
        return {Status.PASSED: 0, Status.FAILED: 1, Status.INDETERMINATE: 3}[self]


def combine(statuses: Iterable[Status]) -> Status:
    """FAILED if any failed, else INDETERMINATE if any is, else PASSED (PASSED when empty)."""
    seen = set(statuses)
    if Status.FAILED in seen:
        return Status.FAILED
    if Status.INDETERMINATE in seen:
        return Status.INDETERMINATE
    return Status.PASSED


@dataclass(frozen=True)
class Check:
    """One named step of a verification; ``reason`` is a stable code such as ``bad-signature``."""

    name: str
    status: Status
    reason: str = "ok"
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "status": self.status.value}
        out["reason"] = self.reason
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass(frozen=True)
class Report:
    """A verification result: overall status derived from the checks, plus free-form facts."""

    subject: str
    checks: tuple[Check, ...]
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        return combine(c.status for c in self.checks)

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    @property
    def failed_checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status is not Status.PASSED)

    def summary(self) -> str:
        """One line: status, subject and the reason codes of what did not pass."""
        bad = ", ".join(f"{c.name}:{c.reason}" for c in self.failed_checks)
        return f"{self.status.value}: {self.subject}" + (f" ({bad})" if bad else "")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status.value, "subject": self.subject}
        out["checks"] = [c.to_dict() for c in self.checks]
        if self.facts:
            out["facts"] = dict(self.facts)
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, default=str)

    def to_text(self) -> str:
        lines = [self.summary()]
        for c in self.checks:
            tail = f" — {c.detail}" if c.detail else ""
            lines.append(f"  [{c.status.value}] {c.name}: {c.reason}{tail}")
        return "\n".join(lines)
