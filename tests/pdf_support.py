"""Test support for trustkit.pdf: generated PDFs, a test PKI with a seal, and PDF surgery helpers.

Every PDF is made here (pikepdf, which the tests use only to *write fresh* documents) or by hand;
no third-party PDF is stored. ``append_update`` writes a raw incremental update independently of
trustkit's writer, so attacks are built without trusting the code under test.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pikepdf
import pytest
import seal_support as ss
from pikepdf import Array, Dictionary, Name, String

from trustkit import seal as tkseal
from trustkit import x509

SIGNING_TIME = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CHECK_TIME = datetime(2025, 7, 1, tzinfo=UTC)
KEYWORD = "甲方盖章"


def require_tool(name: str) -> str:
    """The path of an external tool; skip locally, fail under CI=true when it is missing."""
    path = shutil.which(name)
    if path:
        return path
    message = f"external tool {name!r} is not installed (Debian: qpdf / poppler-utils)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def seal_png(size: int = 120) -> bytes:
    """An RGBA PNG: a red ring with a red centre on a transparent background."""
    rows = bytearray()
    centre = (size - 1) / 2
    for y in range(size):
        rows.append(0)
        for x in range(size):
            d = ((x - centre) ** 2 + (y - centre) ** 2) ** 0.5
            ring = size * 0.38 <= d <= size * 0.48
            dot = d <= size * 0.12
            rows += b"\xd0\x10\x10\xff" if ring or dot else b"\xff\xff\xff\x00"

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )


@dataclass
class SealKit:
    pki: ss.Pki
    seal: tkseal.Seal
    key: object
    cert: x509.Certificate

    @property
    def anchors(self) -> x509.TrustAnchors:
        return self.pki.anchors


def make_kit(
    *,
    valid_to: datetime | None = None,
    size_mm: int = 40,
    signer_certs: list[x509.Certificate] | None = None,
    pki: ss.Pki | None = None,
) -> SealKit:
    pki = pki or ss.make_pki()
    seal = tkseal.make_seal(
        pki.maker.key,
        pki.maker.cert,
        name="测试合同专用章",
        picture=tkseal.SealPicture.from_image(seal_png(), size_mm, size_mm),
        signer_certs=signer_certs or [pki.signer.cert],
        created_at=ss.T0,
        valid_to=valid_to or datetime(2030, 1, 1, tzinfo=UTC),
    )
    return SealKit(pki, seal, pki.signer.key, pki.signer.cert)


def _fonts(pdf: pikepdf.Pdf) -> Dictionary:
    helv = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    )
    descriptor = pdf.make_indirect(
        Dictionary(
            Type=Name.FontDescriptor,
            FontName=Name("/STSong-Light"),
            Flags=6,
            FontBBox=[0, -200, 1000, 900],
            ItalicAngle=0,
            Ascent=880,
            Descent=-120,
            CapHeight=880,
            StemV=93,
        )
    )
    cid = Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType0,
        BaseFont=Name("/STSong-Light"),
        CIDSystemInfo=Dictionary(Registry=String("Adobe"), Ordering=String("GB1"), Supplement=2),
        FontDescriptor=descriptor,
    )
    song = pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=Name("/STSong-Light"),
            Encoding=Name("/UniGB-UCS2-H"),
            DescendantFonts=[cid],
        )
    )
    return Dictionary(F1=helv, F2=song)


def cjk(text: str) -> bytes:
    return b"<" + text.encode("utf-16-be").hex().encode() + b">"


def make_pdf(
    pages: int = 1,
    *,
    xref_stream: bool = False,
    keyword_on: tuple[int, ...] = (),
    acroform: str | None = None,
    filler: int = 0,
    text: str = "Licence No. 0001 valid until 2027-12-31",
) -> bytes:
    """An A4 document: Latin text on each page, ``KEYWORD`` on the pages listed (0-based).

    ``acroform``: None, "direct" or "indirect" (an empty AcroForm of that kind).
    ``filler``: bytes of incompressible-looking page content to reach a realistic size.
    """
    pdf = pikepdf.new()
    fonts = _fonts(pdf)
    for index in range(pages):
        pdf.add_blank_page(page_size=(595.28, 841.89))
        page = pdf.pages[index]
        page.Resources = Dictionary(Font=fonts)
        ops = b"BT /F1 14 Tf 72 760 Td (%s - page %d) Tj ET\n" % (text.encode(), index + 1)
        if index in keyword_on:
            ops += b"BT /F2 16 Tf 380 150 Td " + cjk(KEYWORD) + b" Tj ET\n"
        if filler:
            ops += _guilloche(filler, index)
        page.Contents = pdf.make_stream(ops)
    if acroform == "indirect":
        pdf.Root.AcroForm = pdf.make_indirect(Dictionary(Fields=Array()))
    elif acroform == "direct":
        pdf.Root.AcroForm = Dictionary(Fields=Array())
    pdf.docinfo["/Title"] = "trustkit test document"
    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if xref_stream else pikepdf.ObjectStreamMode.disable
    pdf.save(out, object_stream_mode=mode, static_id=True, compress_streams=True)
    return out.getvalue()


def _guilloche(size: int, seed: int) -> bytes:
    """Curves whose coordinates vary enough to compress to about ``size`` bytes."""
    ops = [b"0.2 0.4 0.8 RG 0.3 w"]
    n, state = 0, 12345 + seed
    length = 0
    while length < size * 3:
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        a, b = state % 500 + 40, (state >> 9) % 700 + 60
        line = b"%d %d m %d %d %d %d %d %d c S" % (
            a,
            b,
            a + 30,
            b + 10,
            a - 20,
            b + 40,
            a + 5,
            b + n % 50,
        )
        ops.append(line)
        length += len(line)
        n += 1
    return b"\n".join(ops) + b"\n"


# --- surgery --------------------------------------------------------------------------------


def startxref(data: bytes) -> int:
    return int(re.findall(rb"startxref\s+(\d+)", data)[-1])


def trailer_root(data: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return b"%d %d R" % pdf.Root.objgen


def append_update(
    data: bytes,
    objects: dict[int, bytes],
    *,
    size: int | None = None,
    xref: bool = True,
    trailer: bytes | None = None,
) -> bytes:
    """Append objects with a classic xref table and trailer (``/Prev`` = last startxref)."""
    out = bytearray(data)
    if not out.endswith(b"\n"):
        out += b"\n"
    offsets = {}
    for num, body in sorted(objects.items()):
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, body)
    if not xref:
        return bytes(out)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = b"%d %d R" % pdf.Root.objgen
        info = pdf.trailer.get("/Info")
        info_ref = b" /Info %d %d R" % info.objgen if info is not None else b""
        total = size or max(
            max(objects) + 1,
            int(pdf.trailer.Size) if "/Size" in pdf.trailer else 0,
            len(pdf.objects) + 1,
        )
    at = len(out)
    out += b"xref\n"
    for num in sorted(offsets):
        out += b"%d 1\n%010d 00000 n\r\n" % (num, offsets[num])
    body = trailer or b"<< /Size %d /Root %s%s /Prev %d >>" % (
        total,
        root,
        info_ref,
        startxref(data),
    )
    out += b"trailer\n" + body + b"\nstartxref\n%d\n%%%%EOF\n" % at
    return bytes(out)


def object_body(data: bytes, num: int) -> bytes:
    """The body of the latest definition of object ``num`` (raw, from the file)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        obj = pdf.get_object((num, 0))
        if isinstance(obj, pikepdf.Stream):
            raw = obj.read_raw_bytes()
            head = obj.stream_dict.unparse(resolved=True)
            return head + b"\nstream\n" + raw + b"\nendstream"
        return obj.unparse(resolved=True)


def page_objgen(data: bytes, index: int = 0) -> tuple[int, int]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return pdf.pages[index].obj.objgen


def next_number(data: bytes) -> int:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return max(int(pdf.trailer.get("/Size", 0)), len(pdf.objects))


def render_png(path: str, pdf_path: str, page: int = 1, dpi: int = 72) -> bytes:
    import subprocess

    tool = require_tool("pdftoppm")
    prefix = path.removesuffix(".png")
    subprocess.run(
        [
            tool,
            "-png",
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            pdf_path,
            prefix,
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    with open(prefix + ".png", "rb") as handle:
        return handle.read()


T_EXPIRED = SIGNING_TIME + timedelta(days=400)
