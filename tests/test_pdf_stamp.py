"""Stamping: fields, widgets, appearance at real size, placement modes, formats; and the
independent checks (qpdf, pdftoppm, pyHanko) on trustkit's output."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pdf_support as ps
import pikepdf
import pytest

from trustkit import pdf as tkpdf
from trustkit import seal as tkseal
from trustkit.exceptions import CertificateError
from trustkit.pdf._appearance import decode_picture
from trustkit.pdf._stamp import SEAL_KEY

MM = 72 / 25.4


@pytest.fixture(scope="module")
def kit() -> ps.SealKit:
    return ps.make_kit()


_OPEN: list[pikepdf.Pdf] = []  # keeps the documents alive while tests look at their objects


def _widgets(data: bytes) -> list[tuple[int, list[float], pikepdf.Dictionary]]:
    out = []
    pdf = pikepdf.open(io.BytesIO(data))
    _OPEN.append(pdf)
    for index, page in enumerate(pdf.pages):
        for annot in page.obj.get("/Annots", []):
            if annot.get("/Subtype") == pikepdf.Name.Widget:
                out.append((index, [float(v) for v in annot.Rect], annot))
    return out


def _sig_dict(data: bytes, field: str = "Seal1") -> dict[str, object]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for item in pdf.Root.AcroForm.Fields:
            if str(item.T) == field:
                sig = item.V
                return {k: sig.get(k) for k in sig if k != "/Contents"} | {
                    "len": len(bytes(sig.Contents))
                }
    raise KeyError(field)


def test_coordinates_give_a_seal_of_real_size_centred_where_asked(kit: ps.SealKit) -> None:
    out = tkpdf.stamp_pdf(
        ps.make_pdf(2), kit.seal, kit.key, kit.cert, tkpdf.At(2, 50, 100), at=ps.SIGNING_TIME
    )
    [(page, rect, annot)] = _widgets(out)
    assert page == 1
    width, height = rect[2] - rect[0], rect[3] - rect[1]
    assert width == pytest.approx(40 * MM, abs=0.01) and height == pytest.approx(40 * MM, abs=0.01)
    assert (rect[0] + rect[2]) / 2 == pytest.approx(50 * MM, abs=0.01)
    assert (rect[1] + rect[3]) / 2 == pytest.approx(841.89 - 100 * MM, abs=0.01)
    assert int(annot.F) & 4  # printed
    form = annot.AP.N
    assert [float(v) for v in form.BBox] == pytest.approx([0, 0, width, height], abs=0.01)
    image = form.Resources.XObject.Im0
    decoded = decode_picture(kit.seal.picture.data)
    assert (int(image.Width), int(image.Height)) == (decoded.width, decoded.height)
    assert image.read_bytes() == decoded.rgb
    assert image.SMask.read_bytes() == decoded.alpha  # PNG alpha kept as a soft mask
    assert decoded.alpha is not None and 0 in decoded.alpha


def test_signature_dictionary_entries(kit: ps.SealKit) -> None:
    options = tkpdf.StampOptions(reason="批准发证", location="Beijing", signer_name="Seal Signer")
    out = tkpdf.stamp_pdf(
        ps.make_pdf(1), kit.seal, kit.key, kit.cert, options=options, at=ps.SIGNING_TIME
    )
    sig = _sig_dict(out)
    assert sig["/Filter"] == pikepdf.Name("/Adobe.PPKLite")
    assert sig["/SubFilter"] == pikepdf.Name("/adbe.pkcs7.detached")
    assert str(sig["/M"]) == "D:20250601120000Z"
    assert str(sig["/Reason"]) == "批准发证" and str(sig["/Location"]) == "Beijing"
    assert bytes(sig["/" + SEAL_KEY]) == kit.seal.der  # type: ignore[arg-type]
    report = tkpdf.verify_pdf(out, trust=kit.anchors, at=ps.CHECK_TIME)
    facts = report.signatures[0].facts
    assert facts["reason"] == "批准发证" and facts["claimed_time"] == "D:20250601120000Z"
    assert facts["cms_signing_time"].startswith("2025-06-01T12:00:00")


def test_keyword_placement_finds_cjk_text(kit: ps.SealKit) -> None:
    base = ps.make_pdf(3, keyword_on=(0, 2))
    sealer = tkpdf.PdfSealer(kit.seal, kit.key, kit.cert)
    last = sealer.stamp(base, tkpdf.Keyword(ps.KEYWORD), at=ps.SIGNING_TIME)
    [(page, rect, _)] = _widgets(last)
    assert page == 2
    # the phrase is drawn at x = 380 pt, 4 glyphs of 16 pt, baseline 150 pt
    assert (rect[0] + rect[2]) / 2 == pytest.approx(380 + 32, abs=1.0)
    assert 140 < (rect[1] + rect[3]) / 2 < 170
    first = sealer.stamp(
        base, tkpdf.Keyword(ps.KEYWORD, order="first", dx_mm=10), at=ps.SIGNING_TIME
    )
    [(page, rect2, _)] = _widgets(first)
    assert page == 0 and (rect2[0] + rect2[2]) / 2 == pytest.approx(412 + 10 * MM, abs=1.0)
    every = sealer.stamp(base, tkpdf.Keyword(ps.KEYWORD, order="all"), at=ps.SIGNING_TIME)
    assert sorted(p for p, _, _ in _widgets(every)) == [0, 2]
    report = tkpdf.verify_pdf(every, trust=kit.anchors, at=ps.CHECK_TIME)
    assert report.status.value == "PASSED", report.to_text()


def test_keyword_not_found_is_reported(kit: ps.SealKit) -> None:
    with pytest.raises(tkpdf.KeywordNotFound) as info:
        tkpdf.stamp_pdf(ps.make_pdf(2), kit.seal, kit.key, kit.cert, tkpdf.Keyword("乙方盖章"))
    assert info.value.reason == "stamp.keyword_not_found"


def test_riding_seam_cuts_the_seal_across_page_edges(kit: ps.SealKit) -> None:
    out = tkpdf.stamp_pdf(
        ps.make_pdf(4), kit.seal, kit.key, kit.cert, tkpdf.RidingSeam(), at=ps.SIGNING_TIME
    )
    widgets = _widgets(out)
    assert [p for p, _, _ in widgets] == [0, 1, 2, 3]
    strip = 40 * MM / 4
    shifts = []
    for _page, rect, annot in widgets:
        assert rect[2] == pytest.approx(595.28, abs=0.01)  # at the right edge
        assert rect[2] - rect[0] == pytest.approx(strip, abs=0.01)
        content = annot.AP.N.read_bytes().decode()
        shifts.append(float(content.split()[5]))
        assert pikepdf.Name.Sig == annot.Parent.FT
    assert shifts == pytest.approx([0, -strip, -2 * strip, -3 * strip], abs=0.01)
    report = tkpdf.verify_pdf(out, trust=kit.anchors, at=ps.CHECK_TIME)
    assert report.status.value == "PASSED", report.to_text()
    assert report.signatures[0].check("pdf-display").detail.startswith("4 widget(s)")


def test_ses_format_puts_an_ses_signature_over_the_byterange(kit: ps.SealKit) -> None:
    options = tkpdf.StampOptions(format="ses")
    out = tkpdf.stamp_pdf(
        ps.make_pdf(1), kit.seal, kit.key, kit.cert, options=options, at=ps.SIGNING_TIME
    )
    with pikepdf.open(io.BytesIO(out)) as pdf:
        sig = pdf.Root.AcroForm.Fields[0].V
        raw = bytes(sig.Contents)
        byte_range = [int(v) for v in sig.ByteRange]
        assert SEAL_KEY not in [k.lstrip("/") for k in sig]
    parsed = tkseal.load_seal_signature(raw[: 4 + int.from_bytes(raw[2:4], "big")])
    signed = out[: byte_range[1]] + out[byte_range[2] :]
    from trustkit.sm3 import sm3

    assert parsed.data_hash == sm3(signed)
    assert parsed.property_info == "pdf ByteRange" + "".join(f" {n:010d}" for n in byte_range)
    assert parsed.seal.der == kit.seal.der
    report = tkpdf.verify_pdf(out, trust=kit.anchors, at=ps.CHECK_TIME)
    assert report.status.value == "PASSED", report.to_text()
    assert report.signatures[0].facts["format"] == "ses"


def test_invisible_signature_has_no_appearance(kit: ps.SealKit) -> None:
    out = tkpdf.stamp_pdf(
        ps.make_pdf(1), kit.seal, kit.key, kit.cert, tkpdf.Invisible(), at=ps.SIGNING_TIME
    )
    [(_, rect, annot)] = _widgets(out)
    assert rect == [0, 0, 0, 0] and "/AP" not in annot
    report = tkpdf.verify_pdf(out, trust=kit.anchors, at=ps.CHECK_TIME)
    assert report.signatures[0].check("pdf-display").reason == "pdf.invisible"


def test_trust_decides_passed_or_indeterminate(kit: ps.SealKit) -> None:
    out = tkpdf.stamp_pdf(ps.make_pdf(1), kit.seal, kit.key, kit.cert, at=ps.SIGNING_TIME)
    assert tkpdf.verify_pdf(out, trust=kit.anchors, at=ps.CHECK_TIME).status.value == "PASSED"
    untrusted = tkpdf.verify_pdf(out, at=ps.CHECK_TIME)
    assert untrusted.status.value == "INDETERMINATE"
    assert "sig.signer_cert_untrusted" in untrusted.signatures[0].reasons
    other = ps.make_kit()
    assert (
        tkpdf.verify_pdf(out, trust=other.anchors, at=ps.CHECK_TIME).status.value == "INDETERMINATE"
    )


def test_sealer_refuses_signer_outside_the_seal_and_times_outside_validity(kit: ps.SealKit) -> None:
    with pytest.raises(CertificateError):
        tkpdf.PdfSealer(kit.seal, kit.pki.other.key, kit.pki.other.cert)
    sealer = tkpdf.PdfSealer(kit.seal, kit.key, kit.cert)
    with pytest.raises(CertificateError):
        sealer.stamp(ps.make_pdf(1), at=datetime(2031, 1, 1, tzinfo=UTC))


def test_report_json_has_the_common_shape(kit: ps.SealKit) -> None:
    import json

    out = tkpdf.stamp_pdf(ps.make_pdf(1), kit.seal, kit.key, kit.cert, at=ps.SIGNING_TIME)
    data = json.loads(tkpdf.verify_pdf(out, trust=kit.anchors, at=ps.CHECK_TIME).to_json())
    assert data["status"] == "PASSED" and isinstance(data["checks"], list)
    [signature] = data["signatures"]
    assert signature["status"] == "PASSED" and signature["subject"] == "Seal1"
    names = {c["name"] for c in signature["checks"]}
    assert {
        "pdf-byterange",
        "pdf-coverage",
        "content-digest",
        "signature",
        "seal-signature",
        "signer-in-certlist",
        "pdf-modifications",
        "pdf-display",
    } <= names
    assert signature["facts"]["coverage"] == "ENTIRE_FILE"


# --- independent checks -----------------------------------------------------------------------


def test_pdftoppm_renders_the_seal_where_it_is(tmp_path: Path, kit: ps.SealKit) -> None:
    from PIL import Image

    out = tkpdf.stamp_pdf(
        ps.make_pdf(1), kit.seal, kit.key, kit.cert, tkpdf.At(1, 100, 150), at=ps.SIGNING_TIME
    )
    path = tmp_path / "stamped.pdf"
    path.write_bytes(out)
    image = Image.open(
        io.BytesIO(ps.render_png(str(tmp_path / "page.png"), str(path), dpi=72))
    ).convert("RGB")
    cx, cy = round(100 * MM), round(150 * MM)  # 72 dpi: one pixel per point, origin top-left
    r, g, b = image.getpixel((cx, cy))  # the seal's red centre dot
    assert r > 150 and g < 90 and b < 90
    r, g, b = image.getpixel((cx + round(9 * MM), cy))  # transparent ring gap: page shows through
    assert min(r, g, b) > 200
    r, g, b = image.getpixel((cx + round(17 * MM), cy))  # the ring
    assert r > 150 and g < 90
    r, g, b = image.getpixel((cx + round(40 * MM), cy))  # outside the seal
    assert min(r, g, b) > 200


def test_pyhanko_reads_coverage_and_allowed_later_seals(tmp_path: Path, kit: ps.SealKit) -> None:
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel
        from pyhanko.sign.validation.status import SignatureCoverageLevel
    except ImportError:
        ps.require_tool("pyhanko-is-not-installed")
        raise
    options = tkpdf.StampOptions(profile="rfc5652")  # pyHanko cannot parse the GM content type
    sealer = tkpdf.PdfSealer(kit.seal, kit.key, kit.cert, options)
    data = ps.make_pdf(2)
    for page in (1, 2, 2):
        data = sealer.stamp(data, tkpdf.At(page, 60, 60 + 50 * page), at=ps.SIGNING_TIME)
    reader = PdfFileReader(io.BytesIO(data))
    signatures = reader.embedded_signatures
    assert [s.field_name for s in signatures] == ["Seal1", "Seal2", "Seal3"]
    coverages = [s.evaluate_signature_coverage() for s in signatures]
    assert coverages == [
        SignatureCoverageLevel.ENTIRE_REVISION,
        SignatureCoverageLevel.ENTIRE_REVISION,
        SignatureCoverageLevel.ENTIRE_FILE,
    ]
    for signature, coverage in zip(signatures, coverages, strict=True):
        signature.coverage = (
            coverage  # as compute_integrity_info does (its SM3 digest step is skipped)
        )
    levels = [s.evaluate_modifications(DEFAULT_DIFF_POLICY) for s in signatures]
    assert [getattr(r, "modification_level", r) for r in levels] == [
        ModificationLevel.FORM_FILLING,
        ModificationLevel.FORM_FILLING,
        ModificationLevel.NONE,
    ], levels


def test_qpdf_checks_every_kind_of_output(tmp_path: Path, kit: ps.SealKit) -> None:
    tool = ps.require_tool("qpdf")
    base = ps.make_pdf(3, keyword_on=(1,), xref_stream=True)
    outputs = [
        tkpdf.stamp_pdf(
            base, kit.seal, kit.key, kit.cert, placement, options=options, at=ps.SIGNING_TIME
        )
        for placement, options in [
            (tkpdf.At(), None),
            (tkpdf.Keyword(ps.KEYWORD), tkpdf.StampOptions(format="ses")),
            (tkpdf.RidingSeam(), None),
            (tkpdf.Invisible(), tkpdf.StampOptions(certify=2)),
        ]
    ]
    for index, data in enumerate(outputs):
        path = tmp_path / f"out{index}.pdf"
        path.write_bytes(data)
        run = subprocess.run(
            [tool, "--check", str(path)], capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0 and "WARNING" not in run.stdout + run.stderr, (
            run.stdout + run.stderr
        )


def test_regression_seal_placed_off_the_page_is_refused() -> None:
    """A placement in points instead of mm put the seal off the page, silently invisible."""
    from trustkit import pdf as tkpdf
    from trustkit import seal, sm2, x509
    from trustkit.demo import licence_pdf, seal_png
    from trustkit.exceptions import MalformedInput

    key = sm2.generate_private_key()
    cert = x509.issue_certificate("CN=Signer,C=CN", key.public_key(), key)
    maker_key = sm2.generate_private_key()
    maker = x509.issue_certificate("CN=Maker,C=CN", maker_key.public_key(), maker_key)
    esl = seal.make_seal(
        maker_key,
        maker,
        name="章",
        picture=seal.SealPicture.from_image(seal_png(), 40, 40),
        signer_certs=[cert],
    )
    document = licence_pdf("X1")
    with pytest.raises(MalformedInput, match="wholly on page 1"):
        tkpdf.stamp_pdf(document, esl, key, cert, tkpdf.At(1, 380, 600))
    with pytest.raises(MalformedInput):
        tkpdf.stamp_pdf(document, esl, key, cert, tkpdf.At(1, 5, 5))  # overhangs the corner
    with pytest.raises(MalformedInput):
        tkpdf.stamp_pdf(document, esl, key, cert, tkpdf.Keyword("Licence number", dy_mm=400))
    stamped = tkpdf.stamp_pdf(document, esl, key, cert, tkpdf.At(1, 150, 60))
    assert stamped.startswith(document)


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_seal_on_a_rotated_page_is_placed_and_upright_as_displayed(
    tmp_path: Path, rotate: int
) -> None:
    """/Rotate: coordinates are from the displayed top-left and the seal stands upright."""
    import os
    import shutil

    import pikepdf
    from PIL import Image

    from trustkit import pdf as tkpdf
    from trustkit import seal, sm2, x509
    from trustkit.demo import licence_pdf, seal_png

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm is required under CI")
        pytest.skip("pdftoppm (poppler-utils) not installed")
    key = sm2.generate_private_key()
    cert = x509.issue_certificate("CN=Signer,C=CN", key.public_key(), key)
    maker_key = sm2.generate_private_key()
    maker = x509.issue_certificate("CN=Maker,C=CN", maker_key.public_key(), maker_key)
    picture = seal.SealPicture.from_image(seal_png(), 40, 40)
    esl = seal.make_seal(maker_key, maker, name="章", picture=picture, signer_certs=[cert])
    doc = pikepdf.open(io.BytesIO(licence_pdf("R")))
    doc.pages[0].obj.Rotate = rotate
    source = io.BytesIO()
    doc.save(source)
    stamped = tkpdf.stamp_pdf(source.getvalue(), esl, key, cert, tkpdf.At(1, 50, 60))
    trust = x509.TrustAnchors([cert, maker])
    assert tkpdf.verify_pdf(stamped, trust=trust).status.value == "PASSED"
    (tmp_path / "r.pdf").write_bytes(stamped)
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "72",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "r.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    reds = [
        (x, y)
        for y in range(image.height)
        for x in range(image.width)
        if (p := image.getpixel((x, y)))[0] > 150 and p[1] < 90 and p[2] < 90
    ]
    xs, ys = [x for x, _ in reds], [y for _, y in reds]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    mm = 72 / 25.4
    assert abs(cx - 50 * mm) < 4 and abs(cy - 60 * mm) < 4  # where it was asked, as displayed
    radius = (max(xs) - min(xs)) / 2
    star = [(x, y) for x, y in reds if (x - cx) ** 2 + (y - cy) ** 2 < (0.55 * radius) ** 2]
    top_x = min(star, key=lambda p: p[1])[0]
    assert abs(top_x - cx) < 0.08 * radius  # the star's point is straight up: upright


def test_riding_seam_on_rotated_pages_is_refused() -> None:
    import pikepdf

    from trustkit import pdf as tkpdf
    from trustkit import seal, sm2, x509
    from trustkit.demo import licence_pdf, seal_png
    from trustkit.exceptions import MalformedInput

    key = sm2.generate_private_key()
    cert = x509.issue_certificate("CN=Signer,C=CN", key.public_key(), key)
    picture = seal.SealPicture.from_image(seal_png(), 40, 40)
    esl = seal.make_seal(key, cert, name="章", picture=picture, signer_certs=[cert])
    doc = pikepdf.open(io.BytesIO(licence_pdf("A")))
    doc.pages.extend(pikepdf.open(io.BytesIO(licence_pdf("B"))).pages)
    doc.pages[1].obj.Rotate = 90
    source = io.BytesIO()
    doc.save(source)
    with pytest.raises(MalformedInput, match="rotated"):
        tkpdf.stamp_pdf(source.getvalue(), esl, key, cert, tkpdf.RidingSeam())
