"""Display integrity: does a signature's appearance show the seal's own picture? (spec §6.3)

The appearance stream is covered by no SES or CMS signature attribute, so a widget can show
another organisation's seal. The decoded pixels of every image an appearance draws (through
nested forms) are compared with the decoded seal picture, alpha included; trustkit's stamper
draws the picture unchanged, so its output always matches.
"""

from __future__ import annotations

from functools import partial
from typing import Final

import pikepdf

from trustkit.exceptions import MalformedInput
from trustkit.pdf._appearance import DecodedPicture, decode_picture
from trustkit.pdf._memo import Memo
from trustkit.seal import CheckStatus, SealCheck, SealPicture

__all__ = ["display_check", "widgets_of"]

_NAME: Final = "pdf-display"
_MAX_DEPTH: Final = 4


def widgets_of(field: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    kids = field.get("/Kids")
    if isinstance(kids, pikepdf.Array):
        return [k for k in kids if isinstance(k, pikepdf.Dictionary)]
    return [field]


def display_check(
    field: pikepdf.Dictionary, picture: SealPicture | None, memo: Memo | None = None
) -> SealCheck:
    """PASSED when every visible widget draws the seal picture; INDETERMINATE on a mismatch."""
    visible = [w for w in widgets_of(field) if _appearance(w) is not None]
    if not visible:
        return SealCheck(_NAME, CheckStatus.SKIPPED, "pdf.invisible", "no visible appearance")
    if picture is None:
        return SealCheck(_NAME, CheckStatus.WARNING, "pdf.display_unverified", "no seal picture")
    try:
        expected = decode_picture(picture.data)
    except MalformedInput as exc:
        return SealCheck(_NAME, CheckStatus.WARNING, "pdf.display_unverified", str(exc))
    for index, widget in enumerate(visible):
        appearance = _appearance(widget)
        assert appearance is not None
        verdict = _compare(appearance, expected, picture.data, memo or Memo(0))
        if verdict:
            detail = f"widget {index + 1} of {len(visible)}: {verdict}"
            status = (
                CheckStatus.WARNING if verdict.startswith("cannot") else CheckStatus.INDETERMINATE
            )
            reason = (
                "pdf.display_unverified"
                if status is CheckStatus.WARNING
                else "pdf.display_mismatch"
            )
            return SealCheck(_NAME, status, reason, detail)
    return SealCheck(
        _NAME, CheckStatus.PASSED, detail=f"{len(visible)} widget(s) show the seal picture"
    )


def _appearance(widget: pikepdf.Dictionary) -> pikepdf.Stream | None:
    ap = widget.get("/AP")
    normal = ap.get("/N") if isinstance(ap, pikepdf.Dictionary) else None
    if isinstance(normal, pikepdf.Dictionary) and not isinstance(normal, pikepdf.Stream):
        states = [v for v in normal.values() if isinstance(v, pikepdf.Stream)]
        normal = states[0] if states else None
    return normal if isinstance(normal, pikepdf.Stream) else None


def _compare(form: pikepdf.Stream, expected: DecodedPicture, source: bytes, memo: Memo) -> str:
    """'' when an image drawn by ``form`` has the picture's pixels, else why not."""
    images = _images(form, 0)
    if not images:
        return "the appearance draws no image"
    undecidable = False
    for image in images:
        key = ("pixels", source, *_fingerprint(image))
        outcome = memo.get(key, partial(_same_pixels, image, expected))
        if outcome is True:
            return ""
        undecidable |= outcome is None
    if undecidable:
        return "cannot compare the appearance image with the seal picture"
    return "the appearance image differs from the seal picture"


def _images(form: pikepdf.Stream, depth: int) -> list[pikepdf.Stream]:
    resources = form.stream_dict.get("/Resources")
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    if not isinstance(xobjects, pikepdf.Dictionary) or depth > _MAX_DEPTH:
        return []
    out = []
    for value in xobjects.values():
        if not isinstance(value, pikepdf.Stream):
            continue
        subtype = value.stream_dict.get("/Subtype")
        if subtype == pikepdf.Name.Image:
            out.append(value)
        elif subtype == pikepdf.Name.Form:
            out += _images(value, depth + 1)
    return out


def _fingerprint(image: pikepdf.Stream) -> tuple[bytes, ...]:
    """The image as stored (dictionary and encoded data, with its soft mask): equal
    fingerprints decode to equal pixels. Compared byte for byte, never by a weak hash."""
    parts = [bytes(image.stream_dict.unparse(resolved=True)), image.read_raw_bytes()]
    mask = image.stream_dict.get("/SMask")
    if isinstance(mask, pikepdf.Stream):
        parts += [bytes(mask.stream_dict.unparse(resolved=True)), mask.read_raw_bytes()]
    return tuple(parts)


def _same_pixels(image: pikepdf.Stream, expected: DecodedPicture) -> bool | None:
    head = image.stream_dict
    if head.get("/Width") != expected.width or head.get("/Height") != expected.height:
        return False
    if head.get("/ColorSpace") != pikepdf.Name.DeviceRGB or head.get("/BitsPerComponent") != 8:
        return None
    try:
        if image.read_bytes() != expected.rgb:
            return False
        mask = head.get("/SMask")
        alpha = mask.read_bytes() if isinstance(mask, pikepdf.Stream) else None
    except pikepdf.PdfError:
        return None
    return alpha == expected.alpha
