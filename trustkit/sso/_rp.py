"""Relying-party validation of ID, access and logout tokens (OIDC Core §3.1.3.7, RFC 9068,
OIDC Back-Channel Logout 1.0), with a required algorithm allowlist and replay protection.

Every failure raises ``TokenRejected`` with a stable reason code; success returns a frozen
``ValidatedToken``. Time is a parameter (``at``, default now).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trustkit.exceptions import MalformedInput
from trustkit.sso._acr import AssuranceLevel
from trustkit.sso._algorithms import hash_for_alg
from trustkit.sso._claims import (
    check_audience,
    check_hash_claim,
    check_times,
    check_types,
    epoch,
    left_half_hash,
    require,
    same_secret,
)
from trustkit.sso._errors import TokenRejected
from trustkit.sso._jwks import KeySource
from trustkit.sso._jws import MAX_TOKEN_BYTES, JWSVerifier, VerifiedJWS
from trustkit.sso._replay import MemoryReplayStore, ReplayStore

__all__ = ["BACKCHANNEL_LOGOUT_EVENT", "RelyingParty", "ValidatedToken"]

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
_NOT_ID_TOKEN_TYPES = frozenset({"at+jwt", "logout+jwt", "refresh+jwt", "dpop+jwt"})


@dataclass(frozen=True)
class ValidatedToken:
    """A token that passed every check: its header, claims and the key ID that verified it."""

    header: Mapping[str, Any]
    claims: Mapping[str, Any]
    kid: str

    @property
    def subject(self) -> str | None:
        sub = self.claims.get("sub")
        return sub if isinstance(sub, str) else None

    @property
    def alg(self) -> str:
        return str(self.header["alg"])


class RelyingParty:
    """Token validation for one client (``client_id``) of one issuer.

    ``algorithms`` is the pre-registered allowlist and is required (no default); keys come
    only from ``keys`` (a ``JWKSet`` or ``RemoteJWKS``), never from the token.
    """

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        keys: KeySource,
        algorithms: Iterable[str],
        leeway: float = 30.0,
        sm2_aliases: Mapping[str, Any] | None = None,
        replay_store: ReplayStore | None = None,
        strict_audience: bool = False,
        max_token_bytes: int = MAX_TOKEN_BYTES,
    ) -> None:
        if not 0 <= leeway <= 300:
            raise ValueError("leeway must lie in [0, 300] seconds")
        self.issuer, self.client_id, self.leeway = issuer, client_id, leeway
        self.verifier = JWSVerifier(
            keys, algorithms=algorithms, sm2_aliases=sm2_aliases, max_token_bytes=max_token_bytes
        )
        self.replay_store: ReplayStore = replay_store or MemoryReplayStore()
        self.strict_audience = strict_audience

    # -- the three token types ---------------------------------------------------------------

    def validate_id_token(
        self,
        token: str | bytes,
        *,
        nonce: str | None,
        at: datetime | None = None,
        access_token: str | None = None,
        code: str | None = None,
        require_hashes: bool = False,
        max_age: float | None = None,
        min_level: AssuranceLevel | None = None,
    ) -> ValidatedToken:
        """OIDC Core §3.1.3.7; ``nonce`` is the value stored when the login started."""
        now = epoch(at)
        jws = self.verifier.verify(token)
        typ = str(jws.header.get("typ", "JWT")).lower().removeprefix("application/")
        if typ in _NOT_ID_TOKEN_TYPES:
            raise TokenRejected("wrong-typ", "this is not an ID token")
        claims = self._common(jws, now, ("iss", "sub", "aud", "exp", "iat"))
        if "events" in claims:
            raise TokenRejected("wrong-token-type", "a logout token is not an ID token")
        self._check_azp(claims)
        self._check_nonce(claims, nonce, now)
        self._check_hashes(jws, access_token, code, require_hashes)
        self._check_auth(claims, now, max_age, min_level)
        return ValidatedToken(jws.header, claims, jws.key.kid)

    def validate_access_token(
        self,
        token: str | bytes,
        *,
        at: datetime | None = None,
        scopes: Iterable[str] = (),
        min_level: AssuranceLevel | None = None,
    ) -> ValidatedToken:
        """An RFC 9068 JWT access token (``typ: at+jwt``) addressed to this resource."""
        now = epoch(at)
        jws = self.verifier.verify(token, typ="at+jwt")
        claims = self._common(jws, now, ("iss", "sub", "aud", "exp", "iat", "jti", "client_id"))
        granted = set(str(claims.get("scope", "")).split())
        missing = set(scopes) - granted
        if missing:
            raise TokenRejected("insufficient-scope", f"scope lacks {sorted(missing)}")
        self._check_auth(claims, now, None, min_level)
        return ValidatedToken(jws.header, claims, jws.key.kid)

    def validate_logout_token(
        self, token: str | bytes, *, at: datetime | None = None
    ) -> ValidatedToken:
        """OIDC Back-Channel Logout 1.0 §2.6; the ``jti`` is recorded so it works only once."""
        now = epoch(at)
        jws = self.verifier.verify(token, typ="logout+jwt")
        claims = self._common(jws, now, ("iss", "aud", "iat", "exp", "jti", "events"))
        events = claims["events"]
        if not isinstance(events, dict) or not isinstance(
            events.get(BACKCHANNEL_LOGOUT_EVENT), dict
        ):
            raise TokenRejected("wrong-token-type", "events lacks the back-channel logout event")
        if "nonce" in claims:
            raise TokenRejected("wrong-token-type", "a logout token must not carry a nonce")
        if "sub" not in claims and "sid" not in claims:
            raise TokenRejected("missing-claim", "a logout token needs sub or sid")
        self._check_replay("jti", claims["jti"], claims["exp"], now)
        return ValidatedToken(jws.header, claims, jws.key.kid)

    def check_ticket_replay(
        self, ticket: str, *, ttl: float = 300.0, at: datetime | None = None
    ) -> None:
        """Record a login ticket before redeeming it; a ticket seen before is refused."""
        now = epoch(at)
        if not self.replay_store.add(f"ticket:{self.issuer}:{ticket}", now + ttl, now=now):
            raise TokenRejected("replayed", "this login ticket was already used")

    # -- shared checks -----------------------------------------------------------------------

    def _common(self, jws: VerifiedJWS, now: float, required: Iterable[str]) -> dict[str, Any]:
        claims = jws.payload
        check_types(claims)
        require(claims, required)
        if claims.get("iss") != self.issuer:  # exact match, no prefix or normalisation
            raise TokenRejected("wrong-issuer", "the token comes from another issuer")
        check_audience(claims, self.client_id, strict=self.strict_audience)
        check_times(claims, now=now, leeway=self.leeway)
        return claims

    def _check_azp(self, claims: Mapping[str, Any]) -> None:
        aud = claims["aud"]
        azp = claims.get("azp")
        if isinstance(aud, list) and len(aud) > 1 and azp is None:
            raise TokenRejected("wrong-audience", "several audiences but no azp")
        if azp is not None and azp != self.client_id:
            raise TokenRejected("wrong-audience", "azp is another client")

    def _check_nonce(self, claims: Mapping[str, Any], nonce: str | None, now: float) -> None:
        if nonce is None:
            return
        value = claims.get("nonce")
        if not isinstance(value, str) or not same_secret(value, nonce):
            raise TokenRejected("bad-nonce", "nonce does not match the login request")
        self._check_replay("nonce", value, claims["exp"], now)

    def _check_replay(self, kind: str, value: str, exp: float, now: float) -> None:
        key = f"{kind}:{self.issuer}:{value}"
        if not self.replay_store.add(key, exp + self.leeway, now=now):
            raise TokenRejected("replayed", f"this token's {kind} was already used")

    def _check_hashes(
        self, jws: VerifiedJWS, access_token: str | None, code: str | None, required: bool
    ) -> None:
        alg = str(jws.header["alg"])
        for name, artefact in (("at_hash", access_token), ("c_hash", code)):
            if artefact is None or (name not in jws.payload and not required):
                continue
            digest = hash_for_alg(self.verifier.registry, alg, artefact.encode("ascii"))
            check_hash_claim(jws.payload, name, left_half_hash(digest))

    def _check_auth(
        self,
        claims: Mapping[str, Any],
        now: float,
        max_age: float | None,
        min_level: AssuranceLevel | None,
    ) -> None:
        if max_age is not None:
            auth_time = claims.get("auth_time")
            if auth_time is None:
                raise TokenRejected("missing-claim", "auth_time is required with max_age")
            if now - auth_time > max_age + self.leeway:
                raise TokenRejected("login-too-old", "the login is older than max_age")
        if min_level is not None:
            acr = claims.get("acr")
            try:
                level = AssuranceLevel.from_acr(acr) if isinstance(acr, str) else None
            except MalformedInput:
                level = None
            if level is None or level < min_level:
                raise TokenRejected("insufficient-acr", "assurance level is below the minimum")
