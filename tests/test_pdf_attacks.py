"""Attacks on PDF signatures (spec pdf-stamping.md §11-§12): each is built from a good stamped
file, and none may come out PASSED. Raw updates are written by ``pdf_support.append_update``,
not by trustkit's writer."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pdf_support as ps
import pikepdf
import pytest

from trustkit import pdf as tkpdf
from trustkit import seal as tkseal
from trustkit.pdf._appearance import image_streams
from trustkit.pdf._container import CmsTemplate
from trustkit.seal import DocumentReport
from trustkit.sm3 import sm3


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


def _reasons(report: DocumentReport) -> set[str]:
    found = {c.reason for c in report.checks if c.reason != "ok"}
    for sig in report.signatures:
        found |= set(sig.reasons)
    return found


def _assert_caught(kit: ps.SealKit, data: bytes, *expected: str) -> DocumentReport:
    report = _verify(kit, data)
    assert report.status.value != "PASSED", report.to_text()
    reasons = _reasons(report)
    assert any(e in reasons for e in expected), (expected, reasons, report.to_text())
    return report


# --- in-place edits of the signature dictionary (same length, offsets unchanged) ---------------


def _sig_span(data: bytes) -> tuple[int, int]:
    start = data.rfind(b"<< /Type /Sig")
    return start, data.index(b"endobj", start)


def _replace_entry(data: bytes, key: bytes, replacement: bytes) -> bytes:
    start, end = _sig_span(data)
    pattern = re.compile(re.escape(key) + rb" (\[[^\]]*\]|<[0-9A-Fa-f]*>)")
    match = pattern.search(data, start, end)
    assert match is not None
    old = match.group(0)
    new = replacement.ljust(len(old), b" ")
    assert len(new) == len(old)
    return data[: match.start()] + new + data[match.end() :]


def _br(data: bytes) -> list[int]:
    start, end = _sig_span(data)
    match = re.compile(rb"/ByteRange \[([^\]]*)\]").search(data, start, end)
    assert match is not None
    return [int(v) for v in match.group(1).split()]


USF_CONTENTS: dict[str, Callable[[bytes], bytes]] = {
    "contents-removed": lambda d: _replace_entry(d, b"/Contents", b""),
    "contents-null": lambda d: _replace_entry(d, b"/Contents", b"/Contents null"),
    "contents-empty": lambda d: _replace_entry(d, b"/Contents", b"/Contents <>"),
    "contents-zero": lambda d: _replace_entry(d, b"/Contents", b"/Contents <" + b"0" * 64 + b">"),
    "contents-dangling-ref": lambda d: _replace_entry(d, b"/Contents", b"/Contents 9999 0 R"),
    "contents-literal": lambda d: _replace_entry(d, b"/Contents", b"/Contents (MIIB)"),
}


@pytest.mark.parametrize("mutation", sorted(USF_CONTENTS))
def test_usf_broken_contents(kit: ps.SealKit, good: bytes, mutation: str) -> None:
    _assert_caught(kit, USF_CONTENTS[mutation](good), "pdf.contents_missing")


def _byterange_mutations(data: bytes) -> dict[str, bytes]:
    _, b, c, d = _br(data)
    size = len(data)
    edit = lambda text: _replace_entry(data, b"/ByteRange", b"/ByteRange " + text)  # noqa: E731
    return {
        "removed": _replace_entry(data, b"/ByteRange", b""),
        "null": _replace_entry(data, b"/ByteRange", b"/ByteRange null"),
        "empty": edit(b"[]"),
        "zeros": edit(b"[0 0 0 0]"),
        "non-integer": edit(b"[0 %d (x) %d]" % (b, d)),
        "real-numbers": edit(b"[0 %d.0 %d %d]" % (b, c, d)),
        "negative": edit(b"[0 %d %d -%d]" % (b, c, d)),
        "overlapping": edit(b"[0 %d %d %d]" % (c, b, d)),
        "past-eof": edit(b"[0 %d %d %d]" % (b, c, size)),
        "not-from-zero": edit(b"[1 %d %d %d]" % (b - 1, c, d)),
        "three-values": edit(b"[0 %d %d]" % (b, c)),
        "gap-too-big": edit(b"[0 %d %d %d]" % (b - 10, c, d)),
    }


@pytest.mark.parametrize(
    "mutation",
    [
        "removed",
        "null",
        "empty",
        "zeros",
        "non-integer",
        "real-numbers",
        "negative",
        "overlapping",
        "past-eof",
        "not-from-zero",
        "three-values",
        "gap-too-big",
    ],
)
def test_usf_broken_byterange(kit: ps.SealKit, good: bytes, mutation: str) -> None:
    data = _byterange_mutations(good)[mutation]
    report = _assert_caught(kit, data, "pdf.byterange_invalid")
    assert report.signatures[0].facts["coverage"] == "UNCLEAR"


def test_usf_missing_filter_breaks_the_digest(kit: ps.SealKit, good: bytes) -> None:
    start, _ = _sig_span(good)
    old = b"/Filter /Adobe.PPKLite"
    at = good.index(old, start)
    data = good[:at] + b" " * len(old) + good[at + len(old) :]
    _assert_caught(kit, data, "cms.content_digest_mismatch")


def test_garbage_contents_is_an_unknown_format(kit: ps.SealKit, good: bytes) -> None:
    start, end = _sig_span(good)
    match = re.compile(rb"/Contents <([0-9A-F]*)>").search(good, start, end)
    assert match is not None
    garbage = (b"0123456789ABCDEF" * len(match.group(1)))[: len(match.group(1))]
    data = good[: match.start(1)] + garbage + good[match.end(1) :]
    _assert_caught(kit, data, "pdf.contents_format_unknown", "pdf.contents_trailing_data")


# --- incremental saving attacks ----------------------------------------------------------------


def _content_change(
    data: bytes, text: bytes = b"Licence No. 0001 valid until 2099-12-31"
) -> dict[int, bytes]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        num = pdf.pages[0].obj.Contents.objgen[0]
    ops = b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj ET\n"
    return {num: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(ops), ops)}


def test_isa_appended_content_change(kit: ps.SealKit, good: bytes) -> None:
    data = ps.append_update(good, _content_change(good))
    report = _assert_caught(kit, data, "pdf.modification_disallowed")
    sig = report.signatures[0]
    assert sig.facts["coverage"] == "ENTIRE_REVISION"
    assert sig.check("content-digest").status.value == "PASSED"  # the signature itself is intact
    assert sig.facts["modification_level"] == "OTHER"


def test_isa_without_xref_or_trailer(kit: ps.SealKit, good: bytes) -> None:
    data = ps.append_update(good, _content_change(good), xref=False)
    _assert_caught(kit, data, "pdf.trailing_garbage", "pdf.structure_invalid")


def test_isa_with_xref_but_no_trailer(kit: ps.SealKit, good: bytes) -> None:
    data = ps.append_update(good, _content_change(good))
    at = data.rindex(b"trailer")
    data = data[:at] + data[data.rindex(b"startxref") :]
    _assert_caught(kit, data, "pdf.structure_invalid", "pdf.trailing_garbage")


def test_isa_with_trailer_but_no_xref(kit: ps.SealKit, good: bytes) -> None:
    body = ps.append_update(good, _content_change(good), xref=False)
    root = ps.trailer_root(good)
    data = body + b"trailer\n<< /Size 99 /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        root,
        ps.startxref(good),
        ps.startxref(good),
    )
    _assert_caught(kit, data, "pdf.trailing_garbage", "pdf.structure_invalid")


def test_eof_marker_inside_a_trailer_does_not_split_revisions(kit: ps.SealKit, good: bytes) -> None:
    root = ps.trailer_root(good)
    trailer = b"<< /Size 99 /Root %s /Note (%%%%EOF) /Prev %d >>" % (root, ps.startxref(good))
    data = ps.append_update(good, _content_change(good), trailer=trailer)
    report = _assert_caught(kit, data, "pdf.modification_disallowed")
    assert report.facts["revisions"] == 3  # the original, the seal, the attack


def test_injected_linearization_dictionary(kit: ps.SealKit, good: bytes) -> None:
    num = ps.next_number(good)
    data = ps.append_update(
        good, {num: b"<< /Linearized 1 /L %d /O 3 /E 100 /N 1 /T 100 /H [0 0] >>" % len(good)}
    )
    report = _assert_caught(kit, data, "pdf.modification_disallowed")
    assert "linearization" in report.signatures[0].check("pdf-modifications").detail


# --- signature wrapping -------------------------------------------------------------------------


def test_signature_wrapping_moved_byterange(kit: ps.SealKit, good: bytes) -> None:
    _, b, c, d = _br(good)
    payload = b" %" + b" 9 0 obj (injected) endobj " + b"\n"
    moved = good[:c] + payload + good[c:]
    moved = _replace_entry(
        moved, b"/ByteRange", b"/ByteRange [0 %d %d %d]" % (b, c + len(payload), d)
    )
    _assert_caught(
        kit,
        moved,
        "pdf.byterange_invalid",
        "pdf.signature_dictionary_invalid",
        "pdf.structure_invalid",
    )


# --- coverage anomalies (validly signed, wrong coverage) ----------------------------------------


def _resign(kit: ps.SealKit, data: bytes, br_text: bytes, ranges: list[tuple[int, int]]) -> bytes:
    """Write ``br_text`` as the ByteRange, then sign exactly ``ranges`` of the result."""
    data = _replace_entry(data, b"/ByteRange", b"/ByteRange " + br_text)
    digest = sm3(b"".join(data[s : s + n] for s, n in ranges))
    container = CmsTemplate(kit.key, kit.cert, era=ps.SIGNING_TIME).sign(digest, ps.SIGNING_TIME)
    start, end = _sig_span(data)
    match = re.compile(rb"/Contents <([0-9A-F]*)>").search(data, start, end)
    assert match is not None
    hexed = container.hex().upper().encode().ljust(len(match.group(1)), b"0")
    return data[: match.start(1)] + hexed + data[match.end(1) :]


def test_coverage_tail_uncovered(kit: ps.SealKit, good: bytes) -> None:
    _, b, c, d = _br(good)
    data = _resign(kit, good, b"[0 %d %d %d]" % (b, c, d - 40), [(0, b), (c, d - 40)])
    report = _assert_caught(kit, data, "pdf.coverage_partial")
    sig = report.signatures[0]
    assert sig.facts["coverage"] == "CONTIGUOUS_BLOCK_FROM_START"
    assert sig.check("content-digest").status.value == "PASSED"


def test_coverage_gap_too_big(kit: ps.SealKit, good: bytes) -> None:
    _, b, c, d = _br(good)
    data = _resign(kit, good, b"[0 %d %d %d]" % (b - 20, c, d), [(0, b - 20), (c, d)])
    report = _assert_caught(kit, data, "pdf.byterange_invalid")
    assert report.signatures[0].facts["coverage"] == "UNCLEAR"


def test_coverage_one_byterange(kit: ps.SealKit, good: bytes) -> None:
    _, b, _c, _d = _br(good)
    data = _resign(kit, good, b"[0 %d]" % b, [(0, b)])
    _assert_caught(kit, data, "pdf.byterange_invalid")


def test_coverage_weird_byterange(kit: ps.SealKit, good: bytes) -> None:
    _, b, c, d = _br(good)
    data = _resign(kit, good, b"[0 %d %d %d 0 0]" % (b, c, d), [(0, b), (c, d)])
    _assert_caught(kit, data, "pdf.byterange_invalid")


# --- shadow attacks ----------------------------------------------------------------------------


def _covered_document() -> tuple[bytes, int]:
    """A page whose hidden text is covered by a white box drawn by form XObject ``/Cover``."""
    base = ps.make_pdf(1)
    pdf = pikepdf.open(io.BytesIO(base))
    page = pdf.pages[0]
    cover = pdf.make_stream(
        b"1 1 1 rg 60 700 400 100 re f",
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Form,
        BBox=[0, 0, 595, 842],
    )
    page.Resources.XObject = pikepdf.Dictionary(Cover=cover)
    page.Contents = pdf.make_stream(
        b"BT /F1 14 Tf 72 730 Td (Pay 1,000,000 to Mallory) Tj ET\n/Cover Do\n"
        b"BT /F1 14 Tf 72 600 Td (Licence No. 0001) Tj ET\n"
    )
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable, static_id=True)
    return out.getvalue(), cover.objgen[0]


def test_shadow_hide_by_replacing_the_cover(kit: ps.SealKit) -> None:
    base, cover = _covered_document()
    signed = tkpdf.stamp_pdf(base, kit.seal, kit.key, kit.cert, at=ps.SIGNING_TIME)
    empty = b"<< /Type /XObject /Subtype /Form /BBox [0 0 1 1] /Length 0 >>\nstream\n\nendstream"
    report = _assert_caught(
        kit, ps.append_update(signed, {cover: empty}), "pdf.modification_disallowed"
    )
    assert f"object {cover} 0" in report.signatures[0].check("pdf-modifications").detail


def test_shadow_hide_by_xref_only_repointing(kit: ps.SealKit) -> None:
    base, cover = _covered_document()
    # before signing, an update leaves a harmless-looking empty version of the cover in the file
    empty = b"<< /Type /XObject /Subtype /Form /BBox [0 0 1 1] /Length 0 >>\nstream\n\nendstream"
    staged = ps.append_update(base, {cover: empty})
    hidden_at = staged.index(b"%d 0 obj" % cover, len(base))
    prepared = ps.append_update(staged, {cover: ps.object_body(base, cover)})  # cover restored
    signed = tkpdf.stamp_pdf(prepared, kit.seal, kit.key, kit.cert, at=ps.SIGNING_TIME)
    # the attack update has no objects: only an xref entry pointing at the old bytes
    root = ps.trailer_root(signed)
    xref_at = len(signed)
    section = (
        b"xref\n%d 1\n%010d 00000 n\r\n"
        b"trailer\n<< /Size 99 /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
    ) % (cover, hidden_at, root, ps.startxref(signed), xref_at)
    attack = signed + section
    report = _assert_caught(kit, attack, "pdf.modification_disallowed")
    assert "outside this update" in report.signatures[0].check("pdf-modifications").detail


def test_shadow_replace_font_used_by_page_content(kit: ps.SealKit, good: bytes) -> None:
    with pikepdf.open(io.BytesIO(good)) as pdf:
        font = pdf.pages[0].Resources.Font.F1.objgen[0]
    courier = b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"
    _assert_caught(kit, ps.append_update(good, {font: courier}), "pdf.modification_disallowed")


def test_shadow_replace_form_field_value(kit: ps.SealKit) -> None:
    base = ps.make_pdf(1)
    pdf = pikepdf.open(io.BytesIO(base))
    appearance = pdf.make_stream(
        b"BT /F1 12 Tf 2 4 Td (2027-12-31) Tj ET",
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Form,
        BBox=[0, 0, 100, 20],
        Resources=pdf.pages[0].Resources,
    )
    text_field = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            FT=pikepdf.Name.Tx,
            T=pikepdf.String("until"),
            V=pikepdf.String("2027-12-31"),
            Rect=[300, 600, 400, 620],
            P=pdf.pages[0].obj,
            AP=pikepdf.Dictionary(N=appearance),
        )
    )
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([text_field]))
    pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(Fields=pikepdf.Array([text_field])))
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable, static_id=True)
    signed = tkpdf.stamp_pdf(out.getvalue(), kit.seal, kit.key, kit.cert, at=ps.SIGNING_TIME)
    field_num, ap_num = text_field.objgen[0], appearance.objgen[0]
    new_ap = b"BT /F1 12 Tf 2 4 Td (2099-12-31) Tj ET"
    field_body = ps.object_body(signed, field_num).replace(b"(2027-12-31)", b"(2099-12-31)")
    ap_head = b"<< /Type /XObject /Subtype /Form /BBox [0 0 100 20] /Length %d >>" % len(new_ap)
    attack = ps.append_update(
        signed, {field_num: field_body, ap_num: ap_head + b"\nstream\n" + new_ap + b"\nendstream"}
    )
    _assert_caught(kit, attack, "pdf.modification_disallowed")


def test_shadow_hide_and_replace_root_swap(kit: ps.SealKit) -> None:
    base = ps.make_pdf(1)
    pdf = pikepdf.open(io.BytesIO(base))
    evil_page = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 595, 842],
            Contents=pdf.make_stream(b"BT /F1 30 Tf 72 700 Td (EVIL) Tj ET"),
        )
    )
    evil_pages = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Pages, Kids=[evil_page], Count=1)
    )
    evil_page.Parent = evil_pages
    evil_root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Catalog, Pages=evil_pages))
    pdf.Root.HiddenRef = evil_root  # keeps the shadow document in the file...
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable, static_id=True)
    signed = tkpdf.stamp_pdf(out.getvalue(), kit.seal, kit.key, kit.cert, at=ps.SIGNING_TIME)
    with pikepdf.open(io.BytesIO(signed)) as saved:
        evil = saved.Root.HiddenRef.objgen[0]  # numbers as written
    xref_at = len(signed)
    swapped = (
        signed
        + b"xref\n0 0\ntrailer\n<< /Size 99 /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
        % (evil, ps.startxref(signed), xref_at)
    )
    report = _assert_caught(kit, swapped, "pdf.modification_disallowed", "pdf.not_signed")
    assert report.status.value == "FAILED"


def test_shadow_hide_and_replace_pages_swap(kit: ps.SealKit, good: bytes) -> None:
    with pikepdf.open(io.BytesIO(good)) as pdf:
        root_num = pdf.Root.objgen[0]
    body = ps.object_body(good, root_num)
    num = ps.next_number(good)
    new_pages = b"<< /Type /Pages /Kids [] /Count 0 >>"
    evil_root = re.sub(rb"/Pages \d+ 0 R", b"/Pages %d 0 R" % num, body)
    _assert_caught(
        kit,
        ps.append_update(good, {root_num: evil_root, num: new_pages}),
        "pdf.modification_disallowed",
    )


# --- certification attacks ----------------------------------------------------------------------


def _certified(kit: ps.SealKit, permission: int) -> bytes:
    options = tkpdf.StampOptions(certify=permission)
    data = tkpdf.stamp_pdf(
        ps.make_pdf(1),
        kit.seal,
        kit.key,
        kit.cert,
        tkpdf.At(1, 150, 250),
        options=options,
        at=ps.SIGNING_TIME,
    )
    assert _verify(kit, data).status.value == "PASSED"
    return data


def _with_annotation(data: bytes) -> bytes:
    page_num, _ = ps.page_objgen(data)
    num = ps.next_number(data)
    annot = (
        b"<< /Type /Annot /Subtype /FreeText /Rect [60 720 500 780] /Contents (VOID)"
        b" /DA (/Helv 20 Tf 1 0 0 rg) >>"
    )
    page = ps.object_body(data, page_num)
    if b"/Annots [" in page:
        page = re.sub(rb"(/Annots \[[^\]]*)\]", lambda m: m.group(1) + b" %d 0 R]" % num, page)
    else:
        page = page[:-2] + b" /Annots [%d 0 R] >>" % num
    return ps.append_update(data, {page_num: page, num: annot})


@pytest.mark.parametrize("permission", [1, 2])
def test_evil_annotation_on_certified_document(kit: ps.SealKit, permission: int) -> None:
    report = _assert_caught(
        kit, _with_annotation(_certified(kit, permission)), "pdf.docmdp_violation"
    )
    assert report.signatures[0].facts["docmdp"] == permission


def test_annotation_after_p3_certification_is_allowed_but_reported(kit: ps.SealKit) -> None:
    report = _verify(kit, _with_annotation(_certified(kit, 3)))
    check = report.signatures[0].check("pdf-docmdp")
    assert check.reason == "pdf.annotations_added" and "FreeText" in check.detail


def test_annotation_after_approval_signature_is_disallowed(kit: ps.SealKit, good: bytes) -> None:
    _assert_caught(kit, _with_annotation(good), "pdf.modification_disallowed")


def test_sneaky_signature_on_certified_document(kit: ps.SealKit) -> None:
    certified = _certified(kit, 2)
    attacker = ps.make_kit(pki=kit.pki, size_mm=190)  # a "seal" as large as the page text
    sneaky = tkpdf.stamp_pdf(
        certified,
        attacker.seal,
        attacker.key,
        attacker.cert,
        tkpdf.At(1, 105, 140),
        at=ps.SIGNING_TIME,
    )
    report = _assert_caught(kit, sneaky, "pdf.new_widget_suspicious")
    assert report.signatures[0].check("pdf-new-widgets").status.value == "INDETERMINATE"


def test_second_seal_after_p1_certification_violates_docmdp(kit: ps.SealKit) -> None:
    certified = _certified(kit, 1)
    later = tkpdf.stamp_pdf(
        certified, kit.seal, kit.key, kit.cert, tkpdf.At(1, 40, 250), at=ps.SIGNING_TIME
    )
    _assert_caught(kit, later, "pdf.docmdp_violation")


# --- e-seal attacks -----------------------------------------------------------------------------


def _same_length_seal(kit: ps.SealKit, signer: tkseal.Seal) -> tkseal.Seal:
    for _ in range(50):
        other = ps.make_kit(pki=kit.pki).seal
        if len(other.der) == len(signer.der):
            return other
    raise AssertionError("no seal of the same length")


def test_swapped_seal_inside_ses(kit: ps.SealKit) -> None:
    options = tkpdf.StampOptions(format="ses")
    data = tkpdf.stamp_pdf(
        ps.make_pdf(1), kit.seal, kit.key, kit.cert, options=options, at=ps.SIGNING_TIME
    )
    other = _same_length_seal(kit, kit.seal)
    old_hex, new_hex = kit.seal.der.hex().upper().encode(), other.der.hex().upper().encode()
    assert data.count(old_hex) == 1
    report = _assert_caught(kit, data.replace(old_hex, new_hex), "sig.signature_invalid")
    assert report.signatures[0].check("data-hash").status.value == "PASSED"


def test_swapped_seal_in_the_signature_dictionary(kit: ps.SealKit, good: bytes) -> None:
    other = _same_length_seal(kit, kit.seal)
    old_hex, new_hex = kit.seal.der.hex().upper().encode(), other.der.hex().upper().encode()
    _assert_caught(kit, good.replace(old_hex, new_hex), "cms.content_digest_mismatch")


def test_signer_not_in_the_seals_list(kit: ps.SealKit) -> None:
    other = kit.pki.other
    listing_other = ps.make_kit(pki=kit.pki, signer_certs=[other.cert]).seal
    sealer = tkpdf.PdfSealer(listing_other, other.key, other.cert)
    sealer.seal, sealer._seal_hex = (
        kit.seal,
        kit.seal.der.hex().upper().encode(),
    )  # lists only kit.cert
    data = sealer.stamp(ps.make_pdf(1), at=ps.SIGNING_TIME)
    report = _assert_caught(kit, data, "sig.signer_not_in_seal_certlist")
    assert report.signatures[0].check("signature").status.value == "PASSED"


class _NoTimeCheck(tkpdf.PdfSealer):
    def _check_time(self, moment: datetime) -> None:
        return None


def test_expired_seal(kit: ps.SealKit) -> None:
    expired = ps.make_kit(pki=kit.pki, valid_to=datetime(2025, 3, 1, tzinfo=UTC))
    data = _NoTimeCheck(expired.seal, kit.key, kit.cert).stamp(ps.make_pdf(1), at=ps.SIGNING_TIME)
    report = _assert_caught(kit, data, "sig.seal_not_valid_at_signing_time")
    assert report.signatures[0].check("signature").status.value == "PASSED"


def test_appearance_picture_differs_from_the_seal_picture(kit: ps.SealKit) -> None:
    sealer = tkpdf.PdfSealer(kit.seal, kit.key, kit.cert)
    forged = tkseal.SealPicture.from_image(ps.seal_png(96), 40, 40)
    sealer.image = image_streams(forged)  # draws another picture than the seal's
    data = sealer.stamp(ps.make_pdf(1), at=ps.SIGNING_TIME)
    report = _assert_caught(kit, data, "pdf.display_mismatch")
    check = report.signatures[0].check("pdf-display")
    assert check.status.value == "INDETERMINATE"


def test_ses_declared_as_pkcs7_is_sniffed_with_a_warning(kit: ps.SealKit) -> None:
    options = tkpdf.StampOptions(format="ses", subfilter="adbe.pkcs7.detached")
    data = tkpdf.stamp_pdf(
        ps.make_pdf(1), kit.seal, kit.key, kit.cert, options=options, at=ps.SIGNING_TIME
    )
    report = _verify(kit, data)
    check = report.signatures[0].check("pdf-subfilter")
    assert check.status.value == "WARNING" and check.reason == "pdf.subfilter_mismatch"
    assert report.signatures[0].facts["format"] == "ses"


# --- every single-byte change ------------------------------------------------------------------


@pytest.mark.parametrize("seals", [1, 2])
def test_no_single_byte_change_passes_and_none_raises(
    kit: ps.SealKit, good: bytes, seals: int
) -> None:
    """Every byte outside the last /Contents container is signed (or is the gap's padding and
    delimiters, which the container checks cover), so no change there may pass. Inside the
    container, the SignedData fields that CMS does not sign (version, algorithm sets, …) are
    malleable by design; changes there must still never raise."""
    import random

    if seals == 2:
        good = tkpdf.stamp_pdf(
            good, kit.seal, kit.key, kit.cert, tkpdf.At(1, 50, 200), at=ps.SIGNING_TIME
        )
    rng = random.Random(20250601 + seals)
    verifier = tkpdf.PdfVerifier(trust=kit.anchors, at=ps.CHECK_TIME)
    _, gap_start, gap_end, _ = _br(good)
    raw = bytes.fromhex(good[gap_start + 1 : gap_end - 1].decode())
    der_end = gap_start + 1 + 2 * (4 + int.from_bytes(raw[2:4], "big"))
    positions = rng.sample(range(5, len(good)), 300)
    start, _ = _sig_span(good)
    positions += [*range(start, start + 40), *range(len(good) - 40, len(good))]
    positions += [gap_start, gap_end - 1, der_end, der_end + 1, gap_end - 2]
    for position in positions:
        mutated = bytearray(good)
        mutated[position] = (mutated[position] + rng.randrange(1, 256)) % 256
        report = verifier.verify(bytes(mutated))
        if gap_start < position < der_end:
            continue
        assert report.status.value != "PASSED", (
            position,
            bytes(good[position - 20 : position + 5]),
        )
