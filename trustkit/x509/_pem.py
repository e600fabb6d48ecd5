"""PEM armour (RFC 7468) for certificates and CRLs: strict base64, explicit labels."""

from __future__ import annotations

import base64
import binascii
import re

from trustkit.exceptions import MalformedInput

__all__ = ["armor", "unarmor_all"]

_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END ([A-Z0-9 ]+)-----", re.S)
_MAX_PEM_SIZE = 64 << 20


def armor(der: bytes, label: str) -> bytes:
    """Return ``der`` as a PEM block with 64-character lines."""
    body = base64.b64encode(der)
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    head, tail = f"-----BEGIN {label}-----", f"-----END {label}-----"
    return b"\n".join([head.encode(), *lines, tail.encode()]) + b"\n"


def unarmor_all(data: bytes | str, label: str) -> list[bytes]:
    """Decode every PEM block labelled ``label``; text around the blocks is ignored."""
    raw = _as_bytes(data)
    if len(raw) > _MAX_PEM_SIZE:
        raise MalformedInput(f"PEM input is {len(raw)} bytes; the limit is {_MAX_PEM_SIZE}")
    wanted = label.encode()
    out = []
    for match in _BLOCK.finditer(raw):
        begin, body, end = match.groups()
        if begin != end:
            raise MalformedInput(f"PEM block BEGIN {begin.decode()} ends with END {end.decode()}")
        if begin == wanted:
            out.append(_decode_body(body, label))
    if raw.count(b"-----BEGIN " + wanted + b"-----") != len(out):
        raise MalformedInput(f"a PEM {label} block is not terminated")
    return out


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
