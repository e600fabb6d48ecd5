"""The visible seal: the seal picture as an image XObject (alpha as ``/SMask``) at real size.

The picture is decoded and compressed once per seal (spec §17.2 item 1); per document only the
object numbers change. The appearance of a widget is a form XObject whose ``/BBox`` is the
widget in points and which draws the whole picture, shifted for a strip of a riding-seam seal,
so the box clips it. The verifier compares the decoded pixels an appearance draws with the
seal's own picture (spec §6.3).
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from trustkit.exceptions import MalformedInput
from trustkit.seal import SealPicture

__all__ = [
    "PT_PER_MM",
    "DecodedPicture",
    "SealImage",
    "decode_picture",
    "fmt",
    "form_xobject",
    "image_streams",
    "mm_to_pt",
]

PT_PER_MM: Final = 72 / 25.4
_MAX_PIXELS: Final = 25_000_000


def mm_to_pt(mm: float) -> float:
    """Millimetres to PDF points (1 pt = 1/72 inch)."""
    return mm * PT_PER_MM


def fmt(value: float) -> bytes:
    """A PDF real with at most four decimals and no exponent."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode("ascii")


@dataclass(frozen=True)
class DecodedPicture:
    """A picture's pixels: 8-bit RGB rows, and 8-bit alpha unless it is fully opaque."""

    width: int
    height: int
    rgb: bytes
    alpha: bytes | None


@lru_cache(maxsize=32)
def decode_picture(data: bytes) -> DecodedPicture:
    """Decode PNG, GIF or JPEG bytes (transparency kept as alpha); MalformedInput otherwise."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "GIF", "JPEG"):
                raise MalformedInput(f"seal picture format {image.format} cannot be drawn")
            if image.width * image.height > _MAX_PIXELS:
                raise MalformedInput("the seal picture has too many pixels")
            transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            rgba = image.convert("RGBA" if transparent else "RGB")
            rgb = rgba.convert("RGB").tobytes() if transparent else rgba.tobytes()
            alpha = rgba.getchannel("A").tobytes() if transparent else None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise MalformedInput(f"the seal picture cannot be decoded: {exc}") from exc
    if alpha is not None and alpha.count(255) == len(alpha):
        alpha = None
    return DecodedPicture(rgba.width, rgba.height, rgb, alpha)


@dataclass(frozen=True)
class SealImage:
    """The encoded image XObject streams and the picture's size in points."""

    width_pt: float
    height_pt: float
    image_head: bytes  # dictionary entries, without /SMask and /Length
    image_data: bytes
    mask_head: bytes | None
    mask_data: bytes | None


@lru_cache(maxsize=32)
def image_streams(picture: SealPicture) -> SealImage:
    """Encode a seal picture once: Flate RGB plus a Flate ``/SMask`` when it has alpha."""
    decoded = decode_picture(picture.data)
    size = b"/Width %d /Height %d /BitsPerComponent 8 /Filter /FlateDecode" % (
        decoded.width,
        decoded.height,
    )
    image_head = b"/Type /XObject /Subtype /Image " + size + b" /ColorSpace /DeviceRGB"
    mask_head = mask_data = None
    if decoded.alpha is not None:
        mask_head = b"/Type /XObject /Subtype /Image " + size + b" /ColorSpace /DeviceGray"
        mask_data = zlib.compress(decoded.alpha, 6)
    return SealImage(
        mm_to_pt(picture.width_mm),
        mm_to_pt(picture.height_mm),
        image_head,
        zlib.compress(decoded.rgb, 6),
        mask_head,
        mask_data,
    )


# counter-clockwise turns that undo a page's clockwise /Rotate, as form matrices
_UPRIGHT = {
    0: b"",
    90: b" /Matrix [0 1 -1 0 0 0]",
    180: b" /Matrix [-1 0 0 -1 0 0]",
    270: b" /Matrix [0 -1 1 0 0 0]",
}


def form_xobject(
    image: SealImage, image_ref: bytes, width: float, shift: float, rotate: int = 0
) -> bytes:
    """An appearance stream object body: a ``width`` × picture-height box showing the picture
    moved left by ``shift`` points (0 for a whole seal), turned against the page's /Rotate so
    the seal stands upright on screen."""
    height = image.height_pt
    content = b"q\n%s 0 0 %s %s 0 cm\n/Im0 Do\nQ\n" % (
        fmt(image.width_pt),
        fmt(height),
        fmt(-shift),
    )
    head = (
        b"/Type /XObject /Subtype /Form /BBox [0 0 %s %s]%s /Resources << /XObject << /Im0 %s >> >>"
        % (
            fmt(width),
            fmt(height),
            _UPRIGHT[rotate],
            image_ref,
        )
    )
    return stream_body(head, content)


def stream_body(head: bytes, data: bytes) -> bytes:
    """``<< head /Length n >> stream … endstream`` for an indirect object."""
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (head, len(data), data)
