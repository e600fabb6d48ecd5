"""Where a seal goes: page and coordinates, a keyword in the page text, or a riding seam.

Coordinates are millimetres measured from the top-left corner of the page's crop box to the
centre of the seal, as Chinese e-seal APIs give them (spec §6.5). Every placement resolves to
one or more widgets: a page, a rectangle in points and, for the strips of a riding-seam seal
(骑缝章, spec §6.4), how far the picture is shifted left inside the strip. Page numbers count
from 1; negative numbers count from the end (-1 is the last page). Page rotation is not applied:
rectangles are in the page's unrotated user space.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

import pikepdf

from trustkit.exceptions import MalformedInput
from trustkit.pdf._appearance import mm_to_pt
from trustkit.pdf._keyword import find_keyword

__all__ = [
    "At",
    "Invisible",
    "Keyword",
    "KeywordNotFound",
    "Placement",
    "RidingSeam",
    "WidgetSpec",
    "resolve",
]


@dataclass(frozen=True)
class At:
    """The seal's centre at ``x_mm`` from the left and ``y_mm`` from the top of ``page``."""

    page: int = 1
    x_mm: float = 150.0
    y_mm: float = 240.0


@dataclass(frozen=True)
class Keyword:
    """Stamp on a phrase found in the page text (关键字签章).

    ``order``: ``last`` (default), ``first`` or ``all`` hits; ``seq`` picks the n-th hit in that
    order (1 = the first one met). The seal's centre is the centre of the hit, moved by
    ``dx_mm`` to the right and ``dy_mm`` down.
    """

    text: str
    order: Literal["first", "last", "all"] = "last"
    seq: int = 1
    dx_mm: float = 0.0
    dy_mm: float = 0.0


@dataclass(frozen=True)
class RidingSeam:
    """One seal cut into strips across the right (or left) edges of pages ``first``..``last``.

    ``y_mm`` is the seal's centre from the top of each page (default: the middle).
    """

    first: int = 1
    last: int = -1
    y_mm: float | None = None
    side: Literal["right", "left"] = "right"


@dataclass(frozen=True)
class Invisible:
    """A signature without a visible widget (zero ``/Rect``, no appearance) on ``page``."""

    page: int = 1


Placement: TypeAlias = At | Keyword | RidingSeam | Invisible


class KeywordNotFound(MalformedInput):
    """``stamp.keyword_not_found``: the phrase is not in the text of the pages searched."""

    reason = "stamp.keyword_not_found"


@dataclass(frozen=True)
class WidgetSpec:
    page: int  # 0-based
    rect: tuple[float, float, float, float]
    shift: float = 0.0  # points the picture is moved left inside the box
    visible: bool = True
    rotate: int = 0  # the page's /Rotate: the appearance turns the other way to stand upright

    @property
    def width(self) -> float:
        """Width of the seal's own frame (the box before the page rotation)."""
        if self.rotate in (90, 270):
            return self.rect[3] - self.rect[1]
        return self.rect[2] - self.rect[0]


def resolve(
    placement: Placement, pdf: pikepdf.Pdf, data: bytes, size: tuple[float, float]
) -> list[WidgetSpec]:
    """The widgets of a placement; ``size`` is the seal's (width, height) in points."""
    count = len(pdf.pages)
    if isinstance(placement, Invisible):
        return [WidgetSpec(_page(placement.page, count), (0.0, 0.0, 0.0, 0.0), visible=False)]
    if isinstance(placement, At):
        index = _page(placement.page, count)
        page = pdf.pages[index]
        rotate = page_rotation(page)
        offset = (mm_to_pt(placement.x_mm), mm_to_pt(placement.y_mm))
        centre = _display_to_user(_crop(page), rotate, offset)
        box = _box(centre, _turned(size, rotate))
        return _on_page(pdf, [WidgetSpec(index, box, rotate=rotate)])
    if isinstance(placement, Keyword):
        return _on_page(pdf, _keyword(placement, pdf, data, size))
    return _riding(placement, pdf, size)


_PT_PER_MM = 72 / 25.4


def _on_page(pdf: pikepdf.Pdf, specs: list[WidgetSpec]) -> list[WidgetSpec]:
    """Refuse a seal that would not lie wholly on its page: it would be invisible or cut off."""
    slack = 0.5  # points, for rounding
    for spec in specs:
        x0, y0, x1, y1 = _crop(pdf.pages[spec.page])
        r = spec.rect
        if r[0] < x0 - slack or r[1] < y0 - slack or r[2] > x1 + slack or r[3] > y1 + slack:
            width_mm, height_mm = (x1 - x0) / _PT_PER_MM, (y1 - y0) / _PT_PER_MM
            raise MalformedInput(
                f"the seal would not lie wholly on page {spec.page + 1} "
                f"({width_mm:.0f} x {height_mm:.0f} mm); placements are in mm from the top left"
            )
    return specs


def _page(number: int, count: int) -> int:
    index = number - 1 if number > 0 else count + number
    if number == 0 or not 0 <= index < count:
        raise MalformedInput(f"page {number} does not exist (the document has {count})")
    return index


def _crop(page: pikepdf.Page) -> tuple[float, float, float, float]:
    box = [float(v) for v in page.cropbox]
    return min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3])


def page_rotation(page: pikepdf.Page) -> int:
    """The page's /Rotate (inherited through /Parent), normalised to 0, 90, 180 or 270."""
    node: object = page.obj
    for _ in range(64):  # the page tree's depth; guards against /Parent loops
        if not isinstance(node, pikepdf.Dictionary):
            break
        value = node.get("/Rotate")
        if value is not None:
            try:
                angle = int(value)
            except (TypeError, ValueError):
                raise MalformedInput("the page /Rotate is not an integer") from None
            if angle % 90:
                raise MalformedInput(f"the page /Rotate {angle} is not a multiple of 90")
            return angle % 360
        node = node.get("/Parent")
    return 0


def _turned(size: tuple[float, float], rotate: int) -> tuple[float, float]:
    """The seal's (width, height) in the page's unrotated user space."""
    return (size[1], size[0]) if rotate in (90, 270) else size


def _display_to_user(
    crop: tuple[float, float, float, float], rotate: int, offset: tuple[float, float]
) -> tuple[float, float]:
    """A point given from the top-left of the page as displayed, in unrotated user space.

    /Rotate turns the displayed page clockwise: at 90 the user-space bottom-left corner is shown
    top-left, "right" on screen is +y and "down" is +x, and so on.
    """
    x0, y0, x1, y1 = crop
    dx, dy = offset
    if rotate == 90:
        return x0 + dy, y0 + dx
    if rotate == 180:
        return x1 - dx, y0 + dy
    if rotate == 270:
        return x1 - dy, y1 - dx
    return x0 + dx, y1 - dy


def _display_vector(rotate: int, dx: float, dy: float) -> tuple[float, float]:
    """A move right by dx and down by dy on screen, as a user-space vector."""
    return {0: (dx, -dy), 90: (dy, dx), 180: (-dx, dy), 270: (-dy, -dx)}[rotate]


def _origin(page: pikepdf.Page) -> tuple[float, float]:
    left, _bottom, _right, top = _crop(page)
    return left, top


def _box(
    centre: tuple[float, float], size: tuple[float, float]
) -> tuple[float, float, float, float]:
    (x, y), (w, h) = centre, size
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def _keyword(
    placement: Keyword, pdf: pikepdf.Pdf, data: bytes, size: tuple[float, float]
) -> list[WidgetSpec]:
    if not placement.text.strip():
        raise MalformedInput("the keyword is empty")
    hits = find_keyword(data, placement.text)
    if placement.order == "last":
        hits = hits[::-1]
    if not hits:
        raise KeywordNotFound(f"keyword {placement.text!r} not found on any page")
    if placement.order != "all":
        if not 1 <= placement.seq <= len(hits):
            raise KeywordNotFound(
                f"keyword {placement.text!r} has {len(hits)} hit(s), not {placement.seq}"
            )
        hits = [hits[placement.seq - 1]]
    dx, dy = mm_to_pt(placement.dx_mm), mm_to_pt(placement.dy_mm)
    specs = []
    for hit in hits:
        rotate = page_rotation(pdf.pages[hit.page])
        ux, uy = _display_vector(rotate, dx, dy)
        centre = (hit.centre[0] + ux, hit.centre[1] + uy)
        specs.append(WidgetSpec(hit.page, _box(centre, _turned(size, rotate)), rotate=rotate))
    return specs


def _riding(placement: RidingSeam, pdf: pikepdf.Pdf, size: tuple[float, float]) -> list[WidgetSpec]:
    count = len(pdf.pages)
    first, last = _page(placement.first, count), _page(placement.last, count)
    if last - first < 1:
        raise MalformedInput("a riding-seam seal needs at least two pages")
    pages = list(range(first, last + 1))
    if any(page_rotation(pdf.pages[index]) for index in pages):
        # the strips would land on the wrong edge and lie on their side: refuse, never mis-stamp
        raise MalformedInput("riding-seam seals on rotated (/Rotate) pages are not supported")
    width, height = size
    strip = width / len(pages)
    specs = []
    for k, index in enumerate(pages):
        left, bottom, right, top = _crop(pdf.pages[index])
        y = (top + bottom) / 2 if placement.y_mm is None else top - mm_to_pt(placement.y_mm)
        x0 = right - strip if placement.side == "right" else left
        rect = (x0, y - height / 2, x0 + strip, y + height / 2)
        specs.append(WidgetSpec(index, rect, shift=k * strip))
    return specs
