"""Regression tests for the second security review of trustkit.pdf: object-number reuse by an
update's cross-reference stream, signature widgets of fields that are never verified, and
cross-reference streams that inflate or declare far more than the file can hold."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import time
import tracemalloc
import zlib

import pdf_support as ps
import pikepdf
import pytest

from trustkit import pdf as tkpdf
from trustkit.exceptions import TrustkitError
from trustkit.pdf._diff import analyse_update
from trustkit.pdf._xref import StructureError, _png_unfilter, read_structure
from trustkit.seal import DocumentReport

_FAST = 2.0  # seconds: generous, the inputs below are rejected in milliseconds


@pytest.fixture(scope="module")
def kit() -> ps.SealKit:
    return ps.make_kit()


@pytest.fixture(scope="module")
def good(kit: ps.SealKit) -> bytes:
    data = tkpdf.stamp_pdf(
        ps.make_pdf(1), kit.seal, kit.key, kit.cert, tkpdf.At(1, 120, 200), at=ps.SIGNING_TIME
    )
    assert _verify(kit, data).status.value == "PASSED"
    return data


def _verify(kit: ps.SealKit, data: bytes) -> DocumentReport:
    return tkpdf.verify_pdf(data, trust=kit.anchors, at=ps.CHECK_TIME)


def _modifications(report: DocumentReport) -> str:
    check = report.signatures[0].check("pdf-modifications")
    assert check.status.value == "FAILED", report.to_text()
    assert check.reason == "pdf.modification_disallowed"
    return check.detail


# --- 1. an update's xref stream reusing an existing object number ------------------------------


def _xref_stream_update(good: bytes, *, number: int | None = None, list_self: bool = True) -> bytes:
    """The reviewer's construction: an update whose cross-reference stream takes the number of
    the page's content stream (or ``number``); its free rows smuggle the new page content."""
    with pikepdf.open(io.BytesIO(good)) as pdf:
        contents = pdf.pages[0].obj.Contents.objgen[0]
        root = pdf.Root.objgen[0]
        info = pdf.trailer.Info.objgen[0]
        size = int(pdf.trailer.Size)
    reused = contents if number is None else number
    prev = ps.startxref(good)
    text = [b"q 1 1 1", b"rg 0 700", b"600 141", b"re f Q", b"BT /F1", b"28 Tf 72", b"760 Td"]
    text += [b"(FORGED)", b"Tj ET"]
    rows = b"".join(b"\x00" + t.ljust(8, b" ") + b"\x00" * 8 for t in text)
    allowed = set(b"\x00\t\n\x0c\r 0123456789")
    out = bytearray(good)
    offset = len(out)
    while not all(b in allowed for b in offset.to_bytes(8, "big")):
        offset += 1
    out += b" " * (offset - len(out))
    stream = rows + (b"\x01" + offset.to_bytes(8, "big") + b"\x00" * 8 if list_self else b"")
    index = b"%d %d %d 1" % (size, len(text), reused) if list_self else b"%d %d" % (size, len(text))
    head = (
        b"<< /Type /XRef /Size %d /W [1 8 8] /Index [%s] /Root %d 0 R /Info %d 0 R"
        b" /Prev %d /Length %d >>"
        % (max(size + len(text), reused + 1), index, root, info, prev, len(stream))
    )
    out += b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (reused, head, stream)
    out += b"startxref\n%d\n%%%%EOF\n" % offset
    return bytes(out)


def test_xref_stream_reusing_the_content_stream_number_fails(kit: ps.SealKit, good: bytes) -> None:
    evil = _xref_stream_update(good)
    with pikepdf.open(io.BytesIO(evil)) as pdf:  # qpdf now shows the xref stream as content
        assert pdf.pages[0].Contents.stream_dict.get("/Type") == pikepdf.Name.XRef
    report = _verify(kit, evil)
    assert report.status.value == "FAILED", report.to_text()
    assert "cross-reference stream reuses object number" in _modifications(report)


def test_xref_stream_reusing_a_number_it_does_not_list_fails(kit: ps.SealKit, good: bytes) -> None:
    report = _verify(kit, _xref_stream_update(good, list_self=False))
    assert report.status.value == "FAILED", report.to_text()
    assert "reuses object number" in _modifications(report)


def test_xref_stream_with_a_fresh_number_is_still_allowed(kit: ps.SealKit, good: bytes) -> None:
    with pikepdf.open(io.BytesIO(good)) as pdf:
        size = int(pdf.trailer.Size)
    # A harmless update: only free rows for new numbers, and the stream's own fresh number.
    report = _verify(kit, _xref_stream_update(good, number=size + 9))
    assert report.status.value == "PASSED", report.to_text()
    assert report.signatures[0].check("pdf-modifications").detail == "NONE: no later changes"


def test_object_resolving_differently_without_an_entry_is_caught(good: bytes) -> None:
    """Every object of the earlier revision is compared, not only those the update lists."""
    with pikepdf.open(io.BytesIO(good)) as pdf:
        contents = pdf.pages[0].obj.Contents.objgen[0]
    forged = b"BT /F1 28 Tf 72 760 Td (FORGED) Tj ET"
    body = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(forged), forged)
    data = ps.append_update(good, {contents: body})
    structure = read_structure(data)
    update = structure.last
    hidden = dataclasses.replace(
        update, entries={n: e for n, e in update.entries.items() if n != contents}
    )
    structure = dataclasses.replace(structure, revisions=(*structure.revisions[:-1], hidden))
    with (
        pikepdf.open(io.BytesIO(good)) as prev,
        pikepdf.open(io.BytesIO(data)) as cur,
    ):
        analysis = analyse_update(data, structure, len(structure.revisions) - 1, prev, cur)
    assert analysis.level == "OTHER"
    assert any(f"object {contents} 0 reads differently" in f.detail for f in analysis.findings), (
        analysis.findings
    )


# --- 2. signature widgets whose field is never verified ----------------------------------------

_FORGED_AP = b"q 1 1 1 rg 0 0 300 60 re f Q BT /Helv 28 Tf 0 0 1 rg 10 20 Td (FORGED AMOUNT) Tj ET"


def _appearance() -> bytes:
    return (
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 300 60] /Resources << /Font << /Helv"
        b" << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> /Length %d >>\n"
        b"stream\n%s\nendstream" % (len(_FORGED_AP), _FORGED_AP)
    )


def _with_annot(data: bytes, page: bytes, annot: int) -> bytes:
    if b"/Annots [" in page:
        return re.sub(rb"(/Annots \[[^\]]*)\]", lambda m: m.group(1) + b" %d 0 R]" % annot, page)
    return page[:-2] + b" /Annots [%d 0 R] >>" % annot


def test_orphan_signature_widget_fails(kit: ps.SealKit, good: bytes) -> None:
    """The reviewer's construction: a new /FT /Sig field that AcroForm /Fields does not list,
    with a widget drawing arbitrary content."""
    page_num, _ = ps.page_objgen(good)
    n = ps.next_number(good)
    field, annot, ap = n, n + 1, n + 2
    field_obj = b"<< /FT /Sig /T (hidden) /Kids [%d 0 R] >>" % annot
    annot_obj = (
        b"<< /Type /Annot /Subtype /Widget /Parent %d 0 R /Rect [60 740 360 800] /F 4 /P %d 0 R"
        b" /AP << /N %d 0 R >> >>" % (field, page_num, ap)
    )
    page = _with_annot(good, ps.object_body(good, page_num), annot)
    evil = ps.append_update(
        good, {page_num: page, field: field_obj, annot: annot_obj, ap: _appearance()}
    )
    report = _verify(kit, evil)
    assert report.status.value == "FAILED", report.to_text()
    assert "AcroForm /Fields does not list" in _modifications(report)


def _listed_field_update(
    good: bytes, field_dict: bytes, extra: dict[int, bytes], shown: int | None = None
) -> bytes:
    """A new field ``field_dict`` (``$AP``, ``$PAGE`` filled in) appended to AcroForm /Fields,
    and its widget (itself, or object ``shown``) to the page's /Annots."""
    page_num, _ = ps.page_objgen(good)
    with pikepdf.open(io.BytesIO(good)) as pdf:
        acroform = pdf.Root.AcroForm.objgen[0]
    n = ps.next_number(good)
    field, ap = n, n + 1
    body = field_dict.replace(b"$AP", b"%d 0 R" % ap).replace(b"$PAGE", b"%d 0 R" % page_num)
    form = ps.object_body(good, acroform)
    form = re.sub(rb"(/Fields \[[^\]]*)\]", lambda m: m.group(1) + b" %d 0 R]" % field, form)
    page = _with_annot(good, ps.object_body(good, page_num), field if shown is None else shown)
    objects = {page_num: page, acroform: form, field: body, ap: _appearance(), **extra}
    return ps.append_update(good, objects)


def test_new_field_reusing_the_existing_signature_dictionary_fails(
    kit: ps.SealKit, good: bytes
) -> None:
    with pikepdf.open(io.BytesIO(good)) as pdf:
        old_value = pdf.Root.AcroForm.Fields[0].V.objgen[0]
    field = (
        b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (copy) /V %d 0 R /Rect [60 740 360 800]"
        b" /F 4 /P $PAGE /AP << /N $AP >> >>" % old_value
    )
    report = _verify(kit, _listed_field_update(good, field, {}))
    assert report.status.value == "FAILED", report.to_text()
    detail = _modifications(report)
    assert "reuses an existing signature dictionary" in detail
    assert "holds no new signature dictionary" in detail


def test_unsigned_signature_field_widget_fails(kit: ps.SealKit, good: bytes) -> None:
    field = (
        b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (empty) /Rect [60 740 360 800]"
        b" /F 4 /P $PAGE /AP << /N $AP >> >>"
    )
    report = _verify(kit, _listed_field_update(good, field, {}))
    assert report.status.value == "FAILED", report.to_text()
    assert "holds no new signature dictionary" in _modifications(report)


def test_signature_field_whose_value_is_never_verified_fails(kit: ps.SealKit, good: bytes) -> None:
    """A /Fields entry with a kid field: the verifier walks the kid (no /V), so the parent's
    signature dictionary would never be verified."""
    n = ps.next_number(good)
    kid, value = n + 2, n + 3
    parent = b"<< /FT /Sig /T (outer) /V %d 0 R /Kids [%d 0 R] >>" % (value, kid)
    kid_obj = (
        b"<< /Type /Annot /Subtype /Widget /T (inner) /Parent %d 0 R /Rect [60 740 360 800]"
        b" /F 4 /P $PAGE /AP << /N %d 0 R >> >>" % (n, n + 1)
    )
    page_num, _ = ps.page_objgen(good)
    kid_obj = kid_obj.replace(b"$PAGE", b"%d 0 R" % page_num)
    sig = b"<< /Type /Sig /Filter /Adobe.PPKLite /ByteRange [0 1 2 3] /Contents <00> >>"
    data = _listed_field_update(good, parent, {kid: kid_obj, value: sig}, shown=kid)
    report = _verify(kit, data)
    assert report.status.value == "FAILED", report.to_text()
    assert "not a single field" in _modifications(report)


def test_a_further_seal_is_still_allowed(kit: ps.SealKit, good: bytes) -> None:
    data = tkpdf.stamp_pdf(
        good, kit.seal, kit.key, kit.cert, tkpdf.At(1, 60, 200), at=ps.SIGNING_TIME
    )
    report = _verify(kit, data)
    assert report.status.value == "PASSED", report.to_text()
    assert report.signatures[0].facts["modification_level"] == "FORM_FILLING"


# --- 3. cross-reference streams that cost more than the file is worth ---------------------------


def _bomb(good: bytes, megabytes: int) -> bytes:
    """The reviewer's construction: an appended xref stream of one row that inflates to
    ``megabytes`` MB through a PNG predictor."""
    prev = ps.startxref(good)
    with pikepdf.open(io.BytesIO(good)) as pdf:
        root, size = pdf.Root.objgen[0], int(pdf.trailer.Size)
    raw = zlib.compress(bytes((megabytes << 20) // 9 * 9), 9)
    offset = len(good)
    obj = (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 3] /Index [%d 1] /Root %d 0 R /Prev %d"
        b" /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 8 >> /Length %d >>\n"
        b"stream\n" % (size, size + 1, size, root, prev, len(raw))
    )
    return good + obj + raw + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offset


def _many_entries(count: int) -> bytes:
    """The reviewer's construction: an xref stream declaring ``count`` rows in a few KB."""
    raw = zlib.compress(bytes(count * 3), 9)
    head = b"%PDF-1.7\n"
    obj = (
        b"1 0 obj\n<< /Type /XRef /Size %d /W [1 1 1] /Index [0 %d] /Filter /FlateDecode"
        b" /Length %d >>\nstream\n" % (count, count, len(raw))
    )
    return head + obj + raw + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % len(head)


def _timed(call: object) -> tuple[object, float, int]:
    assert callable(call)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = call()
    except TrustkitError as exc:
        result = exc
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, elapsed, peak


def test_xref_stream_bomb_is_rejected_quickly(kit: ps.SealKit, good: bytes) -> None:
    bomb = _bomb(good, 60)
    assert len(bomb) < 100_000
    result, elapsed, peak = _timed(lambda: read_structure(bomb))
    assert isinstance(result, StructureError) and "longer than its /Index" in str(result)
    assert elapsed < _FAST and peak < 1 << 20
    report, elapsed, _ = _timed(lambda: _verify(kit, bomb))
    assert isinstance(report, DocumentReport)
    assert report.status.value == "FAILED" and elapsed < _FAST * 2
    assert report.checks[0].name == "pdf-structure"
    assert report.checks[0].status.value == "FAILED"


@pytest.mark.parametrize("count", [2_000_000, 6_000_000])
def test_xref_stream_declaring_millions_of_entries_is_rejected(kit: ps.SealKit, count: int) -> None:
    data = _many_entries(count)
    result, elapsed, peak = _timed(lambda: read_structure(data))
    assert isinstance(result, StructureError), result
    assert "more entries than the file can hold" in str(result)
    assert elapsed < _FAST and peak < 8 << 20
    report, elapsed, _ = _timed(lambda: _verify(kit, data))
    assert isinstance(report, DocumentReport)
    assert report.status.value == "FAILED" and elapsed < _FAST


def _xref_file(head_extra: bytes, stream: bytes, *, size: int, index: bytes) -> bytes:
    start = b"%PDF-1.7\n"
    obj = b"1 0 obj\n<< /Type /XRef /Size %d /W [1 2 1] /Index [%s]%s /Length %d >>\nstream\n" % (
        size,
        index,
        head_extra,
        len(stream),
    )
    return start + obj + stream + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % len(start)


def test_xref_stream_rows_are_read() -> None:
    rows = b"\x00\x00\x00\xff" + b"\x01\x00\x09\x00"
    structure = read_structure(_xref_file(b"", rows, size=2, index=b"0 2"))
    entries = structure.last.entries
    assert (entries[0].kind, entries[0].b) == (0, 255)
    assert (entries[1].kind, entries[1].a) == (1, 9)


@pytest.mark.parametrize(
    ("extra", "stream", "size", "index", "message"),
    [
        (b"", b"\x00" * 8, 1, b"0 2", "exceeds /Size"),
        (b"", b"\x00" * 8, 2, b"-1 2", "exceeds /Size"),
        (b"", b"\x00" * 8, 9_000_000, b"0 2", "/Size is invalid"),
        (b"", b"\x00" * 12, 3, b"0 2", "longer than its /Index"),
        (b"", b"\x00" * 4, 3, b"0 2", "shorter than its /Index"),
        (b" /Filter /FlateDecode", zlib.compress(bytes(12)), 3, b"0 2", "longer than its"),
        (b" /Filter /FlateDecode", zlib.compress(bytes(8))[:-6], 3, b"0 2", "truncated"),
        (
            b" /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 99999999 >>",
            zlib.compress(bytes(8)),
            3,
            b"0 2",
            "not supported",
        ),
    ],
)
def test_inconsistent_xref_streams_are_rejected(
    extra: bytes, stream: bytes, size: int, index: bytes, message: str
) -> None:
    with pytest.raises(StructureError, match=re.escape(message)):
        read_structure(_xref_file(extra, stream, size=size, index=index))


def test_xref_stream_field_widths_are_bounded() -> None:
    data = _xref_file(b"", b"\x00" * 8, size=2, index=b"0 2").replace(b"[1 2 1]", b"[1 99 1]")
    with pytest.raises(StructureError, match="/W must hold"):
        read_structure(data)


def _reference_unfilter(body: bytes, columns: int) -> bytes:
    """PNG un-prediction byte by byte, straight from the PNG specification."""
    out = bytearray()
    previous = [0] * columns
    for start in range(0, len(body), columns + 1):
        kind, row = body[start], list(body[start + 1 : start + columns + 1])
        for i in range(columns):
            left = row[i - 1] if i else 0
            up, corner = previous[i], previous[i - 1] if i else 0
            if kind == 1:
                add = left
            elif kind == 2:
                add = up
            elif kind == 3:
                add = (left + up) // 2
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                add = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            else:
                add = 0
            row[i] = (row[i] + add) & 0xFF
        out += bytes(row)
        previous = row
    return bytes(out)


@pytest.mark.parametrize("columns", [1, 3, 7, 20])
def test_png_unfilter_matches_the_reference(columns: int) -> None:
    rows = []
    for i in range(200):
        rows.append(bytes([i % 5]) + os.urandom(columns))
    body = b"".join(rows)
    assert _png_unfilter(body, columns) == _reference_unfilter(body, columns)


def test_png_unfilter_of_many_up_rows_is_fast() -> None:
    columns = 8
    body = (b"\x02" + bytes(range(1, columns + 1))) * 300_000
    start = time.perf_counter()
    out = _png_unfilter(body, columns)
    assert time.perf_counter() - start < _FAST
    assert len(out) == 300_000 * columns
    assert out[-columns:] == bytes((k * 300_000) & 0xFF for k in range(1, columns + 1))


def test_unknown_png_row_filter_is_rejected() -> None:
    with pytest.raises(StructureError, match="unknown PNG predictor"):
        _png_unfilter(b"\x07" + bytes(4), 4)
