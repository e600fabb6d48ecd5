"""``trustkit demo``: the main jobs end to end on built-in defaults, in a few seconds.

A provincial root CA issues a department CA, which certifies a seal-making authority and a
department's signer; the authority makes an e-seal; the department seal-signs an e-licence and
stamps a licence PDF; a verifier in another city checks both against the root (and sees
tampered copies fail); a batch
of licence signatures is verified in bulk; a citizen signs in once at the provincial identity
provider and is accepted by two city platforms. Everything is written to ``out_dir``.
"""

from __future__ import annotations

import json
import math
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trustkit import seal, sm2, x509
from trustkit.report import Status

__all__ = ["DemoStep", "run_demo"]


@dataclass(frozen=True)
class DemoStep:
    name: str
    ok: bool
    detail: str
    facts: dict[str, Any] = field(default_factory=dict)


def _star(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    """The ten corners of a five-pointed star, point up."""
    corners = []
    for k in range(10):
        radius = outer if k % 2 == 0 else outer * 0.382
        angle = math.pi / 2 + k * math.pi / 5
        corners.append((cx + radius * math.cos(angle), cy - radius * math.sin(angle)))
    return corners


def _inside(x: float, y: float, polygon: list[tuple[float, float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def seal_png(size: int = 160) -> bytes:
    """A red official-seal ring with a star, on a transparent background, as an RGBA PNG."""
    centre, outer, inner = (size - 1) / 2, size / 2 - 2, size / 2 - 12
    star = _star(centre, centre, size * 0.22)
    rows = []
    for y in range(size):
        row = bytearray(b"\x00")  # PNG filter type: none
        for x in range(size):
            r = math.hypot(x - centre, y - centre)
            red = inner <= r <= outer or _inside(x, y, star)
            row += b"\xd0\x10\x10\xff" if red else b"\0\0\0\0"
        rows.append(bytes(row))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    image = zlib.compress(b"".join(rows))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", image) + chunk(b"IEND", b"")
    )


@dataclass
class _World:
    out: Path
    now: datetime
    root_key: sm2.SM2PrivateKey
    root: x509.Certificate
    ca_key: sm2.SM2PrivateKey
    ca: x509.Certificate
    maker_key: sm2.SM2PrivateKey
    maker: x509.Certificate
    signer_key: sm2.SM2PrivateKey
    signer: x509.Certificate

    @property
    def trust(self) -> x509.TrustAnchors:
        return x509.TrustAnchors([self.root])


def _pki(out: Path) -> _World:
    now = datetime.now(UTC)
    root_key, ca_key, maker_key, signer_key = (sm2.generate_private_key() for _ in range(4))
    root = x509.issue_certificate(
        "CN=示范省电子认证根CA,O=示范省,C=CN", root_key.public_key(), root_key, ca=True, days=3650
    )
    ca = x509.issue_certificate(
        "CN=示范省政务CA,O=示范省,C=CN",
        ca_key.public_key(),
        root_key,
        root,
        ca=True,
        path_length=0,
        days=1825,
    )
    maker = x509.issue_certificate(
        "CN=示范省电子印章制作中心,O=示范省,C=CN", maker_key.public_key(), ca_key, ca, days=730
    )
    signer = x509.issue_certificate(
        "CN=示范市市场监督管理局,O=示范市,C=CN", signer_key.public_key(), ca_key, ca, days=730
    )
    for name, cert in (
        ("root", root),
        ("issuing-ca", ca),
        ("seal-maker", maker),
        ("department", signer),
    ):
        (out / f"{name}.pem").write_bytes(cert.to_pem())
    return _World(out, now, root_key, root, ca_key, ca, maker_key, maker, signer_key, signer)


def _step_seal(w: _World) -> tuple[DemoStep, seal.Seal]:
    picture = seal.SealPicture.from_image(seal_png(), 40, 40)
    esl = seal.make_seal(
        w.maker_key,
        w.maker,
        name="示范市市场监督管理局电子证照专用章",
        picture=picture,
        signer_certs=[w.signer],
    )
    (w.out / "department.esl").write_bytes(esl.der)
    report = seal.verify_seal(esl.der, trust=w.trust, intermediates=[w.ca])
    return DemoStep(
        "make e-seal",
        report.status is Status.PASSED,
        f"department.esl ({len(esl.der)} bytes): {report.status.value}",
    ), esl


def _licence() -> bytes:
    record = {
        "licence_type": "营业执照",
        "holder": "示范科技有限公司",
        "unified_social_credit_code": "91110000MA01ABCD1X",
        "issuer": "示范市市场监督管理局",
        "issued_on": "2026-11-22",
    }
    return json.dumps(record, ensure_ascii=False, sort_keys=True).encode()


def _step_sign_and_verify(w: _World, esl: seal.Seal) -> list[DemoStep]:
    licence = _licence()
    (w.out / "licence.json").write_bytes(licence)
    signature = seal.sign_data(esl, w.signer_key, w.signer, licence, property_info="licence.json")
    (w.out / "licence.json.ses").write_bytes(signature.der)
    good = seal.verify_seal_signature(
        signature.der, data=licence, trust=w.trust, intermediates=[w.ca]
    )
    (w.out / "verification.json").write_text(
        json.dumps(good.to_dict(), ensure_ascii=False, indent=2, default=str)
    )
    forged = licence.replace("示范科技".encode(), "伪造科技".encode())
    bad = seal.verify_seal_signature(
        signature.der, data=forged, trust=w.trust, intermediates=[w.ca]
    )
    stranger = seal.verify_seal_signature(signature.der, data=licence)
    return [
        DemoStep("seal-sign e-licence", True, f"licence.json.ses ({len(signature.der)} bytes)"),
        DemoStep(
            "verify in another city",
            good.status is Status.PASSED,
            f"{good.status.value} against the provincial root",
        ),
        DemoStep(
            "tampered licence", bad.status is Status.FAILED, f"{bad.status.value} (expected FAILED)"
        ),
        DemoStep(
            "no trust anchor given",
            stranger.status is Status.INDETERMINATE,
            f"{stranger.status.value} (expected INDETERMINATE)",
        ),
    ]


def licence_pdf(number: str) -> bytes:
    """A one-page licence PDF (standard Helvetica text, no font files needed)."""
    import io

    import pikepdf

    doc = pikepdf.new()
    doc.add_blank_page(page_size=(595, 842))
    page = doc.pages[0]
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
    )
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    lines = [
        "Business Licence (demo)",
        f"Licence number: {number}",
        "Holder: Demo Technology Co., Ltd.",
        "Issuer: Demo City Market Regulation Bureau",
    ]
    text = "".join(
        f"BT /F1 {22 if i == 0 else 13} Tf 72 {760 - 34 * i} Td ({line}) Tj ET\n"
        for i, line in enumerate(lines)
    )
    page.Contents = doc.make_stream(text.encode())
    out = io.BytesIO()
    doc.save(out, compress_streams=False)  # readable text, so the demo can alter a word
    return out.getvalue()


def _step_pdf(w: _World, esl: seal.Seal) -> list[DemoStep]:
    from trustkit import pdf

    original = licence_pdf("91110000MA01ABCD1X")
    stamped = pdf.stamp_pdf(original, esl, w.signer_key, w.signer, pdf.At(1, x_mm=150, y_mm=60))
    (w.out / "licence.pdf").write_bytes(original)
    (w.out / "licence-sealed.pdf").write_bytes(stamped)
    report = pdf.verify_pdf(stamped, trust=w.trust, intermediates=[w.ca])
    at = stamped.index(b"Demo Technology")
    forged = stamped[:at] + b"Fake" + stamped[at + 4 :]
    forged_report = pdf.verify_pdf(forged, trust=w.trust, intermediates=[w.ca])
    return [
        DemoStep(
            "stamp licence PDF",
            stamped.startswith(original),
            f"licence-sealed.pdf ({len(stamped):,} bytes, original kept as a prefix)",
        ),
        DemoStep(
            "verify sealed PDF",
            report.status is Status.PASSED,
            f"{report.status.value} against the provincial root",
        ),
        DemoStep(
            "altered PDF",
            forged_report.status is Status.FAILED,
            f"{forged_report.status.value} (expected FAILED)",
        ),
    ]


def _step_bulk(w: _World, count: int = 2000) -> DemoStep:
    pub = w.signer_key.public_key()
    items = [(pub, w.signer_key.sign(b"licence %d" % i), b"licence %d" % i) for i in range(count)]
    items[7] = (pub, items[7][1], b"licence 7 (altered)")
    start = time.perf_counter()
    verdicts = sm2.verify_many(items)
    rate = count / (time.perf_counter() - start)
    ok = verdicts.count(False) == 1 and not verdicts[7]
    return DemoStep(
        "bulk verification",
        ok,
        f"{count} signatures, 1 altered caught, {rate:,.0f}/s",
        {"per_second": round(rate)},
    )


def _step_sso(w: _World) -> DemoStep:
    from trustkit.sso import JWK, IdentityProvider, RelyingParty

    idp = IdentityProvider("https://idp.example.gov.cn", JWK.from_key(sm2.generate_private_key()))
    cities = [
        RelyingParty(issuer=idp.issuer, client_id=c, keys=idp.keys, algorithms=["SM2"])
        for c in ("city-a", "city-b")
    ]
    subjects = []
    for rp in cities:
        token = idp.issue_id_token(
            subject="citizen-110101", audience=rp.client_id, nonce=f"n-{rp.client_id}"
        )
        subjects.append(rp.validate_id_token(token, nonce=f"n-{rp.client_id}").subject)
    (w.out / "idp-jwks.json").write_text(idp.keys.to_json())
    ok = subjects == ["citizen-110101", "citizen-110101"]
    return DemoStep(
        "single sign-on (SM2 tokens)",
        ok,
        "one login at the province, accepted by city-a and city-b",
    )


def run_demo(out_dir: Path, progress: Callable[[DemoStep], None] | None = None) -> list[DemoStep]:
    """Run every demo step, writing artefacts to ``out_dir``; each step reports ok or not."""
    out_dir.mkdir(parents=True, exist_ok=True)
    steps: list[DemoStep] = []

    def record(step: DemoStep) -> None:
        steps.append(step)
        if progress:
            progress(step)

    world = _pki(out_dir)
    record(DemoStep("PKI", True, "root → issuing CA → seal maker and department signer"))
    step, esl = _step_seal(world)
    record(step)
    for step in _step_sign_and_verify(world, esl):
        record(step)
    for step in _step_pdf(world, esl):
        record(step)
    record(_step_bulk(world))
    record(_step_sso(world))
    return steps
