"""Single sign-on tokens with SM2: JOSE, JWKS, identity-provider and relying-party sides.

Guarantees:

- JWS ``alg: "SM2"`` (SM2 with SM3 over Z_A of the default ID, raw 64-byte r‖s) and JWK
  ``{"kty":"EC","crv":"SM2"}`` with RFC 7638 thumbprints; other SM2 names and DER signatures
  only through per-issuer configuration;
- SM2 is registered on a per-instance PyJWT ``PyJWS``; PyJWT's global table is never touched;
  ES256, EdDSA and RS256 work alongside;
- validation needs an explicit algorithm allowlist, takes keys only from configuration (never
  from ``jku``/``x5u``/``jwk`` headers), parses JSON strictly and caps token size;
- time is a parameter (``at``); every rejection is a ``TokenRejected`` with a reason code.

>>> from trustkit import sm2
>>> from trustkit.sso import JWK, IdentityProvider, RelyingParty
>>> idp = IdentityProvider("https://idp.example", JWK.from_key(sm2.generate_private_key()))
>>> rp = RelyingParty(issuer="https://idp.example", client_id="city-a",
...                   keys=idp.keys, algorithms=["SM2"])
>>> token = idp.issue_id_token(subject="u1", audience="city-a", nonce="n-1")
>>> rp.validate_id_token(token, nonce="n-1").subject
'u1'
"""

from __future__ import annotations

from trustkit.sso._acr import COMMON_L1_L4, GUANGDONG_2_5, AssuranceLevel, AssuranceMapping
from trustkit.sso._algorithms import SM2, SM2Algorithm, algorithm_registry
from trustkit.sso._claims import same_secret
from trustkit.sso._errors import TokenRejected
from trustkit.sso._exchange import (
    ACCESS_TOKEN_TYPE,
    ID_TOKEN_TYPE,
    TOKEN_EXCHANGE_GRANT,
    TokenExchange,
    TokenExchangeError,
)
from trustkit.sso._idp import IdentityProvider, Lifetimes, TokenSet
from trustkit.sso._introspect import (
    RevocationList,
    check_introspection,
    introspection_response,
    parse_token_request,
)
from trustkit.sso._jwk import JWK, thumbprint
from trustkit.sso._jwks import Fetcher, JWKSet, KeySource, RemoteJWKS, UrllibFetcher
from trustkit.sso._jws import JWSVerifier, VerifiedJWS, sign_jws, unverified_header
from trustkit.sso._pkce import check_pkce, code_challenge, make_code_verifier
from trustkit.sso._replay import (
    MemoryReplayStore,
    ReplayStore,
    ReplayStoreFull,
    SQLiteReplayStore,
)
from trustkit.sso._rp import BACKCHANNEL_LOGOUT_EVENT, RelyingParty, ValidatedToken
from trustkit.sso._tickets import Client, OneTimeGrants, RedeemedGrant

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "BACKCHANNEL_LOGOUT_EVENT",
    "COMMON_L1_L4",
    "GUANGDONG_2_5",
    "ID_TOKEN_TYPE",
    "JWK",
    "SM2",
    "TOKEN_EXCHANGE_GRANT",
    "AssuranceLevel",
    "AssuranceMapping",
    "Client",
    "Fetcher",
    "IdentityProvider",
    "JWKSet",
    "JWSVerifier",
    "KeySource",
    "Lifetimes",
    "MemoryReplayStore",
    "OneTimeGrants",
    "RedeemedGrant",
    "RelyingParty",
    "RemoteJWKS",
    "ReplayStore",
    "ReplayStoreFull",
    "RevocationList",
    "SM2Algorithm",
    "SQLiteReplayStore",
    "TokenExchange",
    "TokenExchangeError",
    "TokenRejected",
    "TokenSet",
    "UrllibFetcher",
    "ValidatedToken",
    "VerifiedJWS",
    "algorithm_registry",
    "check_introspection",
    "check_pkce",
    "code_challenge",
    "introspection_response",
    "make_code_verifier",
    "parse_token_request",
    "same_secret",
    "sign_jws",
    "thumbprint",
    "unverified_header",
]
