"""PKCE (RFC 7636), S256 only: the ``plain`` method is refused as a downgrade."""

from __future__ import annotations

import hashlib
import re
import secrets

from trustkit.sso._claims import same_secret
from trustkit.sso._encoding import b64u_encode
from trustkit.sso._errors import TokenRejected

__all__ = ["check_pkce", "code_challenge", "make_code_verifier"]

_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def make_code_verifier() -> str:
    """A fresh 43-character verifier (32 random bytes)."""
    return secrets.token_urlsafe(32)


def code_challenge(verifier: str) -> str:
    """S256: base64url(SHA-256(ASCII(verifier)))."""
    if _VERIFIER.fullmatch(verifier) is None:
        raise TokenRejected("bad-pkce", "code_verifier must be 43-128 unreserved characters")
    return b64u_encode(hashlib.sha256(verifier.encode("ascii")).digest()).decode()


def check_pkce(verifier: str | None, challenge: str, method: str = "S256") -> None:
    """Raise unless ``verifier`` matches ``challenge`` under S256."""
    if method != "S256":
        raise TokenRejected("bad-pkce", "only the S256 code challenge method is accepted")
    if verifier is None:
        raise TokenRejected("bad-pkce", "code_verifier is missing")
    if not same_secret(code_challenge(verifier), challenge):
        raise TokenRejected("bad-pkce", "code_verifier does not match the code challenge")
