"""Test support for trustkit.seal: a small PKI, pictures, OFD packages, and an independent reader.

The independent reader (``tlv_children`` and friends) walks DER with asn1crypto's low-level
parser only, following the structures of spec eseal.md §3-§5, so that checks of what trustkit
produces do not reuse trustkit's own schemas.
"""

from __future__ import annotations

import base64
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import parser

from trustkit import sm2, x509
from trustkit.sm3 import sm3

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "interop" / "ofdrw"
T0 = datetime(2025, 1, 1, tzinfo=UTC)  # PKI start
SIGNING_TIME = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
TSA_POLICY = "1.2.3.4.5.6.7"  # a test policy OID (test data, not a trustkit constant)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --- PKI -------------------------------------------------------------------------------------


@dataclass
class Party:
    key: sm2.SM2PrivateKey
    cert: x509.Certificate


@dataclass
class Pki:
    root: Party
    maker: Party
    signer: Party
    other: Party  # a signer that is not listed in seals
    tsa: Party

    @property
    def anchors(self) -> x509.TrustAnchors:
        return x509.TrustAnchors([self.root.cert])


def _leaf(
    subject: str,
    root: Party,
    *,
    eku: list[str] | None = None,
    days: int = 3650,
    start: datetime = T0,
) -> Party:
    key = sm2.generate_private_key()
    cert = x509.issue_certificate(
        subject,
        key.public_key(),
        root.key,
        root.cert,
        days=days,
        not_before=start,
        extended_key_usage=eku,
    )
    return Party(key, cert)


def make_pki() -> Pki:
    root_key = sm2.generate_private_key()
    root_cert = x509.issue_certificate(
        "CN=Seal Test Root,O=trustkit tests,C=CN",
        root_key.public_key(),
        root_key,
        ca=True,
        days=7300,
        not_before=T0 - timedelta(days=1),
    )
    root = Party(root_key, root_cert)
    return Pki(
        root=root,
        maker=_leaf("CN=Seal Maker,O=trustkit tests,C=CN", root),
        signer=_leaf("CN=Seal Signer,O=trustkit tests,C=CN", root),
        other=_leaf("CN=Someone Else,O=trustkit tests,C=CN", root),
        tsa=_leaf("CN=Test TSA,O=trustkit tests,C=CN", root, eku=["timeStamping"]),
    )


def leaf(subject: str, root: Party, **kwargs: object) -> Party:
    return _leaf(subject, root, **kwargs)  # type: ignore[arg-type]


# --- pictures --------------------------------------------------------------------------------


def png(width: int = 4, height: int = 4) -> bytes:
    """A tiny valid RGB PNG (red square)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


# --- independent DER reading (spec §3-§5) -----------------------------------------------------


@dataclass(frozen=True)
class Tlv:
    cls: int
    constructed: bool
    tag: int
    raw: bytes  # the whole element as received
    contents: bytes


def tlv(data: bytes) -> Tlv:
    cls, method, tag, header, contents, trailer = parser.parse(data, strict=True)
    return Tlv(cls, bool(method), tag, header + contents + trailer, contents)


def tlv_children(data: bytes) -> list[Tlv]:
    """The elements inside a constructed element's contents."""
    out, pointer = [], 0
    body = tlv(data).contents
    while pointer < len(body):
        _info, end = parser._parse(body, len(body), pointer)
        out.append(tlv(body[pointer:end]))
        pointer = end
    return out


def bit_string_value(element: Tlv) -> bytes:
    assert (element.cls, element.tag) == (0, 3)
    assert element.contents[0] == 0, "unused bits must be 0"
    return element.contents[1:]


def public_point(cert_der: bytes) -> bytes:
    """04‖X‖Y from a certificate, read with the low-level parser."""
    tbs = tlv_children(cert_der)[0]
    fields = tlv_children(tbs.raw)
    index = 6 if fields[0].cls == 2 else 5  # skip the explicit [0] version
    spki = tlv_children(fields[index].raw)
    return bit_string_value(spki[1])


def der_to_raw(sig: bytes) -> bytes:
    r, s = (int.from_bytes(t.contents, "big") for t in tlv_children(sig))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


# --- OFD packages ----------------------------------------------------------------------------

NS = "http://www.ofdspec.org/2016"


def _ofd_xml(signatures_loc: str = "Doc_0/Signs/Signatures.xml") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{NS}" DocType="OFD" '
        f'Version="1.1"><ofd:DocBody><ofd:DocInfo><ofd:DocID>0123</ofd:DocID></ofd:DocInfo>'
        f"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot><ofd:Signatures>{signatures_loc}"
        f"</ofd:Signatures></ofd:DocBody></ofd:OFD>"
    ).encode()


DOCUMENT_XML = (
    f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{NS}"><ofd:CommonData>'
    f"<ofd:MaxUnitID>5</ofd:MaxUnitID></ofd:CommonData><ofd:Pages>"
    f'<ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>'
).encode()
CONTENT_XML = (
    f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}"><ofd:Content>'
    f'<ofd:Layer ID="2"/></ofd:Content></ofd:Page>'
).encode()


def signature_xml(
    files: dict[str, bytes],
    *,
    check_method: str = "1.2.156.10197.1.401",
    seal_loc: str | None = None,
    boundary: str = "10 10 40 40",
    page_ref: str = "1",
) -> bytes:
    refs = "".join(
        f'<ofd:Reference FileRef="/{name}"><ofd:CheckValue>'
        f"{base64.b64encode(sm3(data)).decode()}</ofd:CheckValue></ofd:Reference>"
        for name, data in files.items()
    )
    seal = f"<ofd:Seal><ofd:BaseLoc>{seal_loc}</ofd:BaseLoc></ofd:Seal>" if seal_loc else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Signature xmlns:ofd="{NS}"><ofd:SignedInfo>'
        f'<ofd:Provider ProviderName="trustkit-tests" Version="1" Company="tests"/>'
        f"<ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>"
        f"<ofd:SignatureDateTime>20250601120000Z</ofd:SignatureDateTime>"
        f'<ofd:References CheckMethod="{check_method}">{refs}</ofd:References>'
        f'<ofd:StampAnnot ID="9" PageRef="{page_ref}" Boundary="{boundary}"/>{seal}'
        f"</ofd:SignedInfo><ofd:SignedValue>/Doc_0/Signs/Sign_0/SignedValue.dat</ofd:SignedValue>"
        f"</ofd:Signature>"
    ).encode()


def base_files() -> dict[str, bytes]:
    return {
        "OFD.xml": _ofd_xml(),
        "Doc_0/Document.xml": DOCUMENT_XML,
        "Doc_0/Pages/Page_0/Content.xml": CONTENT_XML,
    }


def signatures_xml(sig_type: str | None = None) -> bytes:
    type_attr = f' Type="{sig_type}"' if sig_type else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Signatures xmlns:ofd="{NS}">'
        f'<ofd:MaxSignId>1</ofd:MaxSignId><ofd:Signature ID="1"{type_attr} '
        f'BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"/></ofd:Signatures>'
    ).encode()


def zip_bytes(members: dict[str, bytes] | list[tuple[str, bytes]]) -> bytes:
    items = members.items() if isinstance(members, dict) else members
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in items:
            archive.writestr(name, data)
    return buffer.getvalue()


def sealed_ofd(signed_value_for: object, *, sig_type: str | None = None, **xml: object) -> bytes:
    """An OFD package whose one signature is ``signed_value_for(signature_xml_bytes)``."""
    files = base_files()
    sig_xml = signature_xml(files, **xml)  # type: ignore[arg-type]
    members = dict(files)
    members["Doc_0/Signs/Signatures.xml"] = signatures_xml(sig_type)
    members["Doc_0/Signs/Sign_0/Signature.xml"] = sig_xml
    members["Doc_0/Signs/Sign_0/SignedValue.dat"] = signed_value_for(sig_xml)  # type: ignore[operator]
    return zip_bytes(members)


def replace_member(package: bytes, name: str, data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    members[name] = data
    return zip_bytes(members)


# --- DER building and strictness, independent of trustkit -------------------------------------


def der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    size = (n.bit_length() + 7) // 8
    return bytes([0x80 | size]) + n.to_bytes(size, "big")


def der(tag: int, contents: bytes) -> bytes:
    return bytes([tag]) + der_length(len(contents)) + contents


def der_seq(*items: bytes) -> bytes:
    return der(0x30, b"".join(items))


def der_set(*items: bytes) -> bytes:
    return der(0x31, b"".join(sorted(items)))


def der_int(value: int) -> bytes:
    size = max(1, (value.bit_length() + 8) // 8)
    return der(0x02, value.to_bytes(size, "big", signed=True))


def der_oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytearray([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        part >>= 7
        while part:
            chunk.append(0x80 | (part & 0x7F))
            part >>= 7
        body += bytes(reversed(chunk))
    return der(0x06, bytes(body))


def der_octets(value: bytes) -> bytes:
    return der(0x04, value)


def der_bits(value: bytes) -> bytes:
    return der(0x03, b"\x00" + value)


def explicit(number: int, inner: bytes) -> bytes:
    return der(0xA0 | number, inner)


def assert_strict_der(data: bytes, depth: int = 0) -> None:
    """Definite minimal lengths; minimal INTEGERs; BOOLEAN TRUE only (DEFAULT FALSE omitted);
    BIT STRINGs without unused bits; one element, no trailing bytes."""
    pointer = 0
    while pointer < len(data):
        first = data[pointer]
        length_byte = data[pointer + 1]
        assert length_byte != 0x80, "indefinite length"
        if length_byte & 0x80:
            count = length_byte & 0x7F
            raw = data[pointer + 2 : pointer + 2 + count]
            length = int.from_bytes(raw, "big")
            assert raw[0] != 0 and length >= 0x80, "non-minimal length"
            start = pointer + 2 + count
        else:
            length, start = length_byte, pointer + 2
        body = data[start : start + length]
        assert len(body) == length, "truncated"
        if first == 0x01:
            assert body == b"\xff", "BOOLEAN must be TRUE (FALSE is the DEFAULT)"
        elif first == 0x02:
            assert len(body) == 1 or not (
                (body[0] == 0 and body[1] < 0x80) or (body[0] == 0xFF and body[1] >= 0x80)
            ), "non-minimal INTEGER"
        elif first == 0x03:
            assert body[:1] == b"\x00", "BIT STRING with unused bits"
        elif first & 0x20:
            assert_strict_der(body, depth + 1)
        pointer = start + length
        if depth == 0:
            assert pointer == len(data), "trailing bytes"
