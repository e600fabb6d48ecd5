"""PDF e-seal benchmark (issue 5): trustkit stamping and verification against pyHanko, one run.

On one core (the process pins itself to its first CPU), with a one-page licence PDF of about
60 KB made here (Latin and CJK text, a guilloche, an RGBA picture), read from and written to
files:

- trustkit: visible SM2 seal (GB/T 35275 SignedData, seal picture 40 mm), docs/s; verification
  with ByteRange checks, SM3, SignedData + seal + certificates against a root, and modification
  detection, docs/s (files with one seal, and with two seals so the diff analysis runs);
- pyHanko, same file: visible stamp (StaticStampStyle with the PNG, new 130x130 field), PAdES
  ECDSA P-256, docs/s; ``validate_pdf_signature`` with one shared ValidationContext, docs/s;
- peak RSS of the trustkit part (measured before pyHanko is imported), and the resident memory
  after the first and the last document of a longer stamping batch (flat = constant memory).

    python3 benchmarks/pdf.py [--quick] [--json]

Targets: stamping >= 100 docs/s and >= 6x pyHanko; verification >= 300 docs/s; peak <= 100 MiB.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import struct
import tempfile
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _harness import Result, emit, measure

from trustkit import pdf as tkpdf
from trustkit import seal, sm2, x509

START = datetime.now(UTC) - timedelta(days=1)  # documents are stamped "now"


# --- inputs -----------------------------------------------------------------------------------


def seal_png(size: int = 300, noise: bool = True) -> bytes:
    """An RGBA red seal: ring, star-like dot, transparent background (and some ink noise)."""
    rows = bytearray()
    centre, state = (size - 1) / 2, 99
    for y in range(size):
        rows.append(0)
        for x in range(size):
            d = ((x - centre) ** 2 + (y - centre) ** 2) ** 0.5
            state = (state * 1103515245 + 12345) & 0x7FFFFFFF
            ink = size * 0.40 <= d <= size * 0.47 or d <= size * 0.12
            if ink and (not noise or state % 7):
                rows += bytes([200 + state % 40, 16, 16, 255])
            else:
                rows += b"\xff\xff\xff\x00"

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")


def licence_pdf(number: int) -> bytes:
    """A one-page A4 business licence of about 60 KB."""
    import pikepdf
    from pikepdf import Dictionary, Name, String

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595.28, 841.89))
    page = pdf.pages[0]
    helv = Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    cid = Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType0,
        BaseFont=Name("/STSong-Light"),
        CIDSystemInfo=Dictionary(Registry=String("Adobe"), Ordering=String("GB1"), Supplement=2),
    )
    song = Dictionary(
        Type=Name.Font,
        Subtype=Name.Type0,
        BaseFont=Name("/STSong-Light"),
        Encoding=Name("/UniGB-UCS2-H"),
        DescendantFonts=[cid],
    )
    noise = random.Random(number).randbytes(125 * 125 * 3)  # a photo-like picture: ~47 KB
    picture = pdf.make_stream(
        zlib.compress(noise, 9),
        Type=Name.XObject,
        Subtype=Name.Image,
        Width=125,
        Height=125,
        ColorSpace=Name.DeviceRGB,
        BitsPerComponent=8,
        Filter=Name.FlateDecode,
    )
    page.Resources = Dictionary(Font=Dictionary(F1=helv, F2=song), XObject=Dictionary(Logo=picture))
    title = "营业执照".encode("utf-16-be").hex().encode()
    ops = [b"BT /F2 28 Tf 230 770 Td <" + title + b"> Tj ET"]
    for row in range(24):
        text = f"Field {row:02d}: licence {number:06d} value {row * 7919 % 10007}".encode()
        ops.append(b"BT /F1 10 Tf 72 %d Td (%s) Tj ET" % (720 - row * 22, text))
    ops.append(b"q 120 0 0 120 420 80 cm /Logo Do Q")
    state = 12345 + number
    ops.append(b"0.2 0.4 0.8 RG 0.3 w")
    for _ in range(700):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        a, b = state % 500 + 40, (state >> 9) % 700 + 60
        curve = (a, b, a + 30, b + 10, a - 20, b + 40, a + 5, b)
        ops.append(b"%d %d m %d %d %d %d %d %d c S" % curve)
    page.Contents = pdf.make_stream(b"\n".join(ops))
    out = io.BytesIO()
    pdf.save(out, compress_streams=True, static_id=True)
    return out.getvalue()


def sm2_setup(picture: bytes) -> tuple[Any, Any, Any, x509.TrustAnchors]:
    t0 = START
    root_key = sm2.generate_private_key()
    root = x509.issue_certificate(
        "CN=Bench Root,C=CN", root_key.public_key(), root_key, ca=True, days=3650, not_before=t0
    )

    def leaf(name: str) -> tuple[Any, Any]:
        key = sm2.generate_private_key()
        return key, x509.issue_certificate(name, key.public_key(), root_key, root, not_before=t0)

    maker_key, maker_cert = leaf("CN=Bench Maker,C=CN")
    signer_key, signer_cert = leaf("CN=Bench Signer,C=CN")
    esl = seal.make_seal(
        maker_key,
        maker_cert,
        name="测试市场监督管理局",
        picture=seal.SealPicture.from_image(picture, 40, 40),
        signer_certs=[signer_cert],
        created_at=t0,
    )
    return esl, signer_key, signer_cert, x509.TrustAnchors([root])


# --- trustkit -----------------------------------------------------------------------------------


def _cycle(items: list[Any]) -> Any:
    state = {"i": -1}

    def step() -> Any:
        state["i"] = (state["i"] + 1) % len(items)
        return items[state["i"]]

    return step


def bench_trustkit(
    inputs: list[Path], out_dir: Path, picture: bytes, secs: float
) -> tuple[list[Result], list[Path], list[Path], Any]:
    esl, key, cert, anchors = sm2_setup(picture)
    sealer = tkpdf.PdfSealer(esl, key, cert, tkpdf.StampOptions(reason="licence issued"))
    placement = tkpdf.At(1, 160, 250)
    nxt = _cycle(inputs)

    def stamp_one() -> int:
        source = nxt()
        (out_dir / source.name).write_bytes(sealer.stamp(source.read_bytes(), placement))
        return 1

    stamp = measure("trustkit stamp visible SM2 seal", stamp_one, seconds=secs, note="files")
    once = sorted(out_dir.glob("*.pdf"))
    twice_dir = out_dir / "twice"
    twice_dir.mkdir(exist_ok=True)
    for path in once:
        again = sealer.stamp(path.read_bytes(), tkpdf.At(1, 110, 250))
        (twice_dir / path.name).write_bytes(again)
    twice = sorted(twice_dir.glob("*.pdf"))
    spread_dir = out_dir / "spread"
    spread_dir.mkdir(exist_ok=True)
    for index, path in enumerate(inputs):  # one signing time per document, a minute apart
        moment = START + timedelta(hours=1, minutes=index)
        (spread_dir / path.name).write_bytes(sealer.stamp(path.read_bytes(), placement, at=moment))
    spread = sorted(spread_dir.glob("*.pdf"))
    verifier = tkpdf.PdfVerifier(trust=anchors)
    assert verifier.verify(once[0].read_bytes()).status.value == "PASSED"
    assert verifier.verify(twice[0].read_bytes()).status.value == "PASSED"
    results = [stamp]
    runs = (
        ("1 seal", once),
        ("1 seal, distinct signing times", spread),
        ("2 seals, diff analysed", twice),
    )
    for label, files in runs:
        nxt_file = _cycle(files)

        def verify_one(nxt_file: Any = nxt_file) -> int:
            path = nxt_file()
            verifier.verify(path.read_bytes(), subject=path.name)
            return 1

        results.append(measure(f"trustkit verify ({label})", verify_one, seconds=secs))
    return results, once, twice, sealer


def memory_profile(sealer: Any, inputs: list[Path], count: int) -> dict[str, float]:
    """Resident memory after the first 100 and after ``count`` stamped documents."""

    def rss() -> float:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    marks: dict[str, float] = {}
    for i in range(count):
        sealer.stamp(inputs[i % len(inputs)].read_bytes(), tkpdf.At(1, 160, 250))
        if i == 99:
            marks["rss_mib_after_100_docs"] = rss()
    marks[f"rss_mib_after_{count}_docs"] = rss()
    marks["peak_rss_mib_trustkit"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return marks


# --- pyHanko ------------------------------------------------------------------------------------


def ecdsa_setup(directory: Path) -> tuple[Path, Path, Path]:
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> cx509.Name:
        return cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, cn)])

    start = datetime.now(UTC) - timedelta(days=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        cx509.CertificateBuilder()
        .subject_name(name("Bench ECDSA CA"))
        .issuer_name(name("Bench ECDSA CA"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365))
        .add_extension(cx509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    usage = cx509.KeyUsage(True, True, False, False, False, False, False, False, False)
    cert = (
        cx509.CertificateBuilder()
        .subject_name(name("Bench ECDSA Signer"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365))
        .add_extension(usage, critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    paths = (directory / "ec-key.pem", directory / "ec-cert.pem", directory / "ec-ca.pem")
    paths[0].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return paths


def bench_pyhanko(inputs: list[Path], work: Path, picture: Path, secs: float) -> list[Result]:
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.stamp import StaticStampStyle
    from pyhanko_certvalidator import ValidationContext

    key, cert, ca = ecdsa_setup(work)
    signer = signers.SimpleSigner.load(str(key), str(cert), ca_chain_files=(str(ca),))
    meta = signers.PdfSignatureMetadata(field_name="Seal", subfilter=fields.SigSeedSubFilter.PADES)
    out_dir = work / "pyhanko"
    out_dir.mkdir(exist_ok=True)
    nxt = _cycle(inputs)

    def sign_one() -> int:
        source = nxt()
        style = StaticStampStyle(
            background=PdfImage(str(picture)), background_opacity=1, border_width=0
        )
        spec = fields.SigFieldSpec("Seal", on_page=0, box=(400, 70, 530, 200))
        pdf_signer = signers.PdfSigner(meta, signer, stamp_style=style, new_field_spec=spec)
        with source.open("rb") as handle:
            writer = IncrementalPdfFileWriter(handle)
            out = io.BytesIO()
            pdf_signer.sign_pdf(writer, output=out)
        (out_dir / source.name).write_bytes(out.getvalue())
        return 1

    results = [measure("pyHanko sign visible ECDSA P-256", sign_one, seconds=secs)]
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca))])
    signed = _cycle(sorted(out_dir.glob("*.pdf")))

    def validate_one() -> int:
        with signed().open("rb") as handle:
            reader = PdfFileReader(handle)
            status = validate_pdf_signature(reader.embedded_signatures[0], context)
            assert status.bottom_line
        return 1

    results.append(measure("pyHanko validate (shared context)", validate_one, seconds=secs))
    return results


# --- main ---------------------------------------------------------------------------------------


def _ratios(results: list[Result]) -> dict[str, float]:
    by = {r.name: r.median for r in results}
    return {
        "stamp trustkit / pyHanko": by["trustkit stamp visible SM2 seal"]
        / by["pyHanko sign visible ECDSA P-256"],
        "verify trustkit / pyHanko": by["trustkit verify (1 seal)"]
        / by["pyHanko validate (shared context)"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="short runs (about 20 s in all)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    secs = 0.5 if args.quick else 3.0
    with tempfile.TemporaryDirectory(prefix="trustkit-bench-pdf-") as tmp:
        work = Path(tmp)
        (work / "in").mkdir()
        (work / "out").mkdir()
        picture = seal_png()
        (work / "seal.png").write_bytes(picture)
        inputs = []
        for number in range(50):
            path = work / "in" / f"licence-{number:03d}.pdf"
            path.write_bytes(licence_pdf(number))
            inputs.append(path)
        size = len(inputs[0].read_bytes())
        results, _once, _twice, sealer = bench_trustkit(inputs, work / "out", picture, secs)
        memory = memory_profile(sealer, inputs, 300 if args.quick else 2000)
        results += bench_pyhanko(inputs, work, work / "seal.png", secs)
    for name, value in memory.items():
        results.append(Result(name, "MiB", value, [value]))
    results.append(Result("input size", "KiB", size / 1024, [size / 1024]))
    emit("trustkit PDF seals (one core)", results, _ratios(results), args.json)


if __name__ == "__main__":
    main()
