"""Revisions of a PDF file: cross-reference sections followed from ``startxref`` along ``/Prev``.

Each revision ends at the ``%%EOF`` that follows its own cross-reference section and trailer;
``%%EOF`` is never searched for in the body (iText DEVSIX-10338, spec §9). A section must be
followed by ``startxref`` naming its own offset, so an update without a cross-reference section
or trailer is structurally invalid instead of silently repaired. Bytes after the last revision
other than whitespace are reported as trailing garbage.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field, replace
from typing import Final

from trustkit.exceptions import MalformedInput
from trustkit.pdf._syntax import (
    WHITESPACE,
    Name,
    PdfObject,
    parse_indirect,
    parse_object,
    skip_space,
)

__all__ = [
    "FileStructure",
    "Revision",
    "StructureError",
    "XrefEntry",
    "XrefSection",
    "read_structure",
]

_STARTXREF_RE: Final = re.compile(rb"startxref[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]*%%EOF")
_SUBSECTION_RE: Final = re.compile(rb"(\d+)[ ]+(\d+)[ \t]*(?:\r\n|\r|\n)")
_ENTRY_RE: Final = re.compile(rb"(\d{10}) (\d{5}) ([nf])(?: \r| \n|\r\n| ?\n| ?\r)")
_MAX_SECTIONS: Final = 4096
_MAX_OBJECTS: Final = 8_000_000
_MAX_WIDTH: Final = 8  # bytes per /W field: wider offsets or numbers are absurd
_MAX_COLUMNS: Final = 256
_MAX_XREF_DATA: Final = 64 << 20  # decoded bytes of one xref stream


#: Reason for a broken xref stream: the verifier then keeps the file away from qpdf, which
#: would inflate it again (a compression bomb costs memory and time there too).
XREF_STREAM_INVALID = "pdf.xref_stream_invalid"


class StructureError(MalformedInput):
    """The file structure is broken; ``reason`` is a stable code (``pdf.trailing_garbage``…)."""

    def __init__(self, message: str, reason: str = "pdf.structure_invalid") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class XrefEntry:
    """One entry: kind 0 free, 1 at ``a`` = file offset (``b`` = generation), 2 in object stream
    ``a`` at index ``b``."""

    kind: int
    a: int
    b: int


@dataclass(frozen=True)
class XrefSection:
    offset: int
    kind: str  # "table" | "stream"
    trailer: dict[str, PdfObject]
    entries: dict[int, XrefEntry]
    end: int  # just after %%EOF and one end-of-line
    eof_at: int  # just after %%EOF
    stream_num: int | None = None  # the object number of an xref stream
    named: int = -1  # the offset its following startxref names (its own, unless linearized)

    @property
    def prev(self) -> int | None:
        value = self.trailer.get("Prev")
        return value if isinstance(value, int) else None

    @property
    def hybrid(self) -> bool:
        return "XRefStm" in self.trailer


@dataclass(frozen=True)
class Revision:
    """Revision ``index`` (0 = the original): bytes ``[0, end)``; its update ``[start, end)``."""

    index: int
    start: int
    end: int
    eof_at: int
    sections: tuple[XrefSection, ...]
    entries: dict[int, XrefEntry] = field(default_factory=dict)

    @property
    def section(self) -> XrefSection:
        """The section that ``startxref`` of this revision names."""
        return self.sections[-1]

    @property
    def trailer(self) -> dict[str, PdfObject]:
        return self.section.trailer

    def ends_here(self, offset: int) -> bool:
        return offset in (self.end, self.eof_at)


@dataclass(frozen=True)
class FileStructure:
    size: int
    revisions: tuple[Revision, ...]
    linearized: bool = False
    trailing: int = 0  # bytes after the last revision that are not whitespace-only

    @property
    def last(self) -> Revision:
        return self.revisions[-1]

    def revision_ending_at(self, offset: int) -> Revision | None:
        for revision in self.revisions:
            if revision.ends_here(offset):
                return revision
        return None


def read_structure(data: bytes, *, allow_trailing: bool = False) -> FileStructure:
    """Split ``data`` into revisions; StructureError if the chain is broken, or if bytes other
    than whitespace follow the last revision (unless ``allow_trailing``: then they are counted
    in ``trailing``)."""
    if not data.startswith(b"%PDF-"):
        raise StructureError("not a PDF file (no %PDF- header)")
    last = _last_startxref(data)
    sections: list[XrefSection] = []
    seen: set[int] = set()
    offset: int | None = last
    # Every entry stands for at least one byte of the file (a table row takes 20): a stream
    # declaring more rows than that is a decompression bomb, not a document.
    budget = min(_MAX_OBJECTS, len(data))
    while offset is not None:
        if offset in seen or len(sections) >= _MAX_SECTIONS:
            raise StructureError(f"cross-reference chain loops at offset {offset}")
        seen.add(offset)
        sections.append(_section(data, offset, budget))
        budget -= len(sections[-1].entries)
        offset = sections[-1].prev
    sections.reverse()  # oldest first
    structure = _group(data, sections)
    tail = data[structure.last.end :]
    if tail.strip(WHITESPACE):
        if allow_trailing:
            return replace(structure, trailing=len(tail))
        raise StructureError(
            f"{len(tail)} bytes after the last revision are not a complete update",
            "pdf.trailing_garbage",
        )
    return structure


def _last_startxref(data: bytes) -> int:
    pos = data.rfind(b"startxref")
    if pos < 0:
        raise StructureError("no startxref in the file")
    match = _STARTXREF_RE.match(data, pos)
    if match is None:
        raise StructureError("the last startxref is not followed by an offset and %%EOF")
    value = int(match.group(1))
    if value >= len(data):
        raise StructureError(f"startxref {value} points past the end of the file")
    return value


def _section(data: bytes, offset: int, budget: int) -> XrefSection:
    if offset >= len(data):
        raise StructureError(f"cross-reference offset {offset} is past the end of the file")
    try:
        if data.startswith(b"xref", offset):
            entries, trailer, after = _table(data, offset)
            kind, num = "table", None
        else:
            entries, trailer, after, num = _stream(data, offset, budget)
            kind = "stream"
    except StructureError:
        raise
    except (MalformedInput, ValueError, IndexError, zlib.error) as exc:
        raise StructureError(f"cross-reference section at {offset}: {exc}") from exc
    named, eof_at, end = _startxref_after(data, after, offset)
    return XrefSection(offset, kind, trailer, entries, end, eof_at, num, named)


def _startxref_after(data: bytes, pos: int, offset: int) -> tuple[int, int, int]:
    pos = skip_space(data, pos)
    match = _STARTXREF_RE.match(data, pos)
    if match is None:
        raise StructureError(
            f"the cross-reference section at {offset} is not followed by startxref"
        )
    eof_at = match.end()
    end = eof_at
    if data.startswith(b"\r\n", end):
        end += 2
    elif data[end : end + 1] in (b"\n", b"\r"):
        end += 1
    return int(match.group(1)), eof_at, end


def _table(data: bytes, offset: int) -> tuple[dict[int, XrefEntry], dict[str, PdfObject], int]:
    pos = skip_space(data, offset + 4)
    entries: dict[int, XrefEntry] = {}
    while not data.startswith(b"trailer", pos):
        header = _SUBSECTION_RE.match(data, pos)
        if header is None:
            raise StructureError(f"bad cross-reference subsection at offset {pos}")
        first, count = int(header.group(1)), int(header.group(2))
        if first + count > _MAX_OBJECTS:
            raise StructureError(f"cross-reference subsection too large at offset {pos}")
        pos = header.end()
        for number in range(first, first + count):
            entry = _ENTRY_RE.match(data, pos)
            if entry is None:
                raise StructureError(f"bad cross-reference entry at offset {pos}")
            kind = 1 if entry.group(3) == b"n" else 0
            entries[number] = XrefEntry(kind, int(entry.group(1)), int(entry.group(2)))
            pos = entry.end()
        pos = skip_space(data, pos)
    trailer, after = parse_object(data, pos + 7)
    if not isinstance(trailer, dict):
        raise StructureError(f"the trailer at {pos} is not a dictionary")
    return entries, trailer, after


def _stream(
    data: bytes, offset: int, budget: int
) -> tuple[dict[int, XrefEntry], dict[str, PdfObject], int, int]:
    obj = parse_indirect(data, offset)
    head = obj.value
    if not isinstance(head, dict) or head.get("Type") != "XRef" or obj.stream_start is None:
        raise StructureError(f"offset {offset} holds neither an xref table nor an xref stream")
    length = head.get("Length")
    if not isinstance(length, int) or length < 0:
        raise StructureError(
            f"xref stream at {offset} has no direct /Length", reason=XREF_STREAM_INVALID
        )
    raw = data[obj.stream_start : obj.stream_start + length]
    after = skip_space(data, obj.stream_start + length)
    if not data.startswith(b"endstream", after):
        raise StructureError(
            f"xref stream at {offset}: endstream expected at {after}", reason=XREF_STREAM_INVALID
        )
    after = skip_space(data, after + 9)
    if not data.startswith(b"endobj", after):
        raise StructureError(
            f"xref stream at {offset}: endobj expected at {after}", reason=XREF_STREAM_INVALID
        )
    layout = _layout(head, budget)
    entries = _stream_entries(layout, _decode(head, raw, layout.rows * layout.row))
    trailer = {k: v for k, v in head.items() if k not in ("Length", "Filter", "DecodeParms")}
    return entries, trailer, after + 6, obj.num


@dataclass(frozen=True)
class _Layout:
    """An xref stream's rows: ``/W`` widths and the ``/Index`` subsections, checked."""

    widths: tuple[int, int, int]
    subsections: tuple[tuple[int, int], ...]

    @property
    def row(self) -> int:
        return sum(self.widths)

    @property
    def rows(self) -> int:
        return sum(count for _, count in self.subsections)


def _layout(head: dict[str, PdfObject], budget: int) -> _Layout:
    """Check ``/W``, ``/Size`` and ``/Index`` before anything is decoded."""
    widths = head.get("W")
    size = head.get("Size")
    if not (
        isinstance(widths, list)
        and len(widths) == 3
        and all(isinstance(w, int) and 0 <= w <= _MAX_WIDTH for w in widths)
    ):
        raise StructureError(
            f"xref stream /W must hold three integers from 0 to {_MAX_WIDTH}",
            reason=XREF_STREAM_INVALID,
        )
    w0, w1, w2 = (int(w) for w in widths)  # type: ignore[arg-type]
    if not isinstance(size, int) or not 0 <= size <= _MAX_OBJECTS or w0 + w1 + w2 == 0:
        raise StructureError("xref stream /W or /Size is invalid", reason=XREF_STREAM_INVALID)
    index = head.get("Index", [0, size])
    if not isinstance(index, list) or len(index) % 2 or not all(isinstance(i, int) for i in index):
        raise StructureError("xref stream /Index is invalid", reason=XREF_STREAM_INVALID)
    subsections: list[tuple[int, int]] = []
    total = 0
    for first, count in zip(index[::2], index[1::2], strict=True):
        assert isinstance(first, int) and isinstance(count, int)
        if first < 0 or count < 0 or first + count > size:
            raise StructureError(
                f"xref stream /Index [{first} {count}] exceeds /Size {size}",
                reason=XREF_STREAM_INVALID,
            )
        total += count
        if total > budget:
            raise StructureError(
                f"xref stream declares more entries than the file can hold ({budget} left)",
                reason=XREF_STREAM_INVALID,
            )
        subsections.append((first, count))
    return _Layout((w0, w1, w2), tuple(subsections))


def _decode(head: dict[str, PdfObject], raw: bytes, needed: int) -> bytes:
    """The stream's ``needed`` bytes of rows; never inflates more than the rows can use."""
    filters = head.get("Filter")
    names = filters if isinstance(filters, list) else [filters] if filters is not None else []
    if names not in ([], [Name("FlateDecode")]):
        raise StructureError(
            f"xref stream filter {names} is not supported", reason=XREF_STREAM_INVALID
        )
    params = head.get("DecodeParms")
    if isinstance(params, list):
        params = params[0] if params else None
    predictor = params.get("Predictor", 1) if isinstance(params, dict) else 1
    columns = params.get("Columns", 1) if isinstance(params, dict) else 1
    if predictor in (None, 1):
        expected = needed
    elif (
        isinstance(predictor, int)
        and 10 <= predictor <= 15
        and isinstance(columns, int)
        and 0 < columns <= _MAX_COLUMNS
    ):
        expected = -(-needed // columns) * (columns + 1)
    else:
        raise StructureError(
            f"xref stream predictor {predictor} / {columns} is not supported",
            reason=XREF_STREAM_INVALID,
        )
    if expected > _MAX_XREF_DATA:
        raise StructureError(
            f"xref stream would decode to {expected} bytes", reason=XREF_STREAM_INVALID
        )
    body = _inflate(raw, expected) if names else raw
    if len(body) > expected:
        raise StructureError(
            f"xref stream data is longer than its /Index needs ({expected})",
            reason=XREF_STREAM_INVALID,
        )
    if expected != needed:
        assert isinstance(columns, int)
        body = _png_unfilter(body, columns)
    return body


def _inflate(raw: bytes, expected: int) -> bytes:
    """Inflate at most ``expected + 1`` bytes (one more shows the data is too long)."""
    inflater = zlib.decompressobj()
    body = inflater.decompress(raw, expected + 1)
    if len(body) <= expected and not inflater.eof:
        raise StructureError(
            "xref stream data is truncated (incomplete Flate data)", reason=XREF_STREAM_INVALID
        )
    return body


def _png_unfilter(body: bytes, columns: int) -> bytes:
    """Undo PNG row predictors; ``None`` and ``Up`` (what writers use) a row at a time."""
    row_size = columns + 1
    if columns <= 0 or len(body) % row_size:
        raise StructureError(
            "xref stream data does not fit its /Columns", reason=XREF_STREAM_INVALID
        )
    rows: list[bytes] = []
    previous = bytes(columns)
    for start in range(0, len(body), row_size):
        kind, row = body[start], body[start + 1 : start + row_size]
        if kind == 0:
            previous = row
        elif kind == 2:
            previous = _add_rows(row, previous)
        elif kind in (1, 3, 4):
            previous = _unfilter_row(kind, row, previous)
        else:
            raise StructureError(f"unknown PNG predictor {kind} in an xref stream")
        rows.append(previous)
    return b"".join(rows)


def _add_rows(row: bytes, up: bytes) -> bytes:
    """Byte-wise ``(row + up) mod 256`` in C: both spread into 16-bit lanes, added as integers
    (no lane carries into the next), and the low byte of each lane kept."""
    size = len(row)
    wide_row, wide_up = bytearray(2 * size), bytearray(2 * size)
    wide_row[1::2], wide_up[1::2] = row, up
    total = int.from_bytes(wide_row, "big") + int.from_bytes(wide_up, "big")
    return total.to_bytes(2 * size, "big")[1::2]


def _unfilter_row(kind: int, raw: bytes, previous: bytes) -> bytes:
    row = bytearray(raw)
    for i in range(len(row)):
        left = row[i - 1] if i else 0
        up = previous[i]
        if kind == 1:
            row[i] = (row[i] + left) & 0xFF
        elif kind == 3:
            row[i] = (row[i] + (left + up) // 2) & 0xFF
        else:
            corner = previous[i - 1] if i else 0
            row[i] = (row[i] + _paeth(left, up, corner)) & 0xFF
    return bytes(row)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _stream_entries(layout: _Layout, body: bytes) -> dict[int, XrefEntry]:
    w0, w1, _ = layout.widths
    row = layout.row
    if len(body) < layout.rows * row:
        raise StructureError(
            "xref stream data is shorter than its /Index", reason=XREF_STREAM_INVALID
        )
    if len(body) > layout.rows * row:
        raise StructureError(
            "xref stream data is longer than its /Index", reason=XREF_STREAM_INVALID
        )
    entries: dict[int, XrefEntry] = {}
    pos = 0
    for first, count in layout.subsections:
        for number in range(first, first + count):
            kind = int.from_bytes(body[pos : pos + w0], "big") if w0 else 1
            a = int.from_bytes(body[pos + w0 : pos + w0 + w1], "big")
            b = int.from_bytes(body[pos + w0 + w1 : pos + row], "big")
            entries[number] = XrefEntry(kind, a, b)
            pos += row
    return entries


def _group(data: bytes, sections: list[XrefSection]) -> FileStructure:
    """Sections (oldest first) to revisions; a linearized original's two sections make one."""
    linearized = _is_linearized(data)
    groups: list[list[XrefSection]] = []
    for section in sections:
        # In a linearized file the first-page section (near the start) names the main section
        # (near the end) as /Prev: a /Prev pointing forward joins the original revision.
        if groups and len(groups) == 1 and linearized and section.offset < groups[0][-1].offset:
            groups[0].append(section)
            continue
        groups.append([section])
    revisions: list[Revision] = []
    start = 0
    for index, group in enumerate(groups):
        end = max(s.end for s in group)
        eof_at = max(s.eof_at for s in group)
        if index and min(s.offset for s in group) < start:
            raise StructureError(f"revision {index} starts inside revision {index - 1}")
        if len(group) == 1 and group[0].named != group[0].offset:
            raise StructureError(
                f"startxref {group[0].named} after the section at {group[0].offset} names "
                "another offset"
            )
        entries: dict[int, XrefEntry] = {}
        for section in sorted(group, key=lambda s: s.offset, reverse=True):
            entries.update(section.entries)  # a linearized file's first-page section wins
        revisions.append(Revision(index, start, end, eof_at, tuple(group), entries))
        start = end
    return FileStructure(len(data), tuple(revisions), linearized)


def _is_linearized(data: bytes) -> bool:
    head = data[:1024]
    pos = head.find(b"obj")
    if pos < 0:
        return False
    try:
        value, _ = parse_object(data, pos + 3)
    except MalformedInput:
        return False
    return isinstance(value, dict) and "Linearized" in value
