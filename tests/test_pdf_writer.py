"""The append-only writer and the revision reader (spec pdf-stamping.md §7-§9)."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pdf_support as ps
import pikepdf
import pytest

from trustkit import pdf as tkpdf
from trustkit.exceptions import MalformedInput
from trustkit.pdf._document import RefusedDocument
from trustkit.pdf._xref import StructureError, read_structure


@pytest.fixture(scope="module")
def kit() -> ps.SealKit:
    return ps.make_kit()


@pytest.fixture(scope="module")
def sealer(kit: ps.SealKit) -> tkpdf.PdfSealer:
    return tkpdf.PdfSealer(kit.seal, kit.key, kit.cert)


def qpdf_check(tmp_path: Path, data: bytes) -> str:
    tool = ps.require_tool("qpdf")
    path = tmp_path / "check.pdf"
    path.write_bytes(data)
    run = subprocess.run([tool, "--check", str(path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "WARNING" not in run.stdout + run.stderr
    return run.stdout


@pytest.mark.parametrize("xref_stream", [False, True], ids=["table", "stream"])
def test_update_is_appended_with_matching_xref_kind(
    tmp_path: Path, sealer: tkpdf.PdfSealer, xref_stream: bool
) -> None:
    base = ps.make_pdf(2, xref_stream=xref_stream)
    out = sealer.stamp(base, tkpdf.At(1, 60, 60), at=ps.SIGNING_TIME)
    assert out.startswith(base)
    tail = out[len(base) :]
    assert tail.count(b"%%EOF") == 1 and out.endswith(b"%%EOF\n")
    if xref_stream:
        assert b"/Type /XRef" in tail and b"\nxref\n" not in tail
    else:
        assert b"\nxref\n" in tail and b"trailer" in tail and b"/Type /XRef" not in tail
    assert re.search(rb"/Prev %d\b" % ps.startxref(base), tail)
    structure = read_structure(out)
    assert [r.section.kind for r in structure.revisions] == [
        "stream" if xref_stream else "table"
    ] * 2
    assert structure.revisions[0].end == len(base)
    assert structure.revisions[1].start == len(base)
    qpdf_check(tmp_path, out)


@pytest.mark.parametrize("xref_stream", [False, True], ids=["table", "stream"])
def test_several_seals_keep_every_earlier_revision_intact(
    tmp_path: Path, kit: ps.SealKit, sealer: tkpdf.PdfSealer, xref_stream: bool
) -> None:
    data = ps.make_pdf(3, xref_stream=xref_stream)
    prefixes = [data]
    for n in range(3):
        data = sealer.stamp(data, tkpdf.At(n + 1, 50 + 30 * n, 80), at=ps.SIGNING_TIME)
        prefixes.append(data)
        qpdf_check(tmp_path, data)
    for earlier in prefixes:
        assert data.startswith(earlier)
    report = tkpdf.verify_pdf(data, trust=kit.anchors, at=ps.CHECK_TIME)
    assert report.status.value == "PASSED", report.to_text()
    coverage = [s.facts["coverage"] for s in report.signatures]
    assert coverage == ["ENTIRE_REVISION", "ENTIRE_REVISION", "ENTIRE_FILE"]
    assert [s.facts["modification_level"] for s in report.signatures] == [
        "FORM_FILLING",
        "FORM_FILLING",
        "NONE",
    ]


@pytest.mark.parametrize("acroform", ["direct", "indirect"])
def test_existing_acroform_gets_the_field(sealer: tkpdf.PdfSealer, acroform: str) -> None:
    base = ps.make_pdf(1, acroform=acroform)
    out = sealer.stamp(base, at=ps.SIGNING_TIME)
    with pikepdf.open(io.BytesIO(out)) as pdf:
        fields = pdf.Root.AcroForm.Fields
        assert len(fields) == 1 and str(fields[0].T) == "Seal1"
        assert int(pdf.Root.AcroForm.SigFlags) == 3
        assert fields[0].V.Type == pikepdf.Name.Sig


def test_new_objects_are_numbered_from_size_and_changed_ones_keep_theirs(
    sealer: tkpdf.PdfSealer,
) -> None:
    base = ps.make_pdf(1)
    size = read_structure(base).last.trailer["Size"]
    page = ps.page_objgen(base)
    out = sealer.stamp(base, at=ps.SIGNING_TIME)
    update = read_structure(out).last
    numbers = set(update.entries)
    assert page[0] in numbers  # the page is rewritten with its own number
    new = sorted(n for n in numbers if n >= size)
    assert new == list(range(size, size + len(new)))
    assert update.trailer["Size"] == max(numbers) + 1


def test_signature_contents_are_sized_from_the_actual_signature(sealer: tkpdf.PdfSealer) -> None:
    out = sealer.stamp(ps.make_pdf(1), at=ps.SIGNING_TIME)
    match = re.search(rb"/Contents <([0-9A-F]*)>", out[len(ps.make_pdf(1)) :])
    assert match is not None
    raw = bytes.fromhex(match.group(1).decode())
    der_length = 4 + int.from_bytes(raw[2:4], "big")  # 30 82 LL LL
    assert raw[0] == 0x30 and raw[1] == 0x82
    assert len(raw) - der_length <= 2  # only the slack of a shorter SM2 signature
    assert not any(raw[der_length:])


def test_structure_reader_rejects_missing_xref_and_counts_trailing_garbage(
    sealer: tkpdf.PdfSealer,
) -> None:
    out = sealer.stamp(ps.make_pdf(1), at=ps.SIGNING_TIME)
    with pytest.raises(StructureError) as info:
        read_structure(out + b"9 0 obj\n<< >>\nendobj\n")
    assert info.value.reason == "pdf.trailing_garbage"
    assert read_structure(out + b"junk", allow_trailing=True).trailing == 4
    assert read_structure(out + b"\n\n").trailing == 0
    broken = out.replace(b"startxref\n%d\n" % ps.startxref(out), b"startxref\n12\n")
    with pytest.raises(StructureError):
        read_structure(broken)


def test_linearized_original_is_one_revision(
    tmp_path: Path, kit: ps.SealKit, sealer: tkpdf.PdfSealer
) -> None:
    tool = ps.require_tool("qpdf")
    src, lin = tmp_path / "in.pdf", tmp_path / "lin.pdf"
    src.write_bytes(ps.make_pdf(3))
    subprocess.run([tool, "--linearize", str(src), str(lin)], check=True, timeout=60)
    data = lin.read_bytes()
    structure = read_structure(data)
    assert structure.linearized and len(structure.revisions) == 1
    assert len(structure.revisions[0].sections) == 2
    out = sealer.stamp(data, at=ps.SIGNING_TIME)
    assert out.startswith(data)
    report = tkpdf.verify_pdf(out, trust=kit.anchors, at=ps.CHECK_TIME)
    assert report.status.value == "PASSED", report.to_text()


def test_encrypted_input_is_refused(sealer: tkpdf.PdfSealer) -> None:
    plain = pikepdf.open(io.BytesIO(ps.make_pdf(1)))
    buffer = io.BytesIO()
    plain.save(buffer, encryption=pikepdf.Encryption(owner="o", user="", R=4))
    with pytest.raises(RefusedDocument) as info:
        sealer.stamp(buffer.getvalue(), at=ps.SIGNING_TIME)
    assert info.value.reason == "pdf.encrypted_unsupported"


def _damaged() -> bytes:
    base = ps.make_pdf(1)
    offset = ps.startxref(base)
    return base[:offset] + b"\n" * 7 + base[offset:]  # every xref offset is now wrong by 7


def test_input_qpdf_must_repair_is_refused_unless_normalised(kit: ps.SealKit) -> None:
    damaged = _damaged()
    sealer = tkpdf.PdfSealer(kit.seal, kit.key, kit.cert)
    with pytest.raises(MalformedInput) as info:
        sealer.stamp(damaged, at=ps.SIGNING_TIME)
    assert getattr(info.value, "reason", "") in ("pdf.structure_invalid", "pdf.structure_repaired")
    normalising = tkpdf.PdfSealer(kit.seal, kit.key, kit.cert, tkpdf.StampOptions(normalize=True))
    out = normalising.stamp(damaged, at=ps.SIGNING_TIME)
    report = tkpdf.verify_pdf(out, trust=kit.anchors, at=ps.CHECK_TIME)
    assert report.status.value == "PASSED"


def test_signed_document_is_never_normalised(kit: ps.SealKit, sealer: tkpdf.PdfSealer) -> None:
    signed = sealer.stamp(ps.make_pdf(1), at=ps.SIGNING_TIME)
    damaged = signed + b"garbage after the end"
    normalising = tkpdf.PdfSealer(kit.seal, kit.key, kit.cert, tkpdf.StampOptions(normalize=True))
    with pytest.raises(RefusedDocument) as info:
        normalising.stamp(damaged, at=ps.SIGNING_TIME)
    assert info.value.reason == "pdf.normalise_signed"
