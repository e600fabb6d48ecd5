"""Stamping a seal on a PDF: a signature field, widgets with the seal picture, and the signature.

The pipeline is a :class:`PdfSealer` made once per seal and signer (it checks the seal, encodes the
picture and the signature container once) whose :meth:`PdfSealer.stamp` seals one document in
one incremental update (spec §5, §7, §8). :func:`stamp_pdf` is the one-call wrapper.

Formats (spec §4): ``cms`` (default) puts a GB/T 35275 SM2 SignedData in ``/Contents``
(``/SubFilter /adbe.pkcs7.detached``) and the seal itself (``SESeal`` DER) in the signature
dictionary under ``/TK.Seal``, which the ByteRange, and so the SignedData, covers; ``ses`` puts a
GB/T 38540 ``SES_Signature`` over the ByteRange bytes in ``/Contents``, with ``propertyInfo``
naming the ByteRange. No public standard fixes the SubFilter for SES data; trustkit writes the
provisional ``/GBT.38540.SES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

import pikepdf

from trustkit import sm2, x509
from trustkit.exceptions import CertificateError, MalformedInput
from trustkit.pdf._appearance import fmt, form_xobject, image_streams, stream_body
from trustkit.pdf._container import CmsTemplate, SesTemplate, utc_seconds
from trustkit.pdf._document import OpenDocument, open_for_sealing, signature_fields
from trustkit.pdf._fields import add_annots, free_name, link_field
from trustkit.pdf._incremental import IncrementalWriter
from trustkit.pdf._placement import At, Placement, WidgetSpec, resolve
from trustkit.pdf._syntax import encode_name, encode_string
from trustkit.seal import Seal, load_seal
from trustkit.seal._sign import check_signing_material
from trustkit.sm3 import new as sm3_new

__all__ = [
    "SEAL_KEY",
    "SUBFILTER_CADES",
    "SUBFILTER_CMS",
    "SUBFILTER_SES",
    "PdfSealer",
    "StampOptions",
    "pdf_date",
    "stamp_pdf",
]

SUBFILTER_CMS: Final = "adbe.pkcs7.detached"
SUBFILTER_CADES: Final = "ETSI.CAdES.detached"
SUBFILTER_SES: Final = "GBT.38540.SES"  # provisional (spec §4.2)
SEAL_KEY: Final = "TK.Seal"
_BR_PLACEHOLDER: Final = b"[0 " + b"0000000000 " * 3 + b"]"  # fixed width, patched in place
_BR_WIDTH: Final = len(_BR_PLACEHOLDER)
_WIDGET_FLAGS: Final = 132  # Print | Locked


@dataclass(frozen=True)
class StampOptions:
    """How seals are written. ``certify`` (1, 2 or 3) makes a certification signature with that
    DocMDP permission; ``normalize`` rewrites an unsigned document that qpdf had to repair or
    that has a hybrid cross-reference before sealing it."""

    format: Literal["cms", "ses"] = "cms"
    subfilter: str | None = None
    profile: Literal["gm", "rfc5652"] = "gm"
    reason: str | None = None
    location: str | None = None
    signer_name: str | None = None
    certify: int | None = None
    normalize: bool = False
    field_name: str | None = None


def pdf_date(moment: datetime) -> str:
    """``D:YYYYMMDDHHmmSSZ`` (ISO 32000 §7.9.4) for a UTC moment."""
    return moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ")


class PdfSealer:
    """A seal and its signer, prepared once; :meth:`stamp` seals one document per call."""

    def __init__(
        self,
        seal: Seal | bytes,
        key: sm2.SM2PrivateKey,
        cert: x509.Certificate,
        options: StampOptions | None = None,
    ) -> None:
        self.seal = seal if isinstance(seal, Seal) else load_seal(seal)
        self.key, self.cert = key, cert
        self.options = options or StampOptions()
        if self.options.certify not in (None, 1, 2, 3):
            raise MalformedInput("certify must be 1, 2 or 3 (the DocMDP permission)")
        if self.options.format not in ("cms", "ses"):
            raise MalformedInput(f"unknown signature format {self.options.format!r}")
        check_signing_material(self.seal, key, cert)
        self.image = image_streams(self.seal.picture)
        self.size = (self.image.width_pt, self.image.height_pt)
        self._seal_hex = self.seal.der.hex().upper().encode("ascii")
        self._cms: CmsTemplate | None = None
        self._ses: SesTemplate | None = None

    @property
    def subfilter(self) -> str:
        if self.options.subfilter:
            return self.options.subfilter
        return SUBFILTER_SES if self.options.format == "ses" else SUBFILTER_CMS

    def stamp(
        self, data: bytes, placement: Placement | None = None, *, at: datetime | None = None
    ) -> bytes:
        """``data`` with one more seal appended; ``at`` is the signing time (default now)."""
        moment = utc_seconds(at if at is not None else datetime.now(UTC))
        self._check_time(moment)
        doc = open_for_sealing(data, normalize=self.options.normalize)
        try:
            widgets = resolve(placement or At(), doc.pdf, doc.data, self.size)
            writer, sig_num, reserve = self._build(doc, widgets, moment)
        finally:
            doc.close()
        update = writer.write()
        out = bytearray(doc.data)
        out += update.data
        return self._sign(out, update.body_offsets[sig_num], reserve, moment)

    # -- per-document steps ----------------------------------------------------------------

    def _check_time(self, moment: datetime) -> None:
        if not self.cert.valid_at(moment):
            raise CertificateError(f"the signer certificate is not valid at {moment.isoformat()}")
        if not self.seal.valid_start <= moment <= self.seal.valid_end:
            raise CertificateError(f"the seal is not valid at {moment.isoformat()}")

    def _reserve(self, moment: datetime) -> int:
        if self.options.format == "ses":
            if self._ses is None:
                self._ses = SesTemplate(self.seal, self.key, self.cert, at=moment)
            return self._ses.max_size
        if self._cms is None or not self._cms.fits(moment):
            self._cms = CmsTemplate(self.key, self.cert, profile=self.options.profile, era=moment)
        return self._cms.max_size

    def _build(
        self, doc: OpenDocument, widgets: list[WidgetSpec], moment: datetime
    ) -> tuple[IncrementalWriter, int, int]:
        signed = [f for f in signature_fields(doc.pdf) if "/V" in f]
        if self.options.certify is not None and signed:
            raise MalformedInput("only the first signature of a document can certify it")
        writer = IncrementalWriter(doc.data, doc.structure)
        sig_num = writer.allocate()
        reserve = self._reserve(moment)
        writer.put(sig_num, self._sig_dict(moment, reserve))
        sig_ref = b"%d 0 R" % sig_num
        field_num, widget_nums = self._field(writer, doc, widgets, sig_ref)
        by_page: dict[int, list[bytes]] = {}
        for spec, num in zip(widgets, widget_nums, strict=True):
            by_page.setdefault(spec.page, []).append(b"%d 0 R" % num)
        for page, refs in by_page.items():
            add_annots(writer, doc.pdf.pages[page].obj, refs)
        link_field(writer, doc.pdf, b"%d 0 R" % field_num, sig_ref, self.options.certify)
        return writer, sig_num, reserve

    def _sig_dict(self, moment: datetime, reserve: int) -> bytes:
        parts = [
            b"/Type /Sig /Filter /Adobe.PPKLite /SubFilter " + encode_name(self.subfilter),
            b"/ByteRange " + _BR_PLACEHOLDER,
            b"/Contents <" + b"0" * (2 * reserve) + b">",
            b"/M " + encode_string(pdf_date(moment)),
        ]
        for key, value in (
            ("Name", self.options.signer_name),
            ("Reason", self.options.reason),
            ("Location", self.options.location),
        ):
            if value:
                parts.append(encode_name(key) + b" " + encode_string(value))
        if self.options.format == "cms":
            parts.append(encode_name(SEAL_KEY) + b" <" + self._seal_hex + b">")
        if self.options.certify is not None:
            parts.append(
                b"/Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams "
                b"<< /Type /TransformParams /P %d /V /1.2 >> >>]" % self.options.certify
            )
        parts.append(b"/Prop_Build << /App << /Name /trustkit >> >>")
        return b"<< " + b" ".join(parts) + b" >>"

    def _field(
        self,
        writer: IncrementalWriter,
        doc: OpenDocument,
        widgets: list[WidgetSpec],
        sig_ref: bytes,
    ) -> tuple[int, list[int]]:
        name = self.options.field_name or free_name(doc.pdf)
        title = encode_string(name)
        image_ref = self._image(writer) if any(w.visible for w in widgets) else b""
        if len(widgets) == 1:
            num = writer.allocate()
            body = self._widget(writer, doc.pdf, widgets[0], image_ref)
            head = b"/FT /Sig /T " + title + b" /V " + sig_ref + b" "
            writer.put(num, b"<< " + head + body + b" >>")
            return num, [num]
        field_num = writer.allocate()
        nums = []
        for spec in widgets:
            num = writer.allocate()
            body = self._widget(writer, doc.pdf, spec, image_ref)
            writer.put(num, b"<< /Parent %d 0 R " % field_num + body + b" >>")
            nums.append(num)
        kids = b" ".join(b"%d 0 R" % n for n in nums)
        writer.put(
            field_num, b"<< /FT /Sig /T " + title + b" /V " + sig_ref + b" /Kids [" + kids + b"] >>"
        )
        return field_num, nums

    def _image(self, writer: IncrementalWriter) -> bytes:
        image = self.image
        head = image.image_head
        if image.mask_head is not None and image.mask_data is not None:
            mask = writer.allocate()
            writer.put(mask, stream_body(image.mask_head, image.mask_data))
            head += b" /SMask %d 0 R" % mask
        num = writer.allocate()
        writer.put(num, stream_body(head, image.image_data))
        return b"%d 0 R" % num

    def _widget(
        self, writer: IncrementalWriter, pdf: pikepdf.Pdf, spec: WidgetSpec, image_ref: bytes
    ) -> bytes:
        page = pdf.pages[spec.page].obj
        rect = b" ".join(fmt(v) for v in spec.rect)
        body = b"/Type /Annot /Subtype /Widget /F %d /P %d %d R /Rect [%s]" % (
            _WIDGET_FLAGS,
            page.objgen[0],
            page.objgen[1],
            rect,
        )
        if not spec.visible:
            return body
        ap = writer.allocate()
        writer.put(ap, form_xobject(self.image, image_ref, spec.width, spec.shift, spec.rotate))
        return body + b" /AP << /N %d 0 R >>" % ap

    def _sign(self, out: bytearray, sig_body: int, reserve: int, moment: datetime) -> bytes:
        lt = out.index(b"/Contents <", sig_body) + len(b"/Contents ")
        gt = lt + 1 + 2 * reserve
        if out[gt : gt + 1] != b">":
            raise AssertionError("the /Contents placeholder moved")
        byte_range = [0, lt, gt + 1, len(out) - gt - 1]
        br_at = out.index(b"/ByteRange [", sig_body) + len(b"/ByteRange ")
        text = ("[" + " ".join(str(n) for n in byte_range)).encode("ascii")
        out[br_at : br_at + _BR_WIDTH] = text + b" " * (_BR_WIDTH - 1 - len(text)) + b"]"
        view = memoryview(out)
        hasher = sm3_new()
        hasher.update(view[:lt])
        hasher.update(view[gt + 1 :])
        digest = hasher.digest()
        view.release()
        if self.options.format == "ses":
            assert self._ses is not None
            self._ses.check_time(moment)
            container = self._ses.sign(digest, moment, byte_range)
        else:
            assert self._cms is not None
            container = self._cms.sign(digest, moment)
        if len(container) > reserve:
            raise AssertionError("the signature container outgrew its reservation")
        hex_bytes = container.hex().upper().encode("ascii")
        out[lt + 1 : lt + 1 + len(hex_bytes)] = hex_bytes
        return bytes(out)


def stamp_pdf(
    data: bytes,
    seal: Seal | bytes,
    key: sm2.SM2PrivateKey,
    cert: x509.Certificate,
    placement: Placement | None = None,
    *,
    at: datetime | None = None,
    options: StampOptions | None = None,
) -> bytes:
    """Seal one document: ``data`` with the seal appended in an incremental update."""
    return PdfSealer(seal, key, cert, options).stamp(data, placement, at=at)
