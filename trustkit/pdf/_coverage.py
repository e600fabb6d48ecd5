"""Where a signature dictionary lies in the file, and what its ByteRange covers (spec §10).

Coverage levels follow pyHanko: ``UNCLEAR`` when any ByteRange rule fails,
``CONTIGUOUS_BLOCK_FROM_START`` when the signed bytes do not end at a revision boundary,
``ENTIRE_REVISION`` and ``ENTIRE_FILE``. The rules: four non-negative integers; the first is 0;
the gap is exactly the ``<…>`` of this dictionary's ``/Contents`` and holds only hex digits;
no range is empty-crossing, overlapping or past the end; the dictionary itself is signed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from trustkit.exceptions import MalformedInput
from trustkit.pdf._syntax import IndirectObject, PdfObject, PdfString, Ref, parse_indirect
from trustkit.pdf._xref import FileStructure, Revision

__all__ = [
    "ENTIRE_FILE",
    "ENTIRE_REVISION",
    "PARTIAL",
    "UNCLEAR",
    "Coverage",
    "LocateError",
    "RawSignature",
    "evaluate_coverage",
    "locate",
]

UNCLEAR: Final = "UNCLEAR"
PARTIAL: Final = "CONTIGUOUS_BLOCK_FROM_START"
ENTIRE_REVISION: Final = "ENTIRE_REVISION"
ENTIRE_FILE: Final = "ENTIRE_FILE"
_HEX_RE: Final = re.compile(rb"[0-9A-Fa-f]*")


class LocateError(MalformedInput):
    """The signature dictionary cannot be read from the raw file as an indirect object."""


@dataclass(frozen=True)
class RawSignature:
    ref: Ref
    obj: IndirectObject
    revision: Revision  # the revision whose cross-reference section defines it

    @property
    def value(self) -> dict[str, PdfObject]:
        return self.obj.value if isinstance(self.obj.value, dict) else {}


@dataclass(frozen=True)
class Coverage:
    level: str
    byte_range: tuple[int, int, int, int] | None = None
    revision: Revision | None = None  # the revision the signed bytes end with
    detail: str = ""

    @property
    def signed_end(self) -> int:
        assert self.byte_range is not None
        return self.byte_range[2] + self.byte_range[3]


def locate(data: bytes, structure: FileStructure, ref: Ref) -> RawSignature:
    """The latest definition of ``ref`` in the file, parsed from the raw bytes."""
    for revision in reversed(structure.revisions):
        entry = revision.entries.get(ref.num)
        if entry is None:
            continue
        if entry.kind == 2:
            raise LocateError(f"signature dictionary {ref.num} {ref.gen} is in an object stream")
        if entry.kind != 1 or entry.b != ref.gen:
            raise LocateError(f"signature dictionary {ref.num} {ref.gen} is not in use")
        obj = parse_indirect(data, entry.a, expect=ref)
        if not isinstance(obj.value, dict) or obj.stream_start is not None:
            raise LocateError(f"object {ref.num} {ref.gen} is not a dictionary")
        return RawSignature(ref, obj, revision)
    raise LocateError(f"signature dictionary {ref.num} {ref.gen} is not in any xref section")


def evaluate_coverage(data: bytes, structure: FileStructure, raw: RawSignature) -> Coverage:
    """Apply every ByteRange rule; the first broken rule makes the coverage UNCLEAR."""
    value = raw.value.get("ByteRange")
    contents = raw.value.get("Contents")
    if not isinstance(value, list) or len(value) != 4:
        return Coverage(UNCLEAR, detail=f"/ByteRange is {_show(value)}, not four integers")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return Coverage(UNCLEAR, detail=f"/ByteRange {_show(value)} holds non-integers")
    a, b, c, d = (int(v) for v in value if isinstance(v, int))
    byte_range = (a, b, c, d)
    problem = _range_problem(byte_range, len(data), contents, data)
    if problem is None:
        problem = _self_problem(raw, byte_range)
    if problem is not None:
        return Coverage(UNCLEAR, byte_range, detail=problem)
    end = c + d
    revision = structure.revision_ending_at(end)
    if revision is None:
        detail = f"the signed bytes end at {end}, which is not the end of a revision"
        return Coverage(PARTIAL, byte_range, detail=detail)
    if revision.index == len(structure.revisions) - 1 and not data[end:].strip(b"\x00\t\n\x0c\r "):
        return Coverage(ENTIRE_FILE, byte_range, revision, f"{end} bytes, the whole file")
    later = len(structure.revisions) - 1 - revision.index
    detail = (
        f"revision {revision.index + 1} of {len(structure.revisions)}; {later} update(s) follow"
    )
    return Coverage(ENTIRE_REVISION, byte_range, revision, detail)


def _range_problem(
    br: tuple[int, int, int, int], size: int, contents: object, data: bytes
) -> str | None:
    a, b, c, d = br
    if min(br) < 0:
        return f"/ByteRange {list(br)} has a negative value"
    if a != 0:
        return f"/ByteRange starts at {a}, not 0"
    if not b < c:
        return f"/ByteRange {list(br)}: the ranges overlap or touch"
    if c + d > size or b > size:
        return f"/ByteRange {list(br)} reaches past the end of the file ({size} bytes)"
    if not isinstance(contents, PdfString) or not contents.hex:
        return "/Contents is not a hex string, so the gap cannot be checked"
    if (b, c) != (contents.start, contents.end):
        return (
            f"the gap {b}..{c} is not this dictionary's /Contents "
            f"({contents.start}..{contents.end})"
        )
    if data[b : b + 1] != b"<" or data[c - 1 : c] != b">":
        return "the gap is not delimited by < and >"
    if _HEX_RE.fullmatch(data, b + 1, c - 1) is None:
        return "the gap holds bytes other than hex digits"
    return None


def _self_problem(raw: RawSignature, br: tuple[int, int, int, int]) -> str | None:
    end = br[2] + br[3]
    if raw.obj.start >= end or raw.obj.value_end > end:
        return "the signature dictionary lies outside the signed bytes"
    if raw.revision.end > end and raw.revision.start >= end:
        return "the signature dictionary is defined after the bytes it signs"
    return None


def _show(value: object) -> str:
    if isinstance(value, list):
        return "[" + " ".join(_show(v) for v in value) + "]"
    if isinstance(value, PdfString):
        return "a string"
    return repr(value)
