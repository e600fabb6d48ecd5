"""JWT claim checks shared by every token type (RFC 7519, OIDC Core §3.1.3.7, RFC 8725).

Time claims must be JSON numbers (not strings, not booleans); ``iss``/``sub`` strings;
``aud`` a string or a list of strings. Time is a parameter: ``at`` is a datetime (default now).
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from trustkit.sso._encoding import b64u_encode
from trustkit.sso._errors import TokenRejected

__all__ = [
    "check_audience",
    "check_hash_claim",
    "check_times",
    "check_types",
    "epoch",
    "left_half_hash",
    "same_secret",
]

TIME_CLAIMS = ("exp", "nbf", "iat", "auth_time")
STRING_CLAIMS = ("iss", "sub", "jti", "nonce", "azp", "acr", "sid", "scope", "client_id")


def epoch(at: datetime | None) -> float:
    """Seconds since the epoch for ``at`` (aware datetimes only; None means now)."""
    if at is None:
        return datetime.now(UTC).timestamp()
    if at.tzinfo is None:
        raise ValueError("'at' must be a timezone-aware datetime")
    return at.timestamp()


# NumericDate values beyond this (year ~285 million) are nonsense; it also keeps huge JSON
# integers such as 10**400 from reaching float conversion (OverflowError).
_MAX_NUMERIC_DATE = 2**53


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, int):
        return abs(value) <= _MAX_NUMERIC_DATE
    return math.isfinite(value) and abs(value) <= _MAX_NUMERIC_DATE


def check_types(claims: Mapping[str, Any]) -> None:
    """Type rules for registered claims; rejects ``exp: "123"``, ``aud: 1``, ``sub: 123``."""
    for name in TIME_CLAIMS:
        if name in claims and not _is_number(claims[name]):
            raise TokenRejected("bad-claim-type", f"claim {name!r} must be a JSON number")
    for name in STRING_CLAIMS:
        if name in claims and not isinstance(claims[name], str):
            raise TokenRejected("bad-claim-type", f"claim {name!r} must be a string")
    aud = claims.get("aud")
    if aud is not None and not (
        isinstance(aud, str)
        or (isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud))
    ):
        raise TokenRejected("bad-claim-type", "claim 'aud' must be a string or list of strings")
    amr = claims.get("amr")
    if amr is not None and not (isinstance(amr, list) and all(isinstance(a, str) for a in amr)):
        raise TokenRejected("bad-claim-type", "claim 'amr' must be a list of strings")


def check_times(
    claims: Mapping[str, Any], *, now: float, leeway: float, max_iat_age: float | None = None
) -> None:
    """``exp`` (required) in the future, ``nbf`` passed, ``iat`` not in the future."""
    exp = claims.get("exp")
    if exp is None:
        raise TokenRejected("missing-claim", "claim 'exp' is required")
    if now >= exp + leeway:
        raise TokenRejected("expired", "the token has expired")
    nbf = claims.get("nbf")
    if nbf is not None and now + leeway < nbf:
        raise TokenRejected("not-yet-valid", "the token is not valid yet (nbf)")
    iat = claims.get("iat")
    if iat is not None and iat > now + leeway:
        raise TokenRejected("issued-in-future", "the token's iat is in the future")
    if max_iat_age is not None and (iat is None or now - iat > max_iat_age + leeway):
        raise TokenRejected("too-old", "the token was issued too long ago")


def check_audience(claims: Mapping[str, Any], audience: str, *, strict: bool) -> list[str]:
    """``audience`` must be among ``aud``; ``strict`` also forbids any other audience."""
    aud = claims.get("aud")
    if aud is None:
        raise TokenRejected("missing-claim", "claim 'aud' is required")
    audiences = [aud] if isinstance(aud, str) else list(aud)
    if audience not in audiences:
        raise TokenRejected("wrong-audience", "the token is not meant for this audience")
    if strict and len(audiences) != 1:
        raise TokenRejected("wrong-audience", "the token names other audiences too")
    return audiences


def left_half_hash(digest: bytes) -> str:
    """OIDC at_hash / c_hash: base64url of the left-most half of the hash."""
    return b64u_encode(digest[: len(digest) // 2]).decode()


def check_hash_claim(claims: Mapping[str, Any], name: str, expected: str) -> None:
    value = claims.get(name)
    if not isinstance(value, str):
        raise TokenRejected("missing-claim", f"claim {name!r} is required for this flow")
    if not same_secret(value, expected):
        raise TokenRejected(f"bad-{name.replace('_', '-')}", f"claim {name!r} does not match")


def same_secret(a: str | bytes, b: str | bytes) -> bool:
    """Constant-time equality for secrets and secret-derived values."""
    ab = a.encode() if isinstance(a, str) else a
    bb = b.encode() if isinstance(b, str) else b
    return hmac.compare_digest(ab, bb)


def require(claims: Mapping[str, Any], names: Iterable[str]) -> None:
    for name in names:
        if name not in claims:
            raise TokenRejected("missing-claim", f"claim {name!r} is required")
