"""Keyword search in the page text (关键字定位), with glyph boxes from PDFium (pypdfium2).

pikepdf has no text extraction with positions; pypdfium2 (Apache-2.0/BSD-3-Clause) has. CJK text
is found only where the font maps to Unicode (a ``/ToUnicode`` map or a predefined CMap such as
``UniGB-UCS2-H``); otherwise the keyword is reported as not found (spec §6.5), never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trustkit.exceptions import MalformedInput

__all__ = ["Hit", "find_keyword"]


@dataclass(frozen=True)
class Hit:
    page: int  # 0-based
    box: tuple[float, float, float, float]  # left, bottom, right, top in user space

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)


def find_keyword(data: bytes, text: str) -> list[Hit]:
    """Every hit of ``text`` in reading order, page by page."""
    pdfium = _pdfium()
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise MalformedInput(f"PDFium cannot open the document: {exc}") from exc
    hits: list[Hit] = []
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            try:
                hits += _page_hits(textpage, index, text)
            finally:
                textpage.close()
                page.close()
    finally:
        document.close()
    return hits


def _page_hits(textpage: Any, index: int, text: str) -> list[Hit]:
    searcher = textpage.search(text, match_case=True, match_whole_word=False)
    hits = []
    try:
        while (found := searcher.get_next()) is not None:
            first, count = found
            boxes = [textpage.get_charbox(i, loose=True) for i in range(first, first + count)]
            box = (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
            hits.append(Hit(index, box))
    finally:
        searcher.close()
    return hits


def _pdfium() -> Any:
    try:
        import pypdfium2
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise MalformedInput("keyword placement needs the pypdfium2 package") from exc
    return pypdfium2
