"""The existing objects a new seal touches: the page ``/Annots``, the AcroForm ``/Fields``,
and the catalog (spec §5). Each is rewritten with its own object number as pikepdf parsed it,
references kept as references, with only the new entries appended.
"""

from __future__ import annotations

from decimal import Decimal

import pikepdf

from trustkit.exceptions import MalformedInput
from trustkit.pdf._appearance import fmt
from trustkit.pdf._incremental import IncrementalWriter

__all__ = ["add_annots", "dict_body", "free_name", "link_field", "unparse"]


def free_name(pdf: pikepdf.Pdf) -> str:
    taken: set[str] = set()
    acroform = pdf.Root.get("/AcroForm")
    fields = acroform.get("/Fields") if isinstance(acroform, pikepdf.Dictionary) else None
    if isinstance(fields, pikepdf.Array):
        for item in fields:
            if isinstance(item, pikepdf.Dictionary) and "/T" in item:
                taken.add(str(item.T))
    number = 1
    while f"Seal{number}" in taken:
        number += 1
    return f"Seal{number}"


def dict_body(obj: pikepdf.Object, overrides: dict[str, bytes | None]) -> bytes:
    """The dictionary's syntax (indirect values as references) with some entries replaced."""
    parts = []
    for key in obj.keys():  # noqa: SIM118  (pikepdf dictionaries iterate differently)
        if key in overrides:
            continue
        parts.append(pikepdf.Name(key).unparse() + b" " + unparse(obj.get(key)))
    parts += [pikepdf.Name(k).unparse() + b" " + v for k, v in overrides.items() if v is not None]
    return b"<< " + b" ".join(parts) + b" >>"


def unparse(value: object) -> bytes:
    """PDF syntax of a value pikepdf returned (it converts numbers and booleans to Python)."""
    if isinstance(value, pikepdf.Object):
        return bytes(value.unparse())
    if value is None:
        return b"null"
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, Decimal | float):
        return fmt(float(value))
    raise MalformedInput(f"cannot write a {type(value).__name__} value")


def _array_with(array: pikepdf.Array | None, refs: list[bytes]) -> bytes:
    items = [unparse(item) for item in array] if array is not None else []
    return b"[" + b" ".join(items + refs) + b"]"


def add_annots(writer: IncrementalWriter, page: pikepdf.Dictionary, refs: list[bytes]) -> None:
    annots = page.get("/Annots")
    if isinstance(annots, pikepdf.Array) and annots.is_indirect:
        num, gen = annots.objgen
        writer.put(num, _array_with(annots, refs), gen)
        return
    existing = annots if isinstance(annots, pikepdf.Array) else None
    num, gen = page.objgen
    writer.put(num, dict_body(page, {"/Annots": _array_with(existing, refs)}), gen)


def link_field(
    writer: IncrementalWriter,
    pdf: pikepdf.Pdf,
    field_ref: bytes,
    sig_ref: bytes,
    certify: int | None,
) -> None:
    root = pdf.Root
    acroform = root.get("/AcroForm")
    overrides: dict[str, bytes | None] = {}
    if not isinstance(acroform, pikepdf.Dictionary):
        num = writer.allocate()
        writer.put(num, b"<< /Fields [" + field_ref + b"] /SigFlags 3 >>")
        overrides["/AcroForm"] = b"%d 0 R" % num
    elif acroform.is_indirect:
        num, gen = acroform.objgen
        body = _acroform(writer, acroform, field_ref)
        if body is not None:
            writer.put(num, body, gen)
    else:
        overrides["/AcroForm"] = _acroform(writer, acroform, field_ref, always=True) or b"<< >>"
    if certify is not None:
        overrides["/Perms"] = b"<< /DocMDP " + sig_ref + b" >>"
    if overrides:
        num, gen = root.objgen
        writer.put(num, dict_body(root, overrides), gen)


def _acroform(
    writer: IncrementalWriter,
    acroform: pikepdf.Dictionary,
    field_ref: bytes,
    *,
    always: bool = False,
) -> bytes | None:
    """The AcroForm with the field appended (None: only its indirect /Fields changed)."""
    overrides: dict[str, bytes | None] = {}
    fields = acroform.get("/Fields")
    if isinstance(fields, pikepdf.Array) and fields.is_indirect:
        num, gen = fields.objgen
        writer.put(num, _array_with(fields, [field_ref]), gen)
    else:
        existing = fields if isinstance(fields, pikepdf.Array) else None
        overrides["/Fields"] = _array_with(existing, [field_ref])
    if acroform.get("/SigFlags") != 3:
        overrides["/SigFlags"] = b"3"
    if not overrides and not always:
        return None
    return dict_body(acroform, overrides)
