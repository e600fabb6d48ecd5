"""Assurance levels: each platform's own codes mapped onto one canonical trustkit ladder.

No national code list exists, so the ladder is a trustkit decision and every mapping is
configuration. The presets follow the public descriptions in the SSO spec (§2.4) and are
marked there as partly unconfirmed; deployments should check them against their platform.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from trustkit.exceptions import MalformedInput

__all__ = ["COMMON_L1_L4", "GUANGDONG_2_5", "AssuranceLevel", "AssuranceMapping"]

ACR_PREFIX = "urn:trustkit:loa:"


class AssuranceLevel(enum.IntEnum):
    """trustkit's canonical ladder (higher is stronger)."""

    SELF_ASSERTED = 1  # account only, self-declared data
    VERIFIED = 2  # attributes checked against an authoritative register (two-factor)
    REAL_PERSON = 3  # real person, real name and real credential agree (e.g. face check)
    CERTIFICATE = 4  # the same by a stronger means: digital certificate or in-person check

    @property
    def acr(self) -> str:
        return f"{ACR_PREFIX}{self.value}"

    @classmethod
    def from_acr(cls, acr: str) -> AssuranceLevel:
        if not acr.startswith(ACR_PREFIX) or not acr[len(ACR_PREFIX) :].isdigit():
            raise MalformedInput(f"not a trustkit acr value: {acr!r}")
        try:
            return cls(int(acr[len(ACR_PREFIX) :]))
        except ValueError:
            raise MalformedInput(f"unknown trustkit assurance level in {acr!r}") from None


@dataclass(frozen=True)
class AssuranceMapping:
    """One platform's level codes → canonical levels, e.g. Guangdong ``"4"`` → REAL_PERSON."""

    platform: str
    table: Mapping[str, AssuranceLevel]

    def level(self, code: str | int) -> AssuranceLevel:
        try:
            return self.table[str(code)]
        except KeyError:
            raise MalformedInput(f"{self.platform}: unknown assurance code {code!r}") from None

    def acr(self, code: str | int) -> str:
        return self.level(code).acr

    def code_for(self, level: AssuranceLevel) -> str:
        """The platform's lowest code that reaches ``level`` (for the way back)."""
        codes = [c for c, lv in self.table.items() if lv >= level]
        if not codes:
            raise MalformedInput(f"{self.platform} has no code reaching level {level.name}")
        return min(codes, key=lambda c: (self.table[c], c))


_L = AssuranceLevel
#: Guangdong 可信等级 2–5 (spec §2.4).
GUANGDONG_2_5 = AssuranceMapping(
    "guangdong", {"2": _L.SELF_ASSERTED, "3": _L.VERIFIED, "4": _L.REAL_PERSON, "5": _L.CERTIFICATE}
)
#: The common L1–L4 scheme (spec §2.4, low-quality source): phone binding is not identity proof.
COMMON_L1_L4 = AssuranceMapping(
    "common-l1-l4",
    {"L1": _L.SELF_ASSERTED, "L2": _L.SELF_ASSERTED, "L3": _L.VERIFIED, "L4": _L.REAL_PERSON},
)
