"""One-time grants: OAuth authorisation codes and the login tickets Chinese platforms use.

A grant is short-lived, bound to one client and one redirect/service URL, redeemed once over
the back channel, and stored only as a SHA-256 digest of its value. A second redemption is
refused (and reported as ``replayed`` while the grant would still have been live).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from trustkit.sso._claims import epoch, same_secret
from trustkit.sso._errors import TokenRejected
from trustkit.sso._pkce import check_pkce

__all__ = ["Client", "OneTimeGrants", "RedeemedGrant"]


@dataclass(frozen=True)
class Client:
    """A registered relying party. The secret is kept only as its SHA-256 digest."""

    client_id: str
    redirect_uris: tuple[str, ...] = ()
    secret_digest: bytes | None = field(default=None, repr=False)
    backchannel_logout_uri: str | None = None
    post_logout_redirect_uris: tuple[str, ...] = ()

    @classmethod
    def register(cls, client_id: str, *, secret: str | None = None, **kwargs: Any) -> Client:
        digest = hashlib.sha256(secret.encode()).digest() if secret is not None else None
        return cls(client_id, secret_digest=digest, **kwargs)

    def authenticate(self, secret: str | None) -> None:
        """Constant-time check of the client secret (public clients have none)."""
        if self.secret_digest is None:
            return
        given = hashlib.sha256((secret or "").encode()).digest()
        if secret is None or not same_secret(given, self.secret_digest):
            raise TokenRejected("bad-client", "client authentication failed")

    def check_redirect(self, uri: str, allowed: Iterable[str] | None = None) -> None:
        """Exact string match against the registered URIs (no prefix matching)."""
        if uri not in (self.redirect_uris if allowed is None else tuple(allowed)):
            raise TokenRejected("bad-redirect", "redirect URI is not registered for this client")


@dataclass(frozen=True)
class RedeemedGrant:
    client_id: str
    redirect_uri: str
    data: Mapping[str, Any]


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    expires: float
    data: Mapping[str, Any]
    challenge: str | None
    used: bool = False


class OneTimeGrants:
    """Issue and redeem one-time values (``prefix`` "ST-" for tickets, "" for codes)."""

    def __init__(self, *, ttl: float = 60.0, prefix: str = "", max_live: int = 100_000) -> None:
        self.ttl, self.prefix, self._max = ttl, prefix, max_live
        self._grants: dict[bytes, _Grant] = {}
        self._lock = threading.Lock()
        self._next_purge = 0.0

    def issue(
        self,
        client_id: str,
        redirect_uri: str,
        data: Mapping[str, Any],
        *,
        code_challenge: str | None = None,
        at: datetime | None = None,
    ) -> str:
        now = epoch(at)
        value = self.prefix + secrets.token_urlsafe(32)
        grant = _Grant(client_id, redirect_uri, now + self.ttl, dict(data), code_challenge)
        with self._lock:
            self._purge(now)
            if len(self._grants) >= self._max:
                raise TokenRejected("overloaded", "too many live one-time grants")
            self._grants[_digest(value)] = grant
        return value

    def redeem(
        self,
        value: str,
        *,
        client_id: str,
        redirect_uri: str,
        code_verifier: str | None = None,
        at: datetime | None = None,
    ) -> RedeemedGrant:
        """Redeem once; the client, the redirect URI and (if bound) PKCE must all match."""
        now = epoch(at)
        with self._lock:
            grant = self._grants.get(_digest(value))
            if grant is None or grant.expires <= now:
                raise TokenRejected("unknown-grant", "unknown or expired one-time grant")
            if grant.used:
                raise TokenRejected("replayed", "this one-time grant was already redeemed")
            grant.used = True  # burnt even if the checks below fail
        if grant.client_id != client_id or grant.redirect_uri != redirect_uri:
            raise TokenRejected("grant-mismatch", "grant was issued to another client or URI")
        if grant.challenge is not None:
            check_pkce(code_verifier, grant.challenge)
        return RedeemedGrant(grant.client_id, grant.redirect_uri, grant.data)

    def _purge(self, now: float) -> None:
        if now < self._next_purge and len(self._grants) < self._max:
            return
        self._next_purge = now + self.ttl
        expired = [k for k, g in self._grants.items() if g.expires <= now]
        for k in expired:
            del self._grants[k]


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()
