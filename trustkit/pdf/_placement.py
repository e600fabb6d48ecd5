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

    @property
    def width(self) -> float:
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
        left, top = _origin(pdf.pages[index])
        centre = (left + mm_to_pt(placement.x_mm), top - mm_to_pt(placement.y_mm))
        return _on_page(pdf, [WidgetSpec(index, _box(centre, size))])
    if isinstance(placement, Keyword):
        return _on_page(pdf, _keyword(placement, data, size))
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


def _origin(page: pikepdf.Page) -> tuple[float, float]:
    left, _bottom, _right, top = _crop(page)
    return left, top


def _box(
    centre: tuple[float, float], size: tuple[float, float]
) -> tuple[float, float, float, float]:
    (x, y), (w, h) = centre, size
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def _keyword(placement: Keyword, data: bytes, size: tuple[float, float]) -> list[WidgetSpec]:
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
    return [WidgetSpec(h.page, _box((h.centre[0] + dx, h.centre[1] - dy), size)) for h in hits]


def _riding(placement: RidingSeam, pdf: pikepdf.Pdf, size: tuple[float, float]) -> list[WidgetSpec]:
    count = len(pdf.pages)
    first, last = _page(placement.first, count), _page(placement.last, count)
    if last - first < 1:
        raise MalformedInput("a riding-seam seal needs at least two pages")
    pages = list(range(first, last + 1))
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
