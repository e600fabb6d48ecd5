"""Per-signature verdict on the updates that follow it: allowlist, DocMDP, suspicious widgets.

After an approval signature only further seals and signatures (``FORM_FILLING``) and DSS updates
are allowed. After a certification signature DocMDP decides: P1 allows only ``LTA_UPDATES``, P2
also form filling and signing, P3 also annotations (reported); an unknown ``/P`` counts as P2.
A new signature widget that is unusually large is a Sneaky Signature suspect: INDETERMINATE.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import pikepdf

from trustkit.pdf._diff import LEVELS, Finding, UpdateAnalysis, level_max
from trustkit.pdf._syntax import Ref
from trustkit.seal import CheckStatus, SealCheck

__all__ = ["docmdp_permission", "modification_checks"]

_ALLOWED: Final = {1: "LTA_UPDATES", 2: "FORM_FILLING", 3: "ANNOTATIONS"}
_SHOWN: Final = 5


def modification_checks(
    sig: Mapping[str, object],
    ref: Ref,
    pdf: pikepdf.Pdf,
    analyses: list[UpdateAnalysis],
    facts: dict[str, Any],
) -> list[SealCheck]:
    findings = [f for a in analyses for f in a.findings if f.level != "NONE"]
    level = level_max([f.level for f in findings])
    permission = docmdp_permission(sig, ref, pdf)
    facts["modification_level"] = level
    facts["later_revisions"] = len(analyses)
    facts["later_signatures"] = [s for a in analyses for s in a.signatures]
    if permission is not None:
        facts["docmdp"] = permission
    checks = [_allowlist_check(findings, level, permission)]
    if permission is not None:
        checks.append(_docmdp_check(findings, permission))
    checks += _widget_checks(analyses, facts)
    return checks


def _allowlist_check(findings: list[Finding], level: str, permission: int | None) -> SealCheck:
    name = "pdf-modifications"
    bad = [f for f in findings if f.level == "OTHER"]
    if permission is None:
        bad += [f for f in findings if f.level == "ANNOTATIONS"]
    if bad:
        return SealCheck(name, CheckStatus.FAILED, "pdf.modification_disallowed", _details(bad))
    if not findings:
        return SealCheck(name, CheckStatus.PASSED, detail="NONE: no later changes")
    return SealCheck(name, CheckStatus.PASSED, detail=f"{level}: {_details(findings)}")


def _docmdp_check(findings: list[Finding], permission: int) -> SealCheck:
    name = "pdf-docmdp"
    allowed = LEVELS.index(_ALLOWED[permission])
    beyond = [f for f in findings if LEVELS.index(f.level) > allowed]
    if beyond:
        detail = f"P{permission}: " + _details(beyond)
        return SealCheck(name, CheckStatus.FAILED, "pdf.docmdp_violation", detail)
    annotations = [f for f in findings if f.level == "ANNOTATIONS"]
    if annotations:
        detail = f"P{permission} allows them: " + _details(annotations)
        return SealCheck(name, CheckStatus.WARNING, "pdf.annotations_added", detail)
    return SealCheck(name, CheckStatus.PASSED, detail=f"P{permission} respected")


def _widget_checks(analyses: list[UpdateAnalysis], facts: dict[str, Any]) -> list[SealCheck]:
    widgets = [w for a in analyses for w in a.widgets]
    if not widgets:
        return []
    facts["later_widgets"] = [
        {"field": w.field, "page": w.page, "rect": [round(v, 2) for v in w.rect]} for w in widgets
    ]
    odd = [w for w in widgets if w.suspicious]
    if odd:
        detail = "; ".join(f"{w.field}: {w.suspicious}" for w in odd[:_SHOWN])
        return [
            SealCheck(
                "pdf-new-widgets", CheckStatus.INDETERMINATE, "pdf.new_widget_suspicious", detail
            )
        ]
    return [
        SealCheck(
            "pdf-new-widgets", CheckStatus.PASSED, detail=f"{len(widgets)} later seal widget(s)"
        )
    ]


def _details(findings: list[Finding]) -> str:
    shown = "; ".join(f.detail for f in findings[:_SHOWN])
    more = len(findings) - _SHOWN
    return shown + (f"; and {more} more" if more > 0 else "")


def docmdp_permission(sig: Mapping[str, object], ref: Ref, pdf: pikepdf.Pdf) -> int | None:
    """The DocMDP ``/P`` if this is a certification signature (malformed or unknown: 2)."""
    perms = pdf.Root.get("/Perms")
    target = perms.get("/DocMDP") if isinstance(perms, pikepdf.Dictionary) else None
    certifies = (
        isinstance(target, pikepdf.Object) and target.is_indirect and target.objgen == tuple(ref)
    )
    permission: object = None
    references = sig.get("Reference")
    for item in references if isinstance(references, list) else []:
        if isinstance(item, dict) and item.get("TransformMethod") == "DocMDP":
            certifies = True
            params = item.get("TransformParams")
            permission = params.get("P") if isinstance(params, dict) else None
    if not certifies:
        return None
    return permission if permission in (1, 2, 3) and isinstance(permission, int) else 2
