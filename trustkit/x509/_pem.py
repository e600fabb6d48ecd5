"""PEM armour (RFC 7468) for certificates and CRLs: strict base64, explicit labels."""

from __future__ import annotations

import base64
import binascii
import re

from trustkit.exceptions import MalformedInput

__all__ = ["armor", "unarmor_all"]

_LABEL = re.compile(rb"[A-Z0-9 ]+")
_MAX_PEM_SIZE = 64 << 20


def armor(der: bytes, label: str) -> bytes:
    """Return ``der`` as a PEM block with 64-character lines."""
    body = base64.b64encode(der)
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    head, tail = f"-----BEGIN {label}-----", f"-----END {label}-----"
    return b"\n".join([head.encode(), *lines, tail.encode()]) + b"\n"


def unarmor_all(data: bytes | str, label: str) -> list[bytes]:
    """Decode every PEM block labelled ``label``; text around the blocks is ignored.

    One linear pass (``bytes.find`` from a position that only moves forward): a regular
    expression with a lazy body scanned to the end once per unterminated BEGIN, which made a
    few hundred KiB of BEGIN lines take minutes.
    """
    raw = _as_bytes(data)
    if len(raw) > _MAX_PEM_SIZE:
        raise MalformedInput(f"PEM input is {len(raw)} bytes; the limit is {_MAX_PEM_SIZE}")
    wanted = label.encode()
    out = []
    pos = 0
    while (start := raw.find(b"-----BEGIN ", pos)) >= 0:
        begin, body_start = _marker_label(raw, start + 11, "BEGIN")
        end = raw.find(b"-----END ", body_start)
        if end < 0 or raw.find(b"-----BEGIN ", body_start, end) >= 0:
            raise MalformedInput(f"a PEM {begin.decode()} block is not terminated")
        finish, pos = _marker_label(raw, end + 9, "END")
        if begin != finish:
            raise MalformedInput(
                f"PEM block BEGIN {begin.decode()} ends with END {finish.decode()}"
            )
        if begin == wanted:
            out.append(_decode_body(raw[body_start:end], label))
    return out


def _marker_label(raw: bytes, at: int, kind: str) -> tuple[bytes, int]:
    """The label of a marker line whose text starts at ``at``, and the offset after it."""
    close = raw.find(b"-----", at, at + 80)
    name = raw[at:close] if close >= 0 else b""
    if not name or not _LABEL.fullmatch(name):
        raise MalformedInput(f"malformed PEM {kind} line")
    return name, close + 5


def _as_bytes(data: bytes | str) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")  # text around the blocks may be anything; bodies are base64
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    raise MalformedInput(f"PEM input must be bytes or str, not {type(data).__name__}")


def _decode_body(body: bytes, label: str) -> bytes:
    if b":" in body:
        raise MalformedInput(f"PEM {label} block has headers (encrypted PEM is not supported)")
    compact = b"".join(body.split())
    try:
        der = base64.b64decode(compact, validate=True)
    except binascii.Error as exc:
        raise MalformedInput(f"PEM {label} block is not valid base64") from exc
    if not der:
        raise MalformedInput(f"PEM {label} block is empty")
    return der
