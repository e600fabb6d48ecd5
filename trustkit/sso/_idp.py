"""Identity-provider side: ID, access, refresh and logout tokens, tickets, introspection.

Tokens carry explicit types (``JWT`` for ID tokens, ``at+jwt``, ``refresh+jwt``,
``logout+jwt``) so one can never stand in for another. Assurance travels as ``acr`` on
trustkit's canonical ladder, mapped from the platform's own code by an ``AssuranceMapping``.
Refresh tokens rotate on every use; a reused one revokes its whole grant (RFC 9700 §4.14).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trustkit.sso._acr import AssuranceMapping
from trustkit.sso._algorithms import SM2, hash_for_alg
from trustkit.sso._claims import check_times, check_types, epoch, left_half_hash
from trustkit.sso._errors import TokenRejected
from trustkit.sso._introspect import INACTIVE, RevocationList, introspection_response
from trustkit.sso._jwk import JWK
from trustkit.sso._jwks import JWKSet
from trustkit.sso._jws import sign_jws
from trustkit.sso._replay import MemoryReplayStore, ReplayStore
from trustkit.sso._rp import BACKCHANNEL_LOGOUT_EVENT, RelyingParty, ValidatedToken
from trustkit.sso._tickets import OneTimeGrants

__all__ = ["IdentityProvider", "Lifetimes", "TokenSet"]


@dataclass(frozen=True)
class Lifetimes:
    """Token lifetimes in seconds."""

    id_token: float = 300
    access_token: float = 600
    refresh_token: float = 8 * 3600
    logout_token: float = 120
    ticket: float = 60
    code: float = 60


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str
    id_token: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The OAuth token-endpoint response body."""
        out: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
            "scope": self.scope,
        }
        if self.id_token is not None:
            out["id_token"] = self.id_token
        return out


class IdentityProvider:
    """Mints and checks this issuer's tokens with ``signing_key`` (a private ``JWK``).

    ``previous_keys`` stay published (and verifiable) during a rollover.
    """

    def __init__(
        self,
        issuer: str,
        signing_key: JWK,
        *,
        algorithm: str = SM2,
        previous_keys: Sequence[JWK] = (),
        assurance: AssuranceMapping | None = None,
        lifetimes: Lifetimes | None = None,
        replay_store: ReplayStore | None = None,
    ) -> None:
        if not signing_key.private:
            raise ValueError("the signing key must be a private key")
        self.issuer, self.algorithm = issuer, algorithm
        self.signing_key = signing_key
        self.keys = JWKSet.from_keys([signing_key.public(), *(k.public() for k in previous_keys)])
        self.assurance = assurance
        self.lifetimes = lifetimes or Lifetimes()
        self.revocations = RevocationList()
        self._used_refresh: ReplayStore = replay_store or MemoryReplayStore()
        self.tickets = OneTimeGrants(ttl=self.lifetimes.ticket, prefix="ST-")
        self.codes = OneTimeGrants(ttl=self.lifetimes.code)
        self._self = RelyingParty(
            issuer=issuer, client_id=issuer, keys=self.keys, algorithms=[algorithm], leeway=0
        )

    def jwks(self) -> dict[str, Any]:
        """The JWKS to publish at the ``jwks_uri``: public keys only."""
        return self.keys.to_dict()

    def discovery(self, base: str) -> dict[str, Any]:
        """A minimal OpenID Provider metadata document for endpoints under ``base``."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "end_session_endpoint": f"{base}/logout",
            "introspection_endpoint": f"{base}/introspect",
            "revocation_endpoint": f"{base}/revoke",
            "id_token_signing_alg_values_supported": [self.algorithm],
            "code_challenge_methods_supported": ["S256"],
            "backchannel_logout_supported": True,
            "backchannel_logout_session_supported": True,
        }

    # -- minting -----------------------------------------------------------------------------

    def _sign(self, claims: Mapping[str, Any], typ: str) -> str:
        return sign_jws(claims, self.signing_key, alg=self.algorithm, typ=typ)

    def _base(
        self, subject: str | None, audience: str | Sequence[str], now: float, ttl: float
    ) -> dict[str, Any]:
        claims: dict[str, Any] = {"iss": self.issuer}
        if subject is not None:
            claims["sub"] = subject
        claims["aud"] = audience if isinstance(audience, str) else list(audience)
        start = int(now)
        claims.update(iat=start, nbf=start, exp=start + int(ttl), jti=secrets.token_urlsafe(16))
        return claims

    def acr_for(self, assurance_code: str | int | None) -> str | None:
        """The canonical ``acr`` for the platform's code (None when there is no code)."""
        if assurance_code is None:
            return None
        if self.assurance is None:
            raise ValueError("an assurance code was given but no AssuranceMapping is configured")
        return self.assurance.acr(assurance_code)

    def issue_id_token(
        self,
        *,
        subject: str,
        audience: str | Sequence[str],
        at: datetime | None = None,
        nonce: str | None = None,
        auth_time: datetime | None = None,
        assurance_code: str | int | None = None,
        amr: Iterable[str] = (),
        sid: str | None = None,
        azp: str | None = None,
        access_token: str | None = None,
        code: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        now = epoch(at)
        claims = self._base(subject, audience, now, self.lifetimes.id_token)
        claims["auth_time"] = int(epoch(auth_time) if auth_time is not None else now)
        optional = {"nonce": nonce, "acr": self.acr_for(assurance_code), "sid": sid, "azp": azp}
        claims.update({k: v for k, v in optional.items() if v is not None})
        if amr:
            claims["amr"] = list(amr)
        if not isinstance(audience, str) and len(audience) > 1 and azp is None:
            raise ValueError("an ID token for several audiences needs azp")
        for name, artefact in (("at_hash", access_token), ("c_hash", code)):
            if artefact is not None:
                claims[name] = self._half_hash(artefact)
        claims.update(extra or {})
        return self._sign(claims, "JWT")

    def _half_hash(self, artefact: str) -> str:
        digest = hash_for_alg(self._self.verifier.registry, self.algorithm, artefact.encode())
        return left_half_hash(digest)

    def issue_access_token(
        self,
        *,
        subject: str,
        audience: str | Sequence[str],
        client_id: str,
        scope: str = "",
        at: datetime | None = None,
        acr: str | None = None,
        grant_id: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """An RFC 9068 JWT access token (``typ: at+jwt``)."""
        claims = self._base(subject, audience, epoch(at), self.lifetimes.access_token)
        claims.update(client_id=client_id, scope=scope)
        optional = {"acr": acr, "gid": grant_id}
        claims.update({k: v for k, v in optional.items() if v is not None})
        claims.update(extra or {})
        return self._sign(claims, "at+jwt")

    def issue_refresh_token(
        self,
        *,
        subject: str,
        client_id: str,
        scope: str,
        at: datetime | None = None,
        acr: str | None = None,
        grant_id: str | None = None,
        sid: str | None = None,
    ) -> str:
        """A refresh token for this issuer only (``aud`` = issuer), rotated on each use."""
        claims = self._base(subject, self.issuer, epoch(at), self.lifetimes.refresh_token)
        claims.update(client_id=client_id, scope=scope, gid=grant_id or secrets.token_urlsafe(16))
        optional = {"acr": acr, "sid": sid}
        claims.update({k: v for k, v in optional.items() if v is not None})
        return self._sign(claims, "refresh+jwt")

    def issue_tokens(
        self,
        *,
        subject: str,
        client_id: str,
        scope: str,
        at: datetime | None = None,
        nonce: str | None = None,
        auth_time: datetime | None = None,
        assurance_code: str | int | None = None,
        amr: Iterable[str] = (),
        sid: str | None = None,
        resource: str | None = None,
    ) -> TokenSet:
        """The code-flow token response: access, refresh and ID token sharing one grant."""
        grant, acr = secrets.token_urlsafe(16), self.acr_for(assurance_code)
        access, refresh = self._grant_tokens(
            subject, client_id, scope, resource, at, acr, grant, sid
        )
        id_token = self.issue_id_token(
            subject=subject,
            audience=client_id,
            at=at,
            nonce=nonce,
            auth_time=auth_time,
            assurance_code=assurance_code,
            amr=amr,
            sid=sid,
            access_token=access,
        )
        ttl = int(self.lifetimes.access_token)
        return TokenSet(access, refresh, ttl, scope, id_token)

    def _grant_tokens(
        self,
        subject: str,
        client_id: str,
        scope: str,
        resource: str | None,
        at: datetime | None,
        acr: str | None,
        grant: str,
        sid: str | None,
    ) -> tuple[str, str]:
        """The access and refresh token of one grant (issued together at login and on refresh)."""
        access = self.issue_access_token(
            subject=subject,
            audience=resource or client_id,
            client_id=client_id,
            scope=scope,
            at=at,
            acr=acr,
            grant_id=grant,
        )
        refresh = self.issue_refresh_token(
            subject=subject,
            client_id=client_id,
            scope=scope,
            at=at,
            acr=acr,
            grant_id=grant,
            sid=sid,
        )
        return access, refresh

    def issue_logout_token(
        self,
        *,
        audience: str,
        subject: str | None = None,
        sid: str | None = None,
        at: datetime | None = None,
    ) -> str:
        """OIDC Back-Channel Logout 1.0 token: events, sub and/or sid, no nonce, short exp."""
        if subject is None and sid is None:
            raise ValueError("a logout token needs a subject or a session ID")
        claims = self._base(subject, audience, epoch(at), self.lifetimes.logout_token)
        del claims["nbf"]
        claims["events"] = {BACKCHANNEL_LOGOUT_EVENT: {}}
        if sid is not None:
            claims["sid"] = sid
        return self._sign(claims, "logout+jwt")

    # -- refresh, introspection, revocation ----------------------------------------------------

    def refresh(
        self,
        refresh_token: str,
        *,
        client_id: str,
        scope: str | None = None,
        resource: str | None = None,
        at: datetime | None = None,
    ) -> TokenSet:
        """Rotate: new access and refresh tokens; reuse of an old one revokes the grant."""
        now = epoch(at)
        token = self._own(refresh_token, "refresh+jwt", at)
        claims = token.claims
        if claims.get("client_id") != client_id:
            raise TokenRejected("wrong-client", "refresh token belongs to another client")
        grant = str(claims["gid"])
        if self.revocations.is_revoked(f"gid:{grant}", now):
            raise TokenRejected("revoked", "this grant was revoked")
        if not self._used_refresh.add(f"rt:{claims['jti']}", claims["exp"], now=now):
            self.revocations.revoke(f"gid:{grant}", now + self.lifetimes.refresh_token)
            raise TokenRejected("refresh-reuse", "refresh token reused; the grant is revoked")
        granted = str(claims.get("scope", ""))
        wanted = granted if scope is None else scope
        if not set(wanted.split()) <= set(granted.split()):
            raise TokenRejected("invalid-scope", "a refresh cannot widen the scope")
        acr, subject = claims.get("acr"), str(claims["sub"])
        access, rotated = self._grant_tokens(
            subject, client_id, wanted, resource, at, acr, grant, claims.get("sid")
        )
        return TokenSet(access, rotated, int(self.lifetimes.access_token), wanted)

    def _own(self, token: str, typ: str, at: datetime | None) -> ValidatedToken:
        """Validate a token this issuer minted (signature, issuer, type, expiry)."""
        jws = self._self.verifier.verify(token, typ=typ)
        claims = jws.payload
        if claims.get("iss") != self.issuer:
            raise TokenRejected("wrong-issuer", "not issued here")
        check_types(claims)
        check_times(claims, now=epoch(at), leeway=0)
        return ValidatedToken(jws.header, claims, jws.key.kid)

    def introspect(self, token: str, *, at: datetime | None = None) -> dict[str, Any]:
        """RFC 7662 answer for an access or refresh token minted here; unknown → inactive."""
        now = epoch(at)
        for typ, token_type in (("at+jwt", "Bearer"), ("refresh+jwt", "refresh_token")):
            try:
                claims = self._own(token, typ, at).claims
            except TokenRejected:
                continue
            if self._revoked(claims, now):
                return dict(INACTIVE)
            return introspection_response(claims, token_type)
        return dict(INACTIVE)

    def _revoked(self, claims: Mapping[str, Any], now: float) -> bool:
        keys = [f"jti:{claims.get('jti')}"]
        if "gid" in claims:
            keys.append(f"gid:{claims['gid']}")
        return any(self.revocations.is_revoked(k, now) for k in keys)

    def revoke(self, token: str, *, client_id: str, at: datetime | None = None) -> None:
        """RFC 7009: always succeeds; a refresh token takes its grant's access tokens with it."""
        for typ in ("refresh+jwt", "at+jwt"):
            try:
                claims = self._own(token, typ, at).claims
            except TokenRejected:
                continue
            if claims.get("client_id") != client_id:
                return  # not this client's token: ignore, still answer 200
            until = float(claims["exp"]) + self.lifetimes.refresh_token
            self.revocations.revoke(f"jti:{claims['jti']}", until)
            if typ == "refresh+jwt":
                self.revocations.revoke(f"gid:{claims['gid']}", until)
            return

    # -- tickets ----------------------------------------------------------------------------------

    def redeem_ticket(
        self,
        ticket: str,
        *,
        client_id: str,
        service: str,
        at: datetime | None = None,
    ) -> str:
        """Back-channel ticket redemption: a signed identity assertion (an ID token) for it.

        Client authentication is the caller's job (``Client.authenticate``), before this.
        """
        grant = self.tickets.redeem(ticket, client_id=client_id, redirect_uri=service, at=at)
        data = grant.data
        return self.issue_id_token(
            subject=str(data["sub"]),
            audience=client_id,
            at=at,
            assurance_code=data.get("assurance_code"),
            amr=data.get("amr", ()),
            sid=data.get("sid"),
            extra=data.get("claims"),
        )
