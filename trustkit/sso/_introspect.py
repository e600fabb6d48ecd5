"""Token introspection (RFC 7662) and revocation (RFC 7009): response shapes and checks.

The IdP side builds responses (``IdentityProvider.introspect`` / ``revoke`` use these);
the RP side checks an introspection answer before trusting it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from trustkit.sso._claims import check_audience, check_times, check_types, epoch
from trustkit.sso._errors import TokenRejected

__all__ = [
    "INACTIVE",
    "RevocationList",
    "check_introspection",
    "introspection_response",
    "parse_token_request",
]

INACTIVE: Mapping[str, Any] = {"active": False}
_REPORTED = ("iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope", "acr", "sid")
_HINTS = frozenset({"access_token", "refresh_token"})


class RevocationList:
    """Revoked token IDs and grant IDs, each kept until the token would have expired anyway."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def revoke(self, key: str, until: float) -> None:
        with self._lock:
            self._until[key] = max(until, self._until.get(key, 0.0))

    def is_revoked(self, key: str, now: float) -> bool:
        with self._lock:
            until = self._until.get(key)
            if until is not None and until <= now:
                del self._until[key]
                return False
            return until is not None


def introspection_response(claims: Mapping[str, Any], token_type: str) -> dict[str, Any]:
    """RFC 7662 §2.2: ``active: true`` plus the token's registered claims."""
    out: dict[str, Any] = {"active": True, "token_type": token_type}
    out.update({name: claims[name] for name in _REPORTED if name in claims})
    return out


def parse_token_request(form: Mapping[str, str]) -> tuple[str, str | None]:
    """``token`` and an optional ``token_type_hint`` from an introspection/revocation POST."""
    token = form.get("token")
    if not token:
        raise TokenRejected("invalid_request", "the 'token' parameter is required")
    hint = form.get("token_type_hint")
    return token, hint if hint in _HINTS else None


def check_introspection(
    response: Mapping[str, Any],
    *,
    issuer: str,
    audience: str,
    at: datetime | None = None,
    scopes: Iterable[str] = (),
    client_id: str | None = None,
    leeway: float = 30.0,
) -> Mapping[str, Any]:
    """RP side of RFC 7662: ``active`` first, then exp, iss, aud, scope and client_id."""
    if response.get("active") is not True:
        raise TokenRejected("inactive", "the authorisation server says the token is inactive")
    check_types(response)
    if response.get("iss") != issuer:
        raise TokenRejected("wrong-issuer", "introspection answer names another issuer")
    check_audience(response, audience, strict=False)
    check_times(response, now=epoch(at), leeway=leeway)
    missing = set(scopes) - set(str(response.get("scope", "")).split())
    if missing:
        raise TokenRejected("insufficient-scope", f"scope lacks {sorted(missing)}")
    if client_id is not None and response.get("client_id") != client_id:
        raise TokenRejected("wrong-client", "the token was issued to another client")
    return response
