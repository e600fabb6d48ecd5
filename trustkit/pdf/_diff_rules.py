"""The allowlist rules for objects an update changes (catalog, AcroForm, pages, arrays).

Each rule returns findings ``(level, detail, roots)``: roots are the new objects the change brings
in (``field``, ``annotation``, ``dss`` or ``container``), which the caller classifies and uses to
explain every new object of the update.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final, TypeAlias

import pikepdf

from trustkit.pdf._appearance import PT_PER_MM
from trustkit.pdf._xref import Revision

__all__ = [
    "Context",
    "classify_changed",
    "describe_widget",
    "same",
    "same_object",
    "unparse_value",
    "widget_problem",
]

Root: TypeAlias = tuple[str, pikepdf.Object]
Result: TypeAlias = list[tuple[str, str, list[Root]]]
_MAX_AREA_RATIO: Final = 0.2
_MAX_SIDE: Final = 120 * PT_PER_MM


def unparse_value(value: object) -> bytes:
    if isinstance(value, pikepdf.Object):
        return bytes(value.unparse())
    return repr(value).encode()


def same(a: object, b: object) -> bool:
    """Equal as written: references compare by number, direct values by their syntax."""
    return unparse_value(a) == unparse_value(b)


@dataclass
class Context:
    prev: pikepdf.Pdf
    cur: pikepdf.Pdf
    new: set[int] = field(default_factory=set)
    update: Revision | None = None
    added_fields: set[tuple[int, int]] = field(default_factory=set)  # appended to /Fields

    @cached_property
    def root(self) -> tuple[int, int]:
        return tuple(self.prev.Root.objgen)  # type: ignore[return-value]

    @cached_property
    def acroform(self) -> tuple[int, int] | None:
        value = self.prev.Root.get("/AcroForm")
        return value.objgen if isinstance(value, pikepdf.Object) and value.is_indirect else None

    @cached_property
    def fields(self) -> tuple[int, int] | None:
        acroform = self.prev.Root.get("/AcroForm")
        value = acroform.get("/Fields") if isinstance(acroform, pikepdf.Dictionary) else None
        return value.objgen if isinstance(value, pikepdf.Object) and value.is_indirect else None

    @cached_property
    def pages(self) -> dict[tuple[int, int], int]:
        return {page.obj.objgen: i + 1 for i, page in enumerate(self.prev.pages)}

    @cached_property
    def annots_arrays(self) -> dict[tuple[int, int], int]:
        out = {}
        for i, page in enumerate(self.prev.pages):
            annots = page.obj.get("/Annots")
            if isinstance(annots, pikepdf.Object) and annots.is_indirect:
                out[annots.objgen] = i + 1
        return out

    @cached_property
    def cur_pages(self) -> dict[tuple[int, int], tuple[int, float]]:
        out = {}
        for i, page in enumerate(self.cur.pages):
            box = [float(v) for v in page.mediabox]
            out[page.obj.objgen] = (i + 1, abs((box[2] - box[0]) * (box[3] - box[1])) or 1.0)
        return out

    def is_new(self, obj: object) -> bool:
        return isinstance(obj, pikepdf.Object) and obj.is_indirect and obj.objgen[0] in self.new


def classify_changed(ctx: Context, num: int, gen: int) -> Result:
    try:
        before, after = ctx.prev.get_object((num, gen)), ctx.cur.get_object((num, gen))
    except (pikepdf.PdfError, ValueError):
        return [("OTHER", f"object {num} {gen} cannot be compared", [])]
    if same_object(before, after):
        return []
    key = (num, gen)
    if key == ctx.root:
        return _catalog(ctx, before, after)
    if key == ctx.acroform:
        return _acroform(ctx, before, after)
    if key == ctx.fields:
        return _append(ctx, before, after, "field", "AcroForm /Fields")
    if key in ctx.pages:
        return _page(ctx, before, after, ctx.pages[key])
    if key in ctx.annots_arrays:
        return _append(ctx, before, after, "annotation", f"page {ctx.annots_arrays[key]} /Annots")
    return [("OTHER", f"object {num} {gen} ({_kind(before)}) changed", [])]  # no rule fits


def same_object(a: object, b: object) -> bool:
    if not isinstance(a, pikepdf.Object) or not isinstance(b, pikepdf.Object):
        return same(a, b)
    if isinstance(a, pikepdf.Stream) or isinstance(b, pikepdf.Stream):
        if not (isinstance(a, pikepdf.Stream) and isinstance(b, pikepdf.Stream)):
            return False
        return bool(
            a.stream_dict.unparse(resolved=True) == b.stream_dict.unparse(resolved=True)
            and a.read_raw_bytes() == b.read_raw_bytes()
        )
    return bool(a.unparse(resolved=True) == b.unparse(resolved=True))


def _kind(obj: object) -> str:
    if isinstance(obj, pikepdf.Stream):
        return f"stream {obj.stream_dict.get('/Type', obj.stream_dict.get('/Subtype', ''))}".strip()
    if isinstance(obj, pikepdf.Dictionary):
        return f"dictionary {obj.get('/Type', '')}".strip()
    return type(obj).__name__.lower()


def _keys(a: pikepdf.Dictionary, b: pikepdf.Dictionary) -> list[str]:
    return sorted(set(a.keys()) | set(b.keys()))


def _catalog(ctx: Context, before: pikepdf.Object, after: pikepdf.Object) -> Result:
    if not isinstance(before, pikepdf.Dictionary) or not isinstance(after, pikepdf.Dictionary):
        return [("OTHER", "the catalog is no longer a dictionary", [])]
    out: Result = []
    for key in _keys(before, after):
        old, new = before.get(key), after.get(key)
        if same(old, new):
            continue
        if key == "/AcroForm":
            out += _catalog_acroform(ctx, old, new)
        elif key == "/DSS" and (new is None or ctx.is_new(new) or not new.is_indirect):
            out.append(("NONE", "", [("dss", new)] if new is not None else []))
        else:
            out.append(("OTHER", f"catalog {key} changed", []))
    return out


def _catalog_acroform(ctx: Context, old: object, new: object) -> Result:
    if old is None and isinstance(new, pikepdf.Dictionary):
        roots: list[Root] = [("container", new)] if new.is_indirect else []
        fields = new.get("/Fields")
        if isinstance(fields, pikepdf.Array):
            if fields.is_indirect:
                roots.append(("container", fields))
            return [("NONE", "", roots), *_extras(ctx, [], list(fields), "field", "new AcroForm")]
        return [("NONE", "", roots)]
    if isinstance(old, pikepdf.Dictionary) and isinstance(new, pikepdf.Dictionary):  # noqa: SIM102
        if not old.is_indirect and not new.is_indirect:
            return _acroform(ctx, old, new)
    return [("OTHER", "catalog /AcroForm replaced", [])]


def _acroform(ctx: Context, before: pikepdf.Object, after: pikepdf.Object) -> Result:
    if not isinstance(before, pikepdf.Dictionary) or not isinstance(after, pikepdf.Dictionary):
        return [("OTHER", "the AcroForm is no longer a dictionary", [])]
    out: Result = []
    for key in _keys(before, after):
        old, new = before.get(key), after.get(key)
        if same(old, new) or key == "/SigFlags":
            continue
        if key == "/Fields":
            out += _append(ctx, old, new, "field", "AcroForm /Fields")
        else:
            out.append(("OTHER", f"AcroForm {key} changed", []))
    return out


def _page(ctx: Context, before: pikepdf.Object, after: pikepdf.Object, number: int) -> Result:
    if not isinstance(before, pikepdf.Dictionary) or not isinstance(after, pikepdf.Dictionary):
        return [("OTHER", f"page {number} is no longer a dictionary", [])]
    out: Result = []
    for key in _keys(before, after):
        old, new = before.get(key), after.get(key)
        if same(old, new):
            continue
        if key != "/Annots":
            out.append(("OTHER", f"page {number} {key} changed", []))
            continue
        if isinstance(new, pikepdf.Array) and new.is_indirect and ctx.is_new(new):
            out.append(("NONE", "", [("container", new)]))
        out += _append(ctx, old, new, "annotation", f"page {number} /Annots")
    return out


def _append(ctx: Context, old: object, new: object, kind: str, where: str) -> Result:
    if not isinstance(new, pikepdf.Array) or not (old is None or isinstance(old, pikepdf.Array)):
        return [("OTHER", f"{where} is no longer an array", [])]
    previous: list[object] = list(old) if old is not None else []
    return _extras(ctx, previous, list(new), kind, where)


def _extras(
    ctx: Context, previous: Sequence[object], current: Sequence[object], kind: str, where: str
) -> Result:
    if [unparse_value(v) for v in current[: len(previous)]] != [unparse_value(v) for v in previous]:
        return [("OTHER", f"{where}: existing entries removed, replaced or reordered", [])]
    roots: list[Root] = []
    for item in current[len(previous) :]:
        if not ctx.is_new(item):
            return [("OTHER", f"{where}: an entry refers to an object that is not new", [])]
        assert isinstance(item, pikepdf.Object)
        roots.append((kind, item))
    return [("NONE", "", roots)]


def _owner(annot: pikepdf.Dictionary) -> object:
    return annot if "/FT" in annot else annot.get("/Parent")


def _signature_value(ctx: Context, owner: pikepdf.Dictionary) -> bool:
    """The field holds a signature dictionary of its own, new in this update."""
    value = owner.get("/V")
    if not isinstance(value, pikepdf.Dictionary) or not ctx.is_new(value):
        return False
    kind = value.get("/Type")
    return kind in (pikepdf.Name.Sig, pikepdf.Name.DocTimeStamp) or "/ByteRange" in value


def _terminal(owner: pikepdf.Dictionary) -> bool:
    """No kid is a field: the verifier then verifies the owner's own ``/V``."""
    kids = owner.get("/Kids")
    if not isinstance(kids, pikepdf.Array):
        return True
    return not any(isinstance(k, pikepdf.Dictionary) and "/T" in k for k in kids)


def widget_problem(ctx: Context, annot: pikepdf.Object) -> str:
    """Why a new widget of a new signature field is not allowed ("" if it is, or is not one).

    A new signature widget may draw anything, so it is allowed only for a field appended to
    AcroForm ``/Fields`` in the same update that carries a new signature dictionary: the
    verifier then verifies that signature, which covers the widget. A widget of a new field
    that ``/Fields`` does not list (never verified), or of an unsigned field, is not allowed.
    """
    if not isinstance(annot, pikepdf.Dictionary) or annot.get("/Subtype") != pikepdf.Name.Widget:
        return ""
    owner = _owner(annot)
    if not isinstance(owner, pikepdf.Dictionary) or not ctx.is_new(owner):
        return ""
    name = str(owner.get("/T", "?"))
    if owner.objgen not in ctx.added_fields:
        return f"widget of new field {name!r}, which AcroForm /Fields does not list"
    if owner.get("/FT") != pikepdf.Name.Sig:
        return ""  # a new non-signature field: reported as such
    if not _signature_value(ctx, owner):
        return f"widget of signature field {name!r}, which holds no new signature dictionary"
    if not _terminal(owner) or (annot is not owner and "/T" in annot):
        return f"widget of signature field {name!r}, whose field hierarchy is not a single field"
    return ""


def describe_widget(
    ctx: Context, annot: pikepdf.Object
) -> tuple[str, int | None, tuple[float, float, float, float], float, str] | None:
    """(field, page, rect, area ratio, why suspicious) for a new signature widget, else None.

    Only widgets :func:`widget_problem` accepts are described."""
    if not isinstance(annot, pikepdf.Dictionary) or annot.get("/Subtype") != pikepdf.Name.Widget:
        return None
    owner = _owner(annot)
    if not isinstance(owner, pikepdf.Dictionary) or owner.get("/FT") != pikepdf.Name.Sig:
        return None
    if not ctx.is_new(owner) or widget_problem(ctx, annot):
        return None
    rect_value = annot.get("/Rect")
    rect = tuple(float(v) for v in rect_value) if isinstance(rect_value, pikepdf.Array) else ()
    if len(rect) != 4:
        rect = (0.0, 0.0, 0.0, 0.0)
    page_ref = annot.get("/P")
    page, area = (
        ctx.cur_pages.get(page_ref.objgen, (None, 1.0))
        if isinstance(page_ref, pikepdf.Object)
        else (None, 1.0)
    )
    width, height = abs(rect[2] - rect[0]), abs(rect[3] - rect[1])
    ratio = width * height / area
    why = ""
    if ratio > _MAX_AREA_RATIO or max(width, height) > _MAX_SIDE:
        why = f"widget {width:.0f}x{height:.0f} pt covers {ratio:.0%} of the page"
    return str(owner.get("/T", "?")), page, rect, ratio, why
