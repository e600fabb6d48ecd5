"""OAuth 2.0 Token Exchange (RFC 8693) for province ↔ city federation.

The exchanging issuer accepts a subject token from a trusted issuer (validated by that
issuer's ``RelyingParty``, so the allowlist, keys and audience are that relationship's own),
and mints its own access token for a permitted audience. The subject, ``acr`` and
``auth_time`` carry over; an actor token becomes the ``act`` claim.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from trustkit.exceptions import TrustkitError
from trustkit.sso._encoding import b64u_decode, loads_object
from trustkit.sso._errors import TokenRejected
from trustkit.sso._idp import IdentityProvider
from trustkit.sso._jws import unverified_header
from trustkit.sso._rp import RelyingParty, ValidatedToken

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "ID_TOKEN_TYPE",
    "JWT_TOKEN_TYPE",
    "TOKEN_EXCHANGE_GRANT",
    "TokenExchange",
    "TokenExchangeError",
]

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt"


class TokenExchangeError(TrustkitError):
    """An RFC 8693 error; ``error`` is the OAuth error code for the response body."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error

    def to_dict(self) -> dict[str, str]:
        return {"error": self.error, "error_description": str(self)}


class TokenExchange:
    """Exchange trusted issuers' tokens for tokens of ``idp``.

    ``trusted`` maps each upstream issuer to the ``RelyingParty`` that validates its tokens
    for this exchange. ``audiences`` lists, per client, which audiences it may ask for.
    ``map_subject`` turns (upstream issuer, subject) into the local subject (pairwise IDs).
    """

    def __init__(
        self,
        idp: IdentityProvider,
        trusted: Iterable[RelyingParty],
        *,
        audiences: Mapping[str, Iterable[str]],
        map_subject: Callable[[str, str], str] | None = None,
    ) -> None:
        self.idp = idp
        self._trusted = {rp.issuer: rp for rp in trusted}
        self._audiences = {client: frozenset(aud) for client, aud in audiences.items()}
        self._map = map_subject or (lambda _iss, sub: sub)

    def exchange(
        self, form: Mapping[str, str], *, client_id: str, at: datetime | None = None
    ) -> dict[str, Any]:
        """Handle a token-endpoint request body; return the RFC 8693 §2.2.1 response."""
        if form.get("grant_type") != TOKEN_EXCHANGE_GRANT:
            raise TokenExchangeError("unsupported_grant_type", "not a token-exchange request")
        audience = self._audience(form, client_id)
        subject = self._validate(form, "subject_token", at)
        actor = self._validate(form, "actor_token", at) if "actor_token" in form else None
        wanted = form.get("requested_token_type", ACCESS_TOKEN_TYPE)
        if wanted not in (ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE):
            raise TokenExchangeError("invalid_request", "only access tokens can be requested")
        claims = subject.claims
        extra: dict[str, Any] = {"auth_time": claims["auth_time"]} if "auth_time" in claims else {}
        if actor is not None:
            extra["act"] = {"iss": actor.claims["iss"], "sub": actor.claims["sub"]}
        token = self.idp.issue_access_token(
            subject=self._map(str(claims["iss"]), str(claims["sub"])),
            audience=audience,
            client_id=client_id,
            scope=form.get("scope", ""),
            at=at,
            acr=claims.get("acr"),
            extra=extra,
        )
        return {
            "access_token": token,
            "issued_token_type": ACCESS_TOKEN_TYPE,
            "token_type": "Bearer",
            "expires_in": int(self.idp.lifetimes.access_token),
        }

    def _audience(self, form: Mapping[str, str], client_id: str) -> str:
        audience = form.get("audience") or form.get("resource")
        if not audience:
            raise TokenExchangeError("invalid_target", "an audience is required")
        if audience not in self._audiences.get(client_id, frozenset()):
            raise TokenExchangeError("invalid_target", "this client may not ask for that audience")
        return audience

    def _validate(self, form: Mapping[str, str], name: str, at: datetime | None) -> ValidatedToken:
        token, kind = form.get(name), form.get(f"{name}_type")
        if not token or not kind:
            raise TokenExchangeError("invalid_request", f"{name} and {name}_type are required")
        try:
            validator = self._validator_for(token)
            if kind == ACCESS_TOKEN_TYPE:
                return validator.validate_access_token(token, at=at)
            if kind in (ID_TOKEN_TYPE, JWT_TOKEN_TYPE):
                return validator.validate_id_token(token, nonce=None, at=at)
        except TokenRejected as exc:
            raise TokenExchangeError("invalid_grant", f"{name} rejected: {exc.reason}") from None
        raise TokenExchangeError("invalid_request", f"unsupported {name}_type")

    def _validator_for(self, token: str) -> RelyingParty:
        """Route by the (unverified) ``iss``; the chosen validator then checks everything."""
        unverified_header(token)  # size and header sanity before looking at the payload
        payload = loads_object(b64u_decode(token.split(".")[1].encode(), "payload"), "payload")
        issuer = payload.get("iss")
        validator = self._trusted.get(issuer) if isinstance(issuer, str) else None
        if validator is None:
            raise TokenRejected("untrusted-issuer", "the token's issuer is not trusted here")
        return validator
