"""PDF e-seal stamping and verification (spec pdf-stamping.md), in batches of thousands.

Guarantees:

- Stamping only appends: the input is an exact prefix of the output, in one incremental update
  whose cross-reference section has the file's kind (table or stream) and ``/Prev``; pikepdf
  parses, it never saves a signed file. Encrypted inputs, inputs qpdf had to repair and hybrid
  files are refused (an unsigned one can be normalised first, on request).
- The seal picture is drawn at its real size (mm → pt) with PNG alpha as a soft mask; placed by
  page and coordinates, by keyword in the page text (关键字), or as a riding seam (骑缝章).
  ``/Contents`` holds a GB/T 35275 SM2 SignedData (default; the seal rides along in the signed
  dictionary) or a GB/T 38540 ``SES_Signature``, sized exactly from the container.
- Verification reports every signature (also ones a later revision dropped): strict ByteRange
  rules and coverage, SM3 over the signed bytes, the container sniffed from its bytes, the
  signature, seal and certificates checked by ``trustkit.seal`` at the signing time against the
  given anchors, every later revision compared with a strict allowlist (DocMDP aware), and the
  appearance compared with the seal picture. It returns a frozen report; hostile files give
  FAILED checks, only non-PDF bytes raise.
- ``stamp_many``/``verify_many`` run one process per batch with worker processes, never modify
  inputs, write outputs atomically and resume from a manifest.

Example::

    from trustkit import pdf
    sealer = pdf.PdfSealer(seal_der, signer_key, signer_cert)
    stamped = sealer.stamp(document, pdf.Keyword("甲方盖章"))
    report = pdf.verify_pdf(stamped, trust=anchors)
    print(report.to_text())

Limitations: page rotation is not applied to placements; SVG/OFD seal pictures cannot be drawn;
no time stamps in PDF signatures yet; encrypted documents are neither sealed nor verified.
"""

from __future__ import annotations

from trustkit.pdf._batch import (
    MANIFEST_NAME,
    StampBatch,
    VerifyBatch,
    VerifyItem,
    stamp_many,
    verify_many,
)
from trustkit.pdf._placement import At, Invisible, Keyword, KeywordNotFound, Placement, RidingSeam
from trustkit.pdf._stamp import PdfSealer, StampOptions, stamp_pdf
from trustkit.pdf._verify import PdfVerifier, verify_pdf

__all__ = [
    "MANIFEST_NAME",
    "At",
    "Invisible",
    "Keyword",
    "KeywordNotFound",
    "PdfSealer",
    "PdfVerifier",
    "Placement",
    "RidingSeam",
    "StampBatch",
    "StampOptions",
    "VerifyBatch",
    "VerifyItem",
    "stamp_many",
    "stamp_pdf",
    "verify_many",
    "verify_pdf",
]
