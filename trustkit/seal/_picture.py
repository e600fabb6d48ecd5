"""The seal picture (``SES_ESPictrueInfo``): declared type, image bytes, size in millimetres.

The declared type is compared case-insensitively (real seals write ``PNG``, ``png``, ``GIF``
and ``ofd``); the actual format is recognised from the bytes, so a mismatch can be reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from trustkit.exceptions import MalformedInput

__all__ = ["KNOWN_TYPES", "MAKEABLE_TYPES", "SealPicture", "sniff_format"]

# Declared type (upper case) -> canonical format name.
KNOWN_TYPES: Final = {
    "PNG": "png",
    "GIF": "gif",
    "JPG": "jpeg",
    "JPEG": "jpeg",
    "BMP": "bmp",
    "SVG": "svg",
    "OFD": "ofd",
}
# Formats ``make_seal`` accepts, with the type string it writes.
MAKEABLE_TYPES: Final = {"png": "PNG", "gif": "GIF", "jpeg": "JPG"}
_SUFFIX: Final = {"png": ".png", "gif": ".gif", "jpeg": ".jpg", "bmp": ".bmp", "svg": ".svg"}
_MAX_MM: Final = 1000


def sniff_format(data: bytes) -> str | None:
    """The image format recognised from magic bytes, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"BM"):
        return "bmp"
    if data.startswith(b"PK\x03\x04"):
        return "ofd"
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "svg"
    return None


@dataclass(frozen=True)
class SealPicture:
    """The picture stored in a seal. ``width_mm``/``height_mm`` are millimetres."""

    type: str
    data: bytes = field(repr=False)
    width_mm: int
    height_mm: int

    @property
    def declared_format(self) -> str | None:
        """The format the ``type`` field names (case-insensitive), or None if unknown."""
        return KNOWN_TYPES.get(self.type.strip().upper())

    @property
    def detected_format(self) -> str | None:
        return sniff_format(self.data)

    @property
    def suffix(self) -> str:
        """A file-name suffix for extraction (``.ofd`` for OFD pictures, ``.bin`` if unknown)."""
        fmt = self.detected_format or self.declared_format
        return _SUFFIX.get(fmt or "", ".ofd" if fmt == "ofd" else ".bin")

    @classmethod
    def from_image(cls, data: bytes, width_mm: int, height_mm: int) -> SealPicture:
        """A picture for a new seal: PNG, GIF or JPEG recognised from the bytes."""
        fmt = sniff_format(data)
        if fmt not in MAKEABLE_TYPES:
            raise MalformedInput("the seal picture must be a PNG, GIF or JPEG image")
        for value, what in ((width_mm, "width"), (height_mm, "height")):
            if not 0 < value <= _MAX_MM:
                raise MalformedInput(f"picture {what} must be 1..{_MAX_MM} mm, not {value}")
        return cls(MAKEABLE_TYPES[fmt], bytes(data), width_mm, height_mm)
