"""The append-only writer: one incremental update after the original bytes (spec §8.2).

pikepdf only parses; nothing here calls ``Pdf.save`` (qpdf merges revisions when it writes, which
breaks every signature, spec §8.1). The original bytes are an exact prefix of the output. The
new cross-reference section has the kind of the file's last one: a table with a trailer, or an
xref stream, each with ``/Prev`` = the previous ``startxref``. New objects are numbered from the
last trailer's ``/Size``; changed objects keep their number and generation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from trustkit.exceptions import MalformedInput
from trustkit.pdf._syntax import PdfObject, PdfString, Ref, encode_name
from trustkit.pdf._xref import FileStructure

__all__ = ["IncrementalWriter", "Update", "serialize"]

_TRAILER_KEYS: Final = ("Root", "Info", "ID")


def serialize(value: PdfObject) -> bytes:
    """PDF syntax for a value read by ``_syntax`` (strings come out as hex)."""
    if value is None:
        return b"null"
    if value is True:
        return b"true"
    if value is False:
        return b"false"
    if isinstance(value, Ref):
        return b"%d %d R" % (value.num, value.gen)
    if isinstance(value, str):
        return encode_name(value)
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, float):
        return (f"{value:.6f}".rstrip("0").rstrip(".") or "0").encode("ascii")
    if isinstance(value, PdfString):
        return b"<" + value.value.hex().encode("ascii") + b">"
    if isinstance(value, list):
        return b"[" + b" ".join(serialize(v) for v in value) + b"]"
    return b"<<" + b"".join(encode_name(k) + b" " + serialize(v) for k, v in value.items()) + b">>"


@dataclass
class Update:
    """What the writer produced: the appended bytes and where each object body starts."""

    data: bytes
    body_offsets: dict[int, int] = field(default_factory=dict)  # absolute offsets


class IncrementalWriter:
    """Collects object bodies and appends them with a matching cross-reference section."""

    def __init__(self, base: bytes, structure: FileStructure) -> None:
        last = structure.last
        if last.section.hybrid:
            raise MalformedInput("hybrid-reference files are not written to (pdf.hybrid_xref)")
        size = last.trailer.get("Size")
        if not isinstance(size, int) or size < 1:
            raise MalformedInput("the trailer has no valid /Size")
        self.base, self.structure = base, structure
        self.next_num = size
        self.objects: dict[int, tuple[int, bytes]] = {}

    def allocate(self) -> int:
        num = self.next_num
        self.next_num += 1
        return num

    def put(self, num: int, body: bytes, gen: int = 0) -> None:
        self.objects[num] = (gen, body)

    def write(self) -> Update:
        out = bytearray()
        if not self.base.endswith((b"\n", b"\r")):
            out += b"\n"
        start = len(self.base)
        offsets: dict[int, int] = {}
        bodies: dict[int, int] = {}
        for num in sorted(self.objects):
            gen, body = self.objects[num]
            offsets[num] = start + len(out)
            header = b"%d %d obj\n" % (num, gen)
            bodies[num] = offsets[num] + len(header)
            out += header + body + b"\nendobj\n"
        if self.structure.last.section.kind == "stream":
            out += self._xref_stream(start + len(out), offsets)
        else:
            out += self._xref_table(start + len(out), offsets)
        return Update(bytes(out), bodies)

    def _trailer_entries(self) -> bytes:
        trailer = self.structure.last.trailer
        parts = [b"/Size %d" % self.next_num]
        for key in _TRAILER_KEYS:
            if key in trailer:
                parts.append(encode_name(key) + b" " + serialize(trailer[key]))
        parts.append(b"/Prev %d" % self.structure.last.section.offset)
        return b" ".join(parts)

    def _xref_table(self, at: int, offsets: dict[int, int]) -> bytes:
        lines = [b"xref\n"]
        for first, run in _runs(sorted(offsets)):
            lines.append(b"%d %d\n" % (first, len(run)))
            lines += [b"%010d %05d n\r\n" % (offsets[n], self.objects[n][0]) for n in run]
        lines.append(b"trailer\n<< " + self._trailer_entries() + b" >>\n")
        lines.append(b"startxref\n%d\n%%%%EOF\n" % at)
        return b"".join(lines)

    def _xref_stream(self, at: int, offsets: dict[int, int]) -> bytes:
        num = self.allocate()
        rows = dict(offsets)
        rows[num] = at
        width = 4 if at < 1 << 32 else 8
        index: list[bytes] = []
        data = bytearray()
        for first, run in _runs(sorted(rows)):
            index.append(b"%d %d" % (first, len(run)))
            for n in run:
                gen = self.objects[n][0] if n in self.objects else 0
                data += b"\x01" + rows[n].to_bytes(width, "big") + gen.to_bytes(2, "big")
        head = b"/Type /XRef %s /W [1 %d 2] /Index [%s] /Length %d" % (
            self._trailer_entries(),
            width,
            b" ".join(index),
            len(data),
        )
        body = (
            b"%d 0 obj\n<< %s >>\nstream\n" % (num, head) + bytes(data) + b"\nendstream\nendobj\n"
        )
        return body + b"startxref\n%d\n%%%%EOF\n" % at


def _runs(numbers: list[int]) -> list[tuple[int, list[int]]]:
    runs: list[tuple[int, list[int]]] = []
    for n in numbers:
        if runs and runs[-1][1][-1] == n - 1:
            runs[-1][1].append(n)
        else:
            runs.append((n, [n]))
    return runs
