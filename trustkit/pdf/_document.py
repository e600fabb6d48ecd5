"""Opening a PDF for sealing: structure, encryption and repair checks, optional normalisation.

A document qpdf had to repair, an encrypted one, or a hybrid-reference file is refused: object
numbers and offsets may not match the raw bytes, and appended objects would need the document
key (spec §8.2). On request, a document that has no signature yet is normalised first by a full
pikepdf rewrite, which also drops unreferenced objects (the signer-side defence against Shadow
Hide-and-Replace, spec §11). A signed document is never rewritten.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Final

import pikepdf

from trustkit.exceptions import MalformedInput
from trustkit.pdf._xref import FileStructure, StructureError, read_structure

__all__ = ["OpenDocument", "RefusedDocument", "open_for_sealing", "open_pdf", "signature_fields"]

_MAX_FIELDS: Final = 10_000


class RefusedDocument(MalformedInput):
    """The document cannot be sealed as it is; ``reason`` is a stable code."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class OpenDocument:
    data: bytes
    structure: FileStructure
    pdf: pikepdf.Pdf

    def close(self) -> None:
        self.pdf.close()


def open_pdf(data: bytes) -> pikepdf.Pdf:
    try:
        return pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise RefusedDocument("the document is encrypted", "pdf.encrypted_unsupported") from exc
    except pikepdf.PdfError as exc:
        raise RefusedDocument(f"qpdf cannot read the document: {exc}", "pdf.unreadable") from exc


def open_for_sealing(data: bytes, *, normalize: bool = False) -> OpenDocument:
    """Check ``data`` can take an incremental update; normalise an unsigned one on request."""
    try:
        return _checked(data)
    except RefusedDocument as exc:
        if not normalize or exc.reason == "pdf.encrypted_unsupported":
            raise
    pdf = open_pdf(data)
    try:
        if any("/V" in field for field in signature_fields(pdf)):
            raise RefusedDocument(
                "a signed document cannot be normalised (it would break its signatures)",
                "pdf.normalise_signed",
            )
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    finally:
        pdf.close()
    return _checked(out.getvalue())


def _checked(data: bytes) -> OpenDocument:
    try:
        structure = read_structure(data)
    except StructureError as exc:
        raise RefusedDocument(f"{exc}", exc.reason) from exc
    if "Encrypt" in structure.last.trailer:
        raise RefusedDocument("the document is encrypted", "pdf.encrypted_unsupported")
    if structure.last.section.hybrid:
        raise RefusedDocument("hybrid-reference files are not supported", "pdf.hybrid_xref")
    pdf = open_pdf(data)
    if pdf.is_encrypted:
        pdf.close()
        raise RefusedDocument("the document is encrypted", "pdf.encrypted_unsupported")
    warnings = pdf.get_warnings()
    if warnings:
        pdf.close()
        raise RefusedDocument(
            f"qpdf had to repair the document: {warnings[0]}", "pdf.structure_repaired"
        )
    return OpenDocument(data, structure, pdf)


def signature_fields(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every terminal signature field of the AcroForm (fields with ``/Kids`` are walked)."""
    acroform = pdf.Root.get("/AcroForm")
    if not isinstance(acroform, pikepdf.Dictionary):
        return []
    fields = acroform.get("/Fields")
    if not isinstance(fields, pikepdf.Array):
        return []
    out: list[pikepdf.Dictionary] = []
    stack: list[tuple[pikepdf.Object, pikepdf.Object | None]] = [(f, None) for f in fields]
    seen: set[tuple[int, int]] = set()
    while stack and len(seen) < _MAX_FIELDS:
        item, inherited = stack.pop(0)
        if not isinstance(item, pikepdf.Dictionary):
            continue
        if item.is_indirect:
            if item.objgen in seen:
                continue
            seen.add(item.objgen)
        kind = item.get("/FT", inherited)
        kids = item.get("/Kids")
        if isinstance(kids, pikepdf.Array) and any(
            isinstance(k, pikepdf.Dictionary) and "/T" in k for k in kids
        ):
            stack += [(k, kind) for k in kids]
            continue
        if kind == pikepdf.Name.Sig:
            out.append(item)
    return out
