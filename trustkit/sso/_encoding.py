"""Strict parsing of JOSE building blocks: base64url segments and JSON objects.

JSON is parsed with duplicate members, NaN/Infinity, non-finite numbers and deep nesting
rejected; base64url must be unpadded and canonical. All failures raise ``TokenRejected``.
"""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any

from trustkit.sso._errors import TokenRejected

__all__ = ["MAX_JSON_DEPTH", "b64u_decode", "b64u_encode", "dumps", "loads_object"]

MAX_JSON_DEPTH = 16
_B64U = re.compile(rb"[A-Za-z0-9_-]*")


def b64u_encode(data: bytes) -> bytes:
    """Unpadded base64url (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def b64u_decode(segment: bytes, what: str) -> bytes:
    """Decode unpadded, canonical base64url; anything else is ``malformed``."""
    if _B64U.fullmatch(segment) is None or len(segment) % 4 == 1:
        raise TokenRejected("malformed", f"{what} is not unpadded base64url")
    data = base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))
    if len(segment) % 4 and b64u_encode(data) != segment:  # non-zero padding bits
        raise TokenRejected("malformed", f"{what} is not canonical base64url")
    return data


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            raise TokenRejected("duplicate-member", f"JSON member {name!r} appears twice")
        out[name] = value
    return out


def _no_constant(name: str) -> Any:
    raise TokenRejected("malformed", f"JSON constant {name} is not allowed")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise TokenRejected("malformed", "JSON number is out of range")
    return value


def _depth(data: bytes) -> int:
    """Maximum nesting of objects and arrays, ignoring brackets inside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def loads_object(data: bytes, what: str, *, max_depth: int = MAX_JSON_DEPTH) -> dict[str, Any]:
    """Parse ``data`` as one strict JSON object (UTF-8)."""
    # Counting brackets is cheap; only scan for real depth when the count could exceed the cap.
    if data.count(b"[") + data.count(b"{") > max_depth and _depth(data) > max_depth:
        raise TokenRejected("malformed", f"{what} JSON is nested too deeply")
    try:
        value = json.loads(
            data,
            object_pairs_hook=_object_pairs,
            parse_constant=_no_constant,
            parse_float=_finite_float,
        )
    except TokenRejected as exc:
        raise TokenRejected(exc.reason, f"{what}: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise TokenRejected("malformed", f"{what} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise TokenRejected("malformed", f"{what} must be a JSON object")
    return value


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON; NaN and Infinity are refused."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
