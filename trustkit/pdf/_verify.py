"""Verifying every seal and signature in a PDF (spec §4.3, §9-§13).

Per signature, in order: the dictionary is read from the raw file; ``/Contents`` and
``/ByteRange`` are checked strictly and the coverage decided; the container format is sniffed
from the bytes (a mismatch with ``/SubFilter`` is a warning); the SignedData or ``SES_Signature``
is verified by ``trustkit.seal`` over the ByteRange bytes (SM3 recomputed), certificates at the
signing time against the given anchors; the seal is checked (for ``cms``, the seal the
dictionary carries under ``/TK.Seal``, which the signature covers); every later revision is
compared with a strict allowlist; and the appearance is compared with the seal picture.

The report is a ``trustkit.seal.DocumentReport``: ``{"status", "subject", "checks",
"signatures": [{"status", "subject", "kind", "checks", "facts"}]}``. Hostile input gives FAILED
checks; only bytes that are not a PDF at all raise MalformedInput.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import pikepdf

from trustkit import x509
from trustkit.exceptions import MalformedInput
from trustkit.pdf._coverage import (
    PARTIAL,
    UNCLEAR,
    Coverage,
    LocateError,
    evaluate_coverage,
    locate,
)
from trustkit.pdf._diff import UpdateAnalysis, analyse_update
from trustkit.pdf._display import display_check
from trustkit.pdf._document import signature_fields
from trustkit.pdf._memo import Memo
from trustkit.pdf._modifications import modification_checks
from trustkit.pdf._sigcheck import container_checks
from trustkit.pdf._syntax import PdfString, Ref
from trustkit.pdf._xref import XREF_STREAM_INVALID, FileStructure, StructureError, read_structure
from trustkit.seal import CheckStatus, DocumentReport, SealCheck, SignatureReport
from trustkit.seal._certcheck import Trust

__all__ = ["PdfVerifier", "verify_pdf"]

_PASS, _FAIL, _WARN, _SKIP = (
    CheckStatus.PASSED,
    CheckStatus.FAILED,
    CheckStatus.WARNING,
    CheckStatus.SKIPPED,
)
KIND: Final = "pdf_signature"
# What pikepdf and the object walkers raise on objects qpdf could not make sense of.
_PARSE_ERRORS: Final = (
    pikepdf.PdfError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    RecursionError,
)


@dataclass
class _Doc:
    data: bytes
    structure: FileStructure
    pdf: pikepdf.Pdf
    revisions: dict[int, pikepdf.Pdf] = field(default_factory=dict)
    analyses: dict[int, UpdateAnalysis] = field(default_factory=dict)

    def revision_pdf(self, index: int) -> pikepdf.Pdf:
        if index == len(self.structure.revisions) - 1:
            return self.pdf
        if index not in self.revisions:
            end = self.structure.revisions[index].end
            self.revisions[index] = pikepdf.open(io.BytesIO(self.data[:end]))
        return self.revisions[index]

    def analysis(self, index: int) -> UpdateAnalysis:
        if index not in self.analyses:
            self.analyses[index] = analyse_update(
                self.data,
                self.structure,
                index,
                self.revision_pdf(index - 1),
                self.revision_pdf(index),
            )
        return self.analyses[index]

    def close_revisions(self) -> None:
        """Close the revision prefixes opened here (the caller owns ``pdf``)."""
        for pdf in self.revisions.values():
            pdf.close()


class PdfVerifier:
    """Trust anchors, intermediates, CRLs and the validation time, set once for many documents.

    ``strict`` (default) fails documents qpdf had to repair and hybrid-reference files; without
    it they are warnings.
    """

    def __init__(
        self,
        *,
        trust: x509.TrustAnchors | None = None,
        intermediates: Sequence[x509.Certificate] = (),
        crls: Sequence[x509.CertificateRevocationList] = (),
        at: datetime | None = None,
        strict: bool = True,
    ) -> None:
        self.trust = Trust.of(trust, intermediates, crls)
        self.memo = Memo()
        self.pixels = Memo(16)  # keyed by whole image streams: kept small
        self.at = at
        self.strict = strict

    def verify(self, data: bytes, subject: str = "document") -> DocumentReport:
        """Verify every signature of ``data``; MalformedInput only if it is not a PDF."""
        if not bytes(data[:5]) == b"%PDF-":
            raise MalformedInput(f"{subject} is not a PDF file (no %PDF- header)")
        moment = self.at or datetime.now(UTC)
        checks: list[SealCheck] = []
        structure = self._structure(data, checks)
        if structure is None and checks and checks[-1].reason == XREF_STREAM_INVALID:
            return DocumentReport(subject, tuple(checks), ())  # FAILED; never inflated by qpdf
        try:
            pdf = pikepdf.open(io.BytesIO(data))
        except (pikepdf.PdfError, pikepdf.PasswordError) as exc:
            checks.append(SealCheck("pdf-open", _FAIL, "pdf.unreadable", str(exc)))
            return DocumentReport(subject, tuple(checks), ())
        try:
            return self._verify_open(data, structure, pdf, checks, moment, subject)
        except _PARSE_ERRORS as exc:  # hostile structure deep inside pikepdf objects
            checks.append(
                SealCheck("pdf-objects", _FAIL, "pdf.unreadable", f"{type(exc).__name__}: {exc}")
            )
            return DocumentReport(subject, tuple(checks), ())
        finally:
            pdf.close()

    def _structure(self, data: bytes, checks: list[SealCheck]) -> FileStructure | None:
        try:
            structure = read_structure(data, allow_trailing=True)
        except StructureError as exc:
            checks.append(SealCheck("pdf-structure", _FAIL, exc.reason, str(exc)))
            return None
        detail = f"{len(structure.revisions)} revision(s)"
        if structure.trailing:
            reason = "pdf.trailing_garbage"
            checks.append(
                SealCheck(
                    "pdf-structure",
                    _FAIL,
                    reason,
                    f"{structure.trailing} bytes after the last %%EOF",
                )
            )
        else:
            checks.append(SealCheck("pdf-structure", _PASS, detail=detail))
        if structure.last.section.hybrid:
            checks.append(SealCheck("pdf-xref", _FAIL if self.strict else _WARN, "pdf.hybrid_xref"))
        if "Encrypt" in structure.last.trailer:
            checks.append(SealCheck("pdf-encryption", _FAIL, "pdf.encrypted_unsupported"))
        return structure

    def _verify_open(
        self,
        data: bytes,
        structure: FileStructure | None,
        pdf: pikepdf.Pdf,
        checks: list[SealCheck],
        moment: datetime,
        subject: str,
    ) -> DocumentReport:
        warnings = pdf.get_warnings()
        if warnings:
            status = _FAIL if self.strict else _WARN
            checks.append(
                SealCheck("pdf-repair", status, "pdf.structure_repaired", str(warnings[0]))
            )
        fields = [f for f in signature_fields(pdf) if "/V" in f]
        doc = _Doc(data, structure, pdf) if structure is not None else None
        try:
            if doc is not None:
                fields += _removed_signatures(doc, fields)
            if not fields:
                detail = "no signed signature field"
                checks.append(SealCheck("pdf-signatures", _FAIL, "pdf.not_signed", detail))
                return DocumentReport(subject, tuple(checks), ())
            checks.append(SealCheck("pdf-signatures", _PASS, detail=f"{len(fields)} signature(s)"))
            if doc is None:
                return DocumentReport(subject, tuple(checks), tuple(_broken(f) for f in fields))
            reports = tuple(self._signature(doc, f, moment) for f in fields)
        finally:
            if doc is not None:
                doc.close_revisions()
        facts = {"revisions": len(doc.structure.revisions), "size": len(data)}
        return DocumentReport(subject, tuple(checks), reports, facts)

    def _signature(self, doc: _Doc, fld: pikepdf.Dictionary, moment: datetime) -> SignatureReport:
        name = str(fld.get("/T", "?"))
        value = fld.get("/V")
        checks: list[SealCheck] = []
        if not isinstance(value, pikepdf.Dictionary) or not value.is_indirect:
            checks.append(
                SealCheck(
                    "pdf-signature-dictionary",
                    _FAIL,
                    "pdf.signature_dictionary_invalid",
                    "/V is not an indirect dictionary",
                )
            )
            return SignatureReport(name, KIND, tuple(checks))
        try:
            raw = locate(doc.data, doc.structure, Ref(*value.objgen))
        except (LocateError, MalformedInput) as exc:
            checks.append(
                SealCheck(
                    "pdf-signature-dictionary", _FAIL, "pdf.signature_dictionary_invalid", str(exc)
                )
            )
            return SignatureReport(name, KIND, tuple(checks))
        checks.append(
            SealCheck(
                "pdf-signature-dictionary", _PASS, detail=f"object {raw.ref.num} {raw.ref.gen}"
            )
        )
        sig = raw.value
        facts: dict[str, Any] = {"field": name, **_dictionary_facts(sig)}
        contents_ok = _contents_check(sig.get("Contents"), checks)
        coverage = evaluate_coverage(doc.data, doc.structure, raw)
        _coverage_checks(coverage, checks, facts)
        if not contents_ok or coverage.level == UNCLEAR:
            checks.append(
                SealCheck(
                    "signature", _SKIP, "pdf.not_verified", "the signed bytes are not well defined"
                )
            )
            return SignatureReport(name, KIND, tuple(checks), facts)
        assert coverage.byte_range is not None and isinstance(sig["Contents"], PdfString)
        a, b, c, d = coverage.byte_range
        signed = doc.data[a:b] + doc.data[c : c + d]
        outcome = container_checks(sig, signed, coverage.byte_range, self.trust, moment, self.memo)
        checks += outcome.checks
        facts.update(outcome.facts)
        if coverage.level != PARTIAL and coverage.revision is not None:
            later = range(coverage.revision.index + 1, len(doc.structure.revisions))
            try:
                analyses = [doc.analysis(i) for i in later]
            except _PARSE_ERRORS as exc:
                detail = f"a later revision cannot be compared: {exc}"
                checks.append(
                    SealCheck("pdf-modifications", _FAIL, "pdf.modification_unanalysable", detail)
                )
            else:
                checks += modification_checks(sig, raw.ref, doc.pdf, analyses, facts)
        checks.append(display_check(fld, outcome.picture, self.pixels))
        return SignatureReport(name, KIND, tuple(checks), facts)


def _removed_signatures(doc: _Doc, present: list[pikepdf.Dictionary]) -> list[pikepdf.Dictionary]:
    """Signed fields of earlier revisions that the last revision no longer lists."""
    seen = {f.V.objgen for f in present if isinstance(f.get("/V"), pikepdf.Object)}
    out = []
    for index in range(len(doc.structure.revisions) - 1):
        try:
            earlier = signature_fields(doc.revision_pdf(index))
        except pikepdf.PdfError:
            continue
        for fld in earlier:
            value = fld.get("/V")
            if isinstance(value, pikepdf.Object) and value.is_indirect and value.objgen not in seen:
                seen.add(value.objgen)
                out.append(fld)
    return out


def _broken(fld: pikepdf.Dictionary) -> SignatureReport:
    check = SealCheck(
        "pdf-structure", _FAIL, "pdf.structure_invalid", "the revisions cannot be read"
    )
    return SignatureReport(str(fld.get("/T", "?")), KIND, (check,))


def _contents_check(contents: object, checks: list[SealCheck]) -> bool:
    name = "pdf-contents"
    if not isinstance(contents, PdfString):
        checks.append(
            SealCheck(
                name, _FAIL, "pdf.contents_missing", f"/Contents is {type(contents).__name__}"
            )
        )
        return False
    if not contents.hex:
        checks.append(
            SealCheck(name, _FAIL, "pdf.contents_missing", "/Contents is not a hex string")
        )
        return False
    if not any(contents.value):
        checks.append(
            SealCheck(name, _FAIL, "pdf.contents_missing", "/Contents is empty or all zero")
        )
        return False
    checks.append(SealCheck(name, _PASS, detail=f"{len(contents.value)} bytes reserved"))
    return True


def _coverage_checks(coverage: Coverage, checks: list[SealCheck], facts: dict[str, Any]) -> None:
    facts["coverage"] = coverage.level
    if coverage.byte_range is not None:
        facts["byte_range"] = list(coverage.byte_range)
    if coverage.level == UNCLEAR:
        checks.append(SealCheck("pdf-byterange", _FAIL, "pdf.byterange_invalid", coverage.detail))
        return
    checks.append(SealCheck("pdf-byterange", _PASS, detail=str(list(coverage.byte_range or ()))))
    if coverage.level == PARTIAL:
        checks.append(SealCheck("pdf-coverage", _FAIL, "pdf.coverage_partial", coverage.detail))
    else:
        checks.append(
            SealCheck("pdf-coverage", _PASS, detail=f"{coverage.level}: {coverage.detail}")
        )


def _dictionary_facts(sig: Mapping[str, object]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("Filter", "SubFilter"):
        value = sig.get(key)
        out[key.lower()] = str(value) if isinstance(value, str) else None
    for key, label in (
        ("M", "claimed_time"),
        ("Reason", "reason"),
        ("Location", "location"),
        ("Name", "name"),
    ):
        value = sig.get(key)
        if isinstance(value, PdfString):
            out[label] = _text(value.value)
    return out


def _text(raw: bytes) -> str:
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", "replace")
    return raw.decode("latin-1")


def verify_pdf(
    data: bytes,
    *,
    trust: x509.TrustAnchors | None = None,
    intermediates: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
    at: datetime | None = None,
    strict: bool = True,
    subject: str = "document",
) -> DocumentReport:
    """Verify every seal and signature in ``data``; see :class:`PdfVerifier`."""
    verifier = PdfVerifier(
        trust=trust, intermediates=intermediates, crls=crls, at=at, strict=strict
    )
    return verifier.verify(data, subject)
