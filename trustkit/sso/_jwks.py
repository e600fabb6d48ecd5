"""JWK Sets: publish one, load one strictly, and fetch a remote one with a cache.

Key selection goes by ``kid`` in an in-memory map only; a token's ``jku``/``x5u``/``jwk``
headers are never followed. SM2 public keys get their verification table built once
(``precompute``) when the set is loaded, so every later verify is fast.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from trustkit import sm2
from trustkit.exceptions import MalformedInput, TrustkitError
from trustkit.sso._encoding import loads_object
from trustkit.sso._errors import TokenRejected
from trustkit.sso._jwk import JWK

__all__ = [
    "MAX_JWKS_BYTES",
    "Fetcher",
    "JWKSet",
    "KeySource",
    "RemoteJWKS",
    "UrllibFetcher",
]

MAX_JWKS_BYTES = 64 * 1024
MAX_KEYS = 64


class KeySource(Protocol):
    """Where a verifier finds keys: ``get_key`` returns a key for (kid, alg) or rejects."""

    def get_key(self, kid: str | None) -> JWK: ...


@dataclass(frozen=True)
class JWKSet:
    """An immutable set of keys indexed by ``kid``; ``skipped`` says what was left out and why."""

    keys: tuple[JWK, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    _by_kid: dict[str, JWK] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for key in self.keys:
            if key.kid in self._by_kid:
                raise MalformedInput(f"JWKS lists kid {key.kid!r} twice")
            self._by_kid[key.kid] = key

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def from_keys(cls, keys: Iterable[JWK], *, precompute: bool = True) -> JWKSet:
        keys = tuple(keys)
        if precompute:
            _precompute(keys)
        return cls(keys)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, precompute: bool = True) -> JWKSet:
        """Load a public JWKS. Unusable keys are skipped with a reason; none usable is an error.

        Keys without ``kid``, keys for encryption (``use: enc``), keys carrying private
        members and unsupported types are skipped.
        """
        entries = data.get("keys") if isinstance(data, Mapping) else None
        if not isinstance(entries, list):
            raise MalformedInput("a JWKS must be an object with a 'keys' array")
        if len(entries) > MAX_KEYS:
            raise MalformedInput(f"JWKS has {len(entries)} keys; at most {MAX_KEYS} are allowed")
        keys, skipped = [], []
        for index, entry in enumerate(entries):
            key, why = _usable(entry)
            if key is None:
                skipped.append((_label(entry, index), why))
            else:
                keys.append(key)
        if not keys:
            reasons = "; ".join(f"{label}: {why}" for label, why in skipped) or "no keys"
            raise MalformedInput(f"JWKS has no usable signing key ({reasons})")
        out = cls(tuple(keys), tuple(skipped))
        if precompute:
            _precompute(out.keys)
        return out

    @classmethod
    def from_json(cls, data: bytes | str, *, precompute: bool = True) -> JWKSet:
        raw = data.encode() if isinstance(data, str) else bytes(data)
        if len(raw) > MAX_JWKS_BYTES:
            raise MalformedInput(f"JWKS is {len(raw)} bytes; at most {MAX_JWKS_BYTES} allowed")
        try:
            parsed = loads_object(raw, "JWKS")
        except TokenRejected as exc:
            raise MalformedInput(str(exc)) from None
        return cls.from_dict(parsed, precompute=precompute)

    # -- use -------------------------------------------------------------------------------

    def get_key(self, kid: str | None) -> JWK:
        """The key with this ``kid``; without a kid, the only key of a one-key set."""
        if kid is None:
            if len(self.keys) == 1:
                return self.keys[0]
            raise TokenRejected("missing-kid", "token has no kid and the key set has several keys")
        key = self._by_kid.get(kid)
        if key is None:
            raise TokenRejected("unknown-kid", "no key with the token's kid in the key set")
        return key

    def __contains__(self, kid: object) -> bool:
        return kid in self._by_kid

    def to_dict(self) -> dict[str, Any]:
        """The publishable JWKS: public members only."""
        return {"keys": [key.to_dict() for key in self.keys]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _label(entry: Any, index: int) -> str:
    kid = entry.get("kid") if isinstance(entry, Mapping) else None
    return f"kid {kid!r}" if isinstance(kid, str) else f"key #{index}"


def _usable(entry: Any) -> tuple[JWK | None, str]:
    if not isinstance(entry, Mapping):
        return None, "not a JSON object"
    if "kid" not in entry:
        return None, "no kid"
    if entry.get("use", "sig") != "sig":
        return None, "not a signature key"
    if entry.get("kty") == "oct":
        return None, "symmetric keys are never taken from a JWKS"
    try:
        return JWK.from_dict(entry), ""
    except TrustkitError as exc:
        return None, str(exc)


def _precompute(keys: Iterable[JWK]) -> None:
    for key in keys:
        public = key.public_key
        if isinstance(public, sm2.SM2PublicKey):
            public.precompute()


# -- remote sets -------------------------------------------------------------------------------


class Fetcher(Protocol):
    """Downloads a URL's body, refusing more than ``max_bytes``; raises ``OSError`` on failure."""

    def __call__(self, url: str, *, max_bytes: int, timeout: float) -> bytes: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class UrllibFetcher:
    """HTTP(S) GET with urllib: no redirects, a timeout, and a hard size cap."""

    def __init__(self, headers: Mapping[str, str] | None = None) -> None:
        self._opener = urllib.request.build_opener(_NoRedirect())
        self._headers = {"Accept": "application/json", **(headers or {})}

    def __call__(self, url: str, *, max_bytes: int, timeout: float) -> bytes:
        request = urllib.request.Request(url, headers=self._headers)
        try:
            with self._opener.open(request, timeout=timeout) as response:
                length = response.headers.get("Content-Length")
                if length is not None and length.isdigit() and int(length) > max_bytes:
                    raise OSError(f"JWKS response is {length} bytes; the cap is {max_bytes}")
                body: bytes = response.read(max_bytes + 1)
        except urllib.error.HTTPError as exc:
            raise OSError(f"JWKS fetch failed with HTTP {exc.code}") from None
        if len(body) > max_bytes:
            raise OSError(f"JWKS response exceeds the {max_bytes}-byte cap")
        return body


class RemoteJWKS:
    """A JWKS fetched from the issuer's configured URL and cached.

    - the set is refetched after ``lifespan`` seconds; a failed refetch keeps the old set;
    - an unknown ``kid`` triggers one refetch, at most once per ``cooldown`` seconds;
    - ``pinned`` makes it offline: the given set is used and the network is never touched.

    ``fetcher`` and ``clock`` (monotonic seconds) are injectable for tests.
    """

    def __init__(
        self,
        url: str,
        *,
        fetcher: Fetcher | None = None,
        lifespan: float = 300.0,
        cooldown: float = 30.0,
        max_bytes: int = MAX_JWKS_BYTES,
        timeout: float = 10.0,
        allow_http: bool = False,
        pinned: JWKSet | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        _check_url(url, allow_http)
        self.url = url
        self._fetch = fetcher or UrllibFetcher()
        self._lifespan, self._cooldown = lifespan, cooldown
        self._max_bytes, self._timeout = max_bytes, timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._set: JWKSet | None = pinned
        self._pinned = pinned is not None
        self._fetched_at = clock() if pinned else float("-inf")
        self._last_forced = float("-inf")
        self.fetch_count = 0

    @property
    def pinned(self) -> bool:
        return self._pinned

    def current(self) -> JWKSet:
        """The cached set, fetching it first when absent or older than ``lifespan``."""
        with self._lock:
            return self._current_locked()

    def get_key(self, kid: str | None) -> JWK:
        with self._lock:
            keys = self._current_locked()
            if kid is None or kid in keys or self._pinned:
                return keys.get_key(kid)
            now = self._clock()
            if now - self._last_forced < self._cooldown:
                raise TokenRejected(
                    "unknown-kid", "unknown kid and the JWKS was refreshed too recently"
                )
            self._last_forced = now
            return self._refresh_locked(keep_on_error=True).get_key(kid)

    def _current_locked(self) -> JWKSet:
        if self._set is not None and (
            self._pinned or self._clock() - self._fetched_at < self._lifespan
        ):
            return self._set
        return self._refresh_locked(keep_on_error=self._set is not None)

    def _refresh_locked(self, *, keep_on_error: bool) -> JWKSet:
        self.fetch_count += 1
        try:
            body = self._fetch(self.url, max_bytes=self._max_bytes, timeout=self._timeout)
            fresh = JWKSet.from_json(body)
        except (OSError, MalformedInput) as exc:
            if keep_on_error and self._set is not None:
                return self._set
            raise TokenRejected("jwks-unavailable", f"cannot load the JWKS: {exc}") from None
        self._set, self._fetched_at = fresh, self._clock()
        return fresh


def _check_url(url: str, allow_http: bool) -> None:
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme == "https" or (scheme == "http" and allow_http):
        return
    raise MalformedInput(f"JWKS URL scheme {scheme!r} is not allowed (https only)")
