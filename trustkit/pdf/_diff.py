"""Modification detection: every incremental update compared with the revision before it.

Reject by default (spec §10): each object an update defines, including xref-only repointing and
deletions, must match a rule of a strict allowlist, else the change is ``OTHER``. Allowed are
exactly what a further seal writes (a new signature field with its widgets, appearance streams,
images and signature dictionary; the page ``/Annots`` and AcroForm ``/Fields`` appends; the catalog
gaining an ``/AcroForm``), DSS additions (``LTA_UPDATES``), and new annotations (``ANNOTATIONS``,
which only a DocMDP P3 certification permits). Levels follow pyHanko:
``NONE < LTA_UPDATES < FORM_FILLING < ANNOTATIONS < OTHER``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

import pikepdf

from trustkit.pdf._diff_rules import (
    Context,
    classify_changed,
    describe_widget,
    same_object,
    widget_problem,
)
from trustkit.pdf._xref import FileStructure, Revision, XrefEntry

__all__ = ["LEVELS", "Finding", "NewWidget", "UpdateAnalysis", "analyse_update", "level_max"]

LEVELS: Final = ("NONE", "LTA_UPDATES", "FORM_FILLING", "ANNOTATIONS", "OTHER")
_HEADER_RE: Final = re.compile(rb"(\d+)[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+obj")
_MAX_WALK: Final = 20_000


def level_max(levels: list[str]) -> str:
    return max(levels, key=LEVELS.index, default="NONE")


@dataclass(frozen=True)
class Finding:
    level: str
    detail: str


@dataclass(frozen=True)
class NewWidget:
    field: str
    page: int | None  # 1-based
    rect: tuple[float, float, float, float]
    area_ratio: float
    suspicious: str = ""  # why the widget looks like a Sneaky Signature, if it does


@dataclass(frozen=True)
class UpdateAnalysis:
    revision: int  # index of the update's revision
    findings: tuple[Finding, ...]
    widgets: tuple[NewWidget, ...] = ()
    annotations: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()

    @property
    def level(self) -> str:
        return level_max([f.level for f in self.findings])


@dataclass
class _State:
    findings: list[Finding] = field(default_factory=list)
    new: set[int] = field(default_factory=set)
    roots: list[tuple[str, pikepdf.Object]] = field(default_factory=list)  # (kind, object)


def analyse_update(
    data: bytes, structure: FileStructure, index: int, prev: pikepdf.Pdf, cur: pikepdf.Pdf
) -> UpdateAnalysis:
    """Compare revision ``index`` with revision ``index - 1``."""
    update = structure.revisions[index]
    before = _entries_before(structure, index)
    state = _State()
    changed = _scan_entries(data, update, before, state)
    _unlisted_changes(prev, cur, update, before, state)
    ctx = Context(prev, cur, state.new, update)
    for num, gen in changed:
        for level, detail, roots in classify_changed(ctx, num, gen):
            if level != "NONE":
                state.findings.append(Finding(level, detail))
            state.roots += roots
    _trailer_findings(update, structure.revisions[index - 1], state)
    return _explain_new(ctx, index, state)


def _entries_before(structure: FileStructure, index: int) -> dict[int, XrefEntry]:
    merged: dict[int, XrefEntry] = {}
    for revision in structure.revisions[:index]:
        merged.update(revision.entries)
    return merged


def _scan_entries(
    data: bytes, update: Revision, before: dict[int, XrefEntry], state: _State
) -> list[tuple[int, int]]:
    """Sort the update's entries into new and changed objects; flag deletions and repointing."""
    streams = _xref_streams(update, before, state)
    body_end = min(s.offset for s in update.sections)
    changed: list[tuple[int, int]] = []
    for num, entry in sorted(update.entries.items()):
        if num == 0 or num in streams:
            continue
        old = before.get(num)
        existed = old is not None and old.kind != 0
        if entry.kind == 0:
            if existed:
                state.findings.append(Finding("OTHER", f"object {num} deleted"))
            continue
        problem = _entry_problem(data, num, entry, update, body_end)
        if problem:
            state.findings.append(Finding("OTHER", problem))
            continue
        if existed:
            changed.append((num, entry.b if entry.kind == 1 else 0))
        else:
            state.new.add(num)
    return changed


def _xref_streams(update: Revision, before: dict[int, XrefEntry], state: _State) -> set[int]:
    """The numbers of the update's own xref streams; each must be a new number whose entry, if
    listed, points to that stream. Reusing an existing number replaces that object (e.g. a
    page's content stream) with the cross-reference stream: never allowed."""
    streams: set[int] = set()
    for section in update.sections:
        num = section.stream_num
        if num is None:
            continue
        streams.add(num)
        old = before.get(num)
        if old is not None and old.kind != 0:
            state.findings.append(
                Finding("OTHER", f"the cross-reference stream reuses object number {num}")
            )
            continue
        entry = update.entries.get(num)
        if entry is not None and entry.kind != 0 and (entry.kind, entry.a) != (1, section.offset):
            state.findings.append(
                Finding("OTHER", f"xref entry of object {num} does not point to its xref stream")
            )
    return streams


def _unlisted_changes(
    prev: pikepdf.Pdf,
    cur: pikepdf.Pdf,
    update: Revision,
    before: dict[int, XrefEntry],
    state: _State,
) -> None:
    """Objects of earlier revisions that the update does not list must read the same in both
    revisions: anything that resolves differently (object-number reuse of any kind) is a change
    no rule allows."""
    for num, entry in sorted(before.items()):
        if num == 0 or entry.kind == 0 or num in update.entries:
            continue
        if any(s.stream_num == num for s in update.sections):
            continue  # reported by _xref_streams
        gen = entry.b if entry.kind == 1 else 0
        if not _reads_same(prev, cur, (num, gen)):
            state.findings.append(
                Finding("OTHER", f"object {num} {gen} reads differently although not updated")
            )


def _reads_same(prev: pikepdf.Pdf, cur: pikepdf.Pdf, key: tuple[int, int]) -> bool:
    try:
        before = prev.get_object(key)
    except (pikepdf.PdfError, ValueError):
        before = None
    try:
        after = cur.get_object(key)
    except (pikepdf.PdfError, ValueError):
        return before is None
    return before is not None and same_object(before, after)


def _entry_problem(data: bytes, num: int, entry: XrefEntry, update: Revision, body_end: int) -> str:
    if entry.kind == 2:
        holder = update.entries.get(entry.a)
        if holder is None or holder.kind != 1 or not update.start <= holder.a < body_end:
            return f"object {num} points into an object stream outside this update"
        return ""
    if not update.start <= entry.a < body_end:
        return f"xref entry of object {num} points to offset {entry.a}, outside this update"
    match = _HEADER_RE.match(data, entry.a)
    if match is None or int(match.group(1)) != num:
        return f"xref entry of object {num} does not point to that object"
    return ""


def _trailer_findings(update: Revision, previous: Revision, state: _State) -> None:
    old, new = previous.trailer, update.trailer
    for key in ("Root", "Info", "Encrypt"):
        if old.get(key) != new.get(key):
            state.findings.append(Finding("OTHER", f"trailer /{key} changed"))


def _explain_new(ctx: Context, index: int, state: _State) -> UpdateAnalysis:
    explained: set[int] = set()
    widgets: list[NewWidget] = []
    annotations: list[str] = []
    signatures: list[str] = []
    ctx.added_fields = {r.objgen for kind, r in state.roots if kind == "field" and r.is_indirect}
    for kind, root in state.roots:
        if kind == "annotation":
            problem = widget_problem(ctx, root)
            widget = describe_widget(ctx, root) if not problem else None
            if problem:
                state.findings.append(Finding("OTHER", problem))
            elif widget is None:
                annotations.append(_annotation_name(root))
                state.findings.append(Finding("ANNOTATIONS", f"new {_annotation_name(root)}"))
            else:
                widgets.append(NewWidget(*widget))
        elif kind == "field":
            name, level, detail = _field_kind(ctx, root)
            state.findings.append(Finding(level, detail))
            if level != "OTHER":
                signatures.append(name)
        elif kind == "dss":
            state.findings.append(Finding("LTA_UPDATES", "document security store updated"))
        explained |= _reach(root, state.new)
    assert ctx.update is not None
    explained |= _object_streams(ctx.update, state.new, explained)
    for num in sorted(state.new - explained):
        state.findings.append(Finding("OTHER", _unexplained(ctx, num)))
    return UpdateAnalysis(
        index, tuple(state.findings), tuple(widgets), tuple(annotations), tuple(signatures)
    )


def _field_kind(ctx: Context, obj: pikepdf.Object) -> tuple[str, str, str]:
    name = str(obj.get("/T", "?"))
    if obj.get("/FT") != pikepdf.Name.Sig:
        return name, "OTHER", f"new form field {name!r} of type {obj.get('/FT')}"
    value = obj.get("/V")
    if value is None:
        if any("/AP" in w for w in _widgets(obj)):
            return name, "OTHER", f"unsigned signature field {name!r} shows an appearance"
        return name, "FORM_FILLING", f"new empty signature field {name!r}"
    kind = value.get("/Type") if isinstance(value, pikepdf.Dictionary) else None
    if kind == pikepdf.Name.DocTimeStamp:
        return name, "LTA_UPDATES", f"document time stamp {name!r}"
    if kind != pikepdf.Name.Sig and not (
        isinstance(value, pikepdf.Dictionary) and "/ByteRange" in value
    ):
        return name, "OTHER", f"signature field {name!r} holds no signature dictionary"
    if not ctx.is_new(value):
        return name, "OTHER", f"signature field {name!r} reuses an existing signature dictionary"
    return name, "FORM_FILLING", f"new signature field {name!r}"


def _widgets(field: pikepdf.Object) -> list[pikepdf.Dictionary]:
    kids = field.get("/Kids")
    if isinstance(kids, pikepdf.Array):
        return [k for k in kids if isinstance(k, pikepdf.Dictionary)]
    return [field] if isinstance(field, pikepdf.Dictionary) else []


def _annotation_name(obj: pikepdf.Object) -> str:
    subtype = obj.get("/Subtype") if isinstance(obj, pikepdf.Dictionary) else None
    rect = obj.get("/Rect") if isinstance(obj, pikepdf.Dictionary) else None
    shown = [round(float(v), 1) for v in rect] if isinstance(rect, pikepdf.Array) else None
    return f"annotation {subtype} at {shown}"


def _reach(root: pikepdf.Object, new: set[int]) -> set[int]:
    """New objects reachable from ``root`` (itself included) through new objects only."""
    seen: set[int] = set()
    if root.is_indirect and root.objgen[0] in new:
        seen.add(root.objgen[0])
    stack = _children(root)
    steps = 0
    while stack and steps < _MAX_WALK:
        obj = stack.pop()
        steps += 1
        if obj.is_indirect:
            num = obj.objgen[0]
            if num not in new or num in seen:
                continue
            seen.add(num)
        stack += _children(obj)
    return seen


def _children(obj: pikepdf.Object) -> list[pikepdf.Object]:
    if isinstance(obj, pikepdf.Stream):
        values = list(obj.stream_dict.values())
    elif isinstance(obj, pikepdf.Dictionary):
        values = list(obj.values())
    elif isinstance(obj, pikepdf.Array):
        values = list(obj)
    else:
        return []
    return [v for v in values if isinstance(v, pikepdf.Object)]


def _object_streams(update: Revision, new: set[int], explained: set[int]) -> set[int]:
    """New object streams all of whose objects are explained."""
    held: dict[int, set[int]] = {}
    for num, entry in update.entries.items():
        if entry.kind == 2:
            held.setdefault(entry.a, set()).add(num)
    return {s for s, nums in held.items() if s in new and nums <= explained}


def _unexplained(ctx: Context, num: int) -> str:
    try:
        obj = ctx.cur.get_object((num, 0))
    except (pikepdf.PdfError, ValueError):
        return f"new object {num} cannot be read"
    if isinstance(obj, pikepdf.Dictionary) and "/Linearized" in obj:
        return f"linearization dictionary (object {num}) in a later revision"
    if isinstance(obj, pikepdf.Stream) and obj.stream_dict.get("/Type") == pikepdf.Name.ObjStm:
        return f"object stream {num} holds objects nothing allowed refers to"
    return f"new object {num} is not part of any allowed change"
