"""A small, strict reader of PDF object syntax over raw file bytes (ISO 32000-1 §7.2-§7.3).

pikepdf parses documents, but it hides where objects lie in the file. The verifier needs exact
offsets (the ``<`` and ``>`` of ``/Contents``, the end of a trailer), and the writer needs the raw
trailers of every revision, so this module reads objects itself. Only what a cross-reference
section, a trailer or a signature dictionary can hold is supported: no streams beyond their
dictionary and the position of their data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, NamedTuple, TypeAlias

from trustkit.exceptions import MalformedInput

__all__ = [
    "IndirectObject",
    "Name",
    "PdfObject",
    "PdfString",
    "Ref",
    "encode_name",
    "encode_string",
    "parse_indirect",
    "parse_object",
    "skip_space",
]

WHITESPACE: Final = b"\x00\t\n\x0c\r "
_DELIMITERS: Final = b"()<>[]{}/%"
_SPACE_RE: Final = re.compile(rb"(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)+")
_NUMBER_RE: Final = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")
_REF_RE: Final = re.compile(
    rb"(\d+)[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+R(?=[\x00\t\n\x0c\r ()<>\[\]{}/%]|$)"
)
_REGULAR_RE: Final = re.compile(rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]*")
_OBJ_HEADER_RE: Final = re.compile(rb"(\d+)[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+obj")
_HEX_BODY_RE: Final = re.compile(rb"[0-9A-Fa-f\x00\t\n\x0c\r ]*")
_ESCAPES: Final = {
    ord("n"): b"\n",
    ord("r"): b"\r",
    ord("t"): b"\t",
    ord("b"): b"\b",
    ord("f"): b"\f",
    ord("("): b"(",
    ord(")"): b")",
    ord("\\"): b"\\",
}
_MAX_DEPTH: Final = 64


class Name(str):
    """A PDF name, without its slash."""

    __slots__ = ()


class Ref(NamedTuple):
    """An indirect reference ``num gen R``."""

    num: int
    gen: int


@dataclass(frozen=True)
class PdfString:
    """A string object with its decoded value and where it lies in the file."""

    value: bytes
    hex: bool
    start: int  # offset of "(" or "<"
    end: int  # offset just after ")" or ">"


PdfObject: TypeAlias = (
    "bool | int | float | Name | Ref | PdfString | list[PdfObject] | dict[str, PdfObject] | None"
)


@dataclass(frozen=True)
class IndirectObject:
    """``num gen obj … endobj``; for a stream, where its data lies (``stream_start``)."""

    num: int
    gen: int
    value: PdfObject
    start: int
    value_end: int  # just after the value (before ``stream`` or ``endobj``)
    stream_start: int | None = None


def skip_space(data: bytes, pos: int) -> int:
    """The first offset at or after ``pos`` that is neither whitespace nor a comment."""
    match = _SPACE_RE.match(data, pos)
    return match.end() if match else pos


def parse_object(data: bytes, pos: int, depth: int = 0) -> tuple[PdfObject, int]:
    """Parse one object at ``pos`` (leading space skipped); return it and the offset after it."""
    if depth > _MAX_DEPTH:
        raise MalformedInput("PDF objects nested too deeply")
    pos = skip_space(data, pos)
    if pos >= len(data):
        raise MalformedInput("unexpected end of data while reading a PDF object")
    first = data[pos]
    if first == 0x2F:  # /
        return _name(data, pos)
    if first == 0x3C:  # <
        if data[pos + 1 : pos + 2] == b"<":
            return _dictionary(data, pos + 2, depth)
        return _hex_string(data, pos)
    if first == 0x28:  # (
        return _literal_string(data, pos)
    if first == 0x5B:  # [
        return _array(data, pos + 1, depth)
    ref = _REF_RE.match(data, pos)
    if ref:
        return Ref(int(ref.group(1)), int(ref.group(2))), ref.end()
    number = _NUMBER_RE.match(data, pos)
    if number and _ends_token(data, number.end()):
        text = number.group()
        value: int | float = float(text) if b"." in text else int(text)
        return value, number.end()
    word = _REGULAR_RE.match(data, pos)
    token = word.group() if word else b""
    keywords: dict[bytes, PdfObject] = {b"true": True, b"false": False, b"null": None}
    if token in keywords:
        return keywords[token], pos + len(token)
    raise MalformedInput(f"unexpected PDF token {token[:20]!r} at offset {pos}")


def _ends_token(data: bytes, pos: int) -> bool:
    return pos >= len(data) or data[pos] in WHITESPACE or data[pos] in _DELIMITERS


def _name(data: bytes, pos: int) -> tuple[Name, int]:
    end = _REGULAR_RE.match(data, pos + 1).end()  # type: ignore[union-attr]  # always matches
    raw = data[pos + 1 : end]
    if b"#" in raw:
        raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
    return Name(raw.decode("latin-1")), end


def _dictionary(data: bytes, pos: int, depth: int) -> tuple[dict[str, PdfObject], int]:
    out: dict[str, PdfObject] = {}
    while True:
        pos = skip_space(data, pos)
        if data[pos : pos + 2] == b">>":
            return out, pos + 2
        if data[pos : pos + 1] != b"/":
            raise MalformedInput(f"dictionary key expected at offset {pos}")
        key, pos = _name(data, pos)
        value, pos = parse_object(data, pos, depth + 1)
        if key in out:
            raise MalformedInput(f"duplicate dictionary key /{key} at offset {pos}")
        out[str(key)] = value


def _array(data: bytes, pos: int, depth: int) -> tuple[list[PdfObject], int]:
    out: list[PdfObject] = []
    while True:
        pos = skip_space(data, pos)
        if data[pos : pos + 1] == b"]":
            return out, pos + 1
        if pos >= len(data):
            raise MalformedInput("unterminated array")
        value, pos = parse_object(data, pos, depth + 1)
        out.append(value)


def _hex_string(data: bytes, pos: int) -> tuple[PdfString, int]:
    end = data.find(b">", pos + 1)
    if end < 0:
        raise MalformedInput(f"unterminated hex string at offset {pos}")
    if _HEX_BODY_RE.fullmatch(data, pos + 1, end) is None:
        raise MalformedInput(f"hex string with non-hex characters at offset {pos}")
    digits = data[pos + 1 : end].translate(None, WHITESPACE)
    if len(digits) % 2:
        digits += b"0"
    return PdfString(bytes.fromhex(digits.decode("ascii")), True, pos, end + 1), end + 1


def _literal_string(data: bytes, pos: int) -> tuple[PdfString, int]:
    out = bytearray()
    level, i, size = 1, pos + 1, len(data)
    while i < size:
        byte = data[i]
        if byte == 0x5C:  # backslash
            i = _escape(data, i + 1, out)
            continue
        if byte == 0x28:
            level += 1
        elif byte == 0x29:
            level -= 1
            if level == 0:
                return PdfString(bytes(out), False, pos, i + 1), i + 1
        out.append(byte)
        i += 1
    raise MalformedInput(f"unterminated string at offset {pos}")


def _escape(data: bytes, i: int, out: bytearray) -> int:
    if i >= len(data):
        return i
    byte = data[i]
    if byte in _ESCAPES:
        out += _ESCAPES[byte]
        return i + 1
    if 0x30 <= byte <= 0x37:
        j = i
        while j < min(i + 3, len(data)) and 0x30 <= data[j] <= 0x37:
            j += 1
        out.append(int(data[i:j], 8) & 0xFF)
        return j
    if byte == 0x0D:
        return i + 2 if data[i + 1 : i + 2] == b"\n" else i + 1
    if byte == 0x0A:
        return i + 1
    out.append(byte)
    return i + 1


def parse_indirect(data: bytes, pos: int, expect: Ref | None = None) -> IndirectObject:
    """Parse ``num gen obj value [stream …] endobj`` starting at ``pos``."""
    match = _OBJ_HEADER_RE.match(data, pos)
    if match is None:
        raise MalformedInput(f"no object header at offset {pos}")
    num, gen = int(match.group(1)), int(match.group(2))
    if expect is not None and (num, gen) != tuple(expect):
        raise MalformedInput(
            f"offset {pos} holds object {num} {gen}, not {expect.num} {expect.gen}"
        )
    value, end = parse_object(data, match.end())
    after = skip_space(data, end)
    if data.startswith(b"stream", after):
        start = after + 6
        if data[start : start + 2] == b"\r\n":
            start += 2
        elif data[start : start + 1] == b"\n":
            start += 1
        else:
            raise MalformedInput(f"'stream' not followed by an end-of-line at offset {after}")
        return IndirectObject(num, gen, value, pos, end, start)
    if not data.startswith(b"endobj", after):
        raise MalformedInput(f"object {num} {gen}: 'endobj' expected at offset {after}")
    return IndirectObject(num, gen, value, pos, end)


# -- writing ---------------------------------------------------------------------------------


def encode_name(name: str) -> bytes:
    """``/Name`` with the characters that need it escaped as ``#xx``."""
    out = bytearray(b"/")
    for byte in name.encode("utf-8"):
        if byte < 0x21 or byte > 0x7E or byte in _DELIMITERS or byte == 0x23:
            out += b"#%02X" % byte
        else:
            out.append(byte)
    return bytes(out)


def encode_string(text: str) -> bytes:
    """A text string: PDFDocEncoding-safe ASCII as a literal, anything else as UTF-16BE hex."""
    if text.isascii() and text.isprintable():
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(" + escaped.encode("ascii") + b")"
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"
