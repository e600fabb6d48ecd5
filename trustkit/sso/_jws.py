"""Compact JWS: strict verification against a per-instance algorithm registry, and signing.

Verification order: size cap, three segments, strict base64url and JSON header, ``alg`` in
the allowlist, no ``crit`` extension, no key-carrying header (``jku``/``x5u``/``jwk``/``x5c``),
``kid`` as a bounded string, key chosen by ``kid`` from a configured key source, key type bound
to ``alg``, signature, then the payload as a strict JSON object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.exceptions import InvalidKeyError

from trustkit.exceptions import TrustkitError
from trustkit.sso._algorithms import SM2, SM2Algorithm, algorithm_registry
from trustkit.sso._encoding import b64u_decode, b64u_encode, dumps, loads_object
from trustkit.sso._errors import TokenRejected
from trustkit.sso._jwk import JWK, MAX_KID_LENGTH, algorithms_for
from trustkit.sso._jwks import KeySource

__all__ = ["MAX_TOKEN_BYTES", "JWSVerifier", "VerifiedJWS", "sign_jws", "unverified_header"]

MAX_TOKEN_BYTES = 16 * 1024
KEY_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c"})
_HEADER_CACHE_SIZE = 256
_HEADER_CACHE_MAX_SEGMENT = 512


@dataclass(frozen=True)
class VerifiedJWS:
    """A JWS whose signature held: its header, its JSON payload and the key that verified it."""

    header: dict[str, Any]
    payload: dict[str, Any]
    key: JWK
    signing_input: bytes


def _split(token: str | bytes, max_bytes: int) -> tuple[bytes, bytes, bytes]:
    if isinstance(token, str):
        if len(token) > max_bytes:
            raise TokenRejected("oversized", f"token is longer than {max_bytes} bytes")
        try:
            token = token.encode("ascii")
        except UnicodeEncodeError:
            raise TokenRejected("malformed", "token contains non-ASCII characters") from None
    if not isinstance(token, bytes):
        raise TokenRejected("malformed", "token must be str or bytes")
    if len(token) > max_bytes:
        raise TokenRejected("oversized", f"token is longer than {max_bytes} bytes")
    if token.count(b".") != 2:
        raise TokenRejected("malformed", "a compact JWS has exactly three segments")
    header, payload, signature = token.split(b".")
    return header, payload, signature


def unverified_header(token: str | bytes, *, max_bytes: int = MAX_TOKEN_BYTES) -> dict[str, Any]:
    """The parsed protected header, without any check of the signature. Do not trust it."""
    return loads_object(b64u_decode(_split(token, max_bytes)[0], "header"), "header")


class JWSVerifier:
    """Verifies compact JWS tokens with an explicit allowlist and a configured key source.

    ``algorithms`` is required. ``sm2_aliases`` maps extra header names (``SM2SM3`` ...) to a
    signature encoding (``"raw"``/``"der"``) for this verifier only. ``typ``, when given, must
    equal the header's ``typ`` (case-insensitive, ``application/`` prefix optional).
    """

    def __init__(
        self,
        keys: KeySource,
        *,
        algorithms: Iterable[str],
        sm2_aliases: Mapping[str, Any] | None = None,
        max_token_bytes: int = MAX_TOKEN_BYTES,
        allowed_key_headers: Iterable[str] = (),
    ) -> None:
        self.keys = keys
        self.registry = algorithm_registry(algorithms, sm2_aliases=sm2_aliases)
        self.algorithms = frozenset(self.registry.get_algorithms())
        self._sm2_names = frozenset(
            name
            for name in self.algorithms
            if isinstance(self.registry.get_algorithm_by_name(name), SM2Algorithm)
        )
        self._max = max_token_bytes
        self._forbidden = KEY_HEADERS - set(allowed_key_headers)
        self._headers: dict[bytes, dict[str, Any]] = {}  # issuers repeat the same few headers

    def verify(self, token: str | bytes, *, typ: str | None = None) -> VerifiedJWS:
        """Verify the signature and return header and payload; raise ``TokenRejected``."""
        h64, p64, s64 = _split(token, self._max)
        header = self._header(h64)
        alg = self._check_header(header, typ)
        key = self._key_for(header, alg)
        signature = b64u_decode(s64, "signature")
        signing_input = h64 + b"." + p64
        algorithm = self.registry.get_algorithm_by_name(alg)
        try:
            ok = bool(
                algorithm.verify(signing_input, algorithm.prepare_key(key.public_key), signature)
            )
        except (TrustkitError, InvalidKeyError, ValueError, TypeError):
            ok = False
        if not ok:
            raise TokenRejected("bad-signature", "the token's signature does not verify")
        payload = loads_object(b64u_decode(p64, "payload"), "payload")
        return VerifiedJWS(header, payload, key, signing_input)

    def _header(self, h64: bytes) -> dict[str, Any]:
        """The strictly parsed header, remembered per segment (a copy is returned)."""
        header = self._headers.get(h64)
        if header is None:
            header = loads_object(b64u_decode(h64, "header"), "header")
            if len(h64) <= _HEADER_CACHE_MAX_SEGMENT:
                if len(self._headers) >= _HEADER_CACHE_SIZE:
                    self._headers.clear()
                self._headers[h64] = header
        return dict(header)

    def _check_header(self, header: Mapping[str, Any], typ: str | None) -> str:
        alg = header.get("alg")
        if not isinstance(alg, str) or alg.lower() == "none":
            raise TokenRejected("alg-not-allowed", "the token's alg is missing or 'none'")
        if alg not in self.algorithms:
            raise TokenRejected("alg-not-allowed", f"alg {alg!r} is not in the allowlist")
        if "crit" in header or "b64" in header:
            raise TokenRejected("unsupported-crit", "the token uses a critical JWS extension")
        found = self._forbidden.intersection(header)
        if found:
            raise TokenRejected(
                "untrusted-key-header", f"header carries {sorted(found)}; keys come from config"
            )
        kid = header.get("kid")
        if kid is not None and (not isinstance(kid, str) or not 0 < len(kid) <= MAX_KID_LENGTH):
            raise TokenRejected("bad-kid", "kid must be a short non-empty string")
        if typ is not None and not _typ_matches(header.get("typ"), typ):
            raise TokenRejected("wrong-typ", f"token typ is not {typ!r}")
        return alg

    def _key_for(self, header: Mapping[str, Any], alg: str) -> JWK:
        key = self.keys.get_key(header.get("kid"))
        family = SM2 if alg in self._sm2_names else alg
        if family not in algorithms_for(key):
            raise TokenRejected("key-alg-mismatch", f"the key for this kid cannot verify {alg}")
        if key.alg is not None and key.alg != alg:
            raise TokenRejected("key-alg-mismatch", f"the key is bound to {key.alg}, not {alg}")
        if key.use not in (None, "sig"):
            raise TokenRejected("key-alg-mismatch", "the key is not a signature key")
        return key


def _typ_matches(value: Any, expected: str) -> bool:
    if not isinstance(value, str):
        return False
    given: str = value.lower().removeprefix("application/")
    return given == expected.lower().removeprefix("application/")


def sign_jws(
    payload: Mapping[str, Any],
    key: JWK,
    *,
    alg: str = SM2,
    typ: str | None = "JWT",
    headers: Mapping[str, Any] | None = None,
    registry: jwt.PyJWS | None = None,
) -> str:
    """Sign ``payload`` (a JSON object) as a compact JWS with header ``{alg, kid, typ}``."""
    if not key.private:
        raise TokenRejected("no-private-key", "signing needs a private key")
    if alg not in algorithms_for(key) and not (key.kty == "EC" and key.crv == "SM2"):
        raise TokenRejected("key-alg-mismatch", f"a {key.kty}/{key.crv} key cannot sign {alg}")
    header: dict[str, Any] = {"alg": alg, "kid": key.kid}
    if typ is not None:
        header["typ"] = typ
    header.update(headers or {})
    algorithm = (registry or _registry_for(alg)).get_algorithm_by_name(alg)
    signing_input = b64u_encode(dumps(header)) + b"." + b64u_encode(dumps(dict(payload)))
    signature = algorithm.sign(signing_input, algorithm.prepare_key(key.key))
    return (signing_input + b"." + b64u_encode(signature)).decode("ascii")


_REGISTRIES: dict[str, jwt.PyJWS] = {}


def _registry_for(alg: str) -> jwt.PyJWS:
    """A cached one-algorithm registry for signing (per trustkit, never PyJWT's global one)."""
    registry = _REGISTRIES.get(alg)
    if registry is None:
        registry = _REGISTRIES[alg] = algorithm_registry([alg])
    return registry
