"""The JWKS layer: publishing, strict loading, and a remote set with cache, rotation,
rate-limited unknown-kid refresh and a pinned offline mode. Remote tests use a real HTTP
server on 127.0.0.1 (and a fake fetcher where time must be controlled).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from trustkit import sm2
from trustkit.exceptions import MalformedInput
from trustkit.sso import JWK, JWKSet, RemoteJWKS, TokenRejected, UrllibFetcher


def sm2_jwk(kid: str | None = None) -> JWK:
    return JWK.from_key(sm2.generate_private_key(), kid=kid)


class FakeFetcher:
    """Serves whatever ``body`` holds and counts calls."""

    def __init__(self, body: bytes) -> None:
        self.body, self.calls = body, 0
        self.fail = False

    def __call__(self, url: str, *, max_bytes: int, timeout: float) -> bytes:
        self.calls += 1
        if self.fail:
            raise OSError("connection refused")
        return self.body


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def body_of(*keys: JWK) -> bytes:
    return json.dumps({"keys": [k.to_dict() for k in keys]}).encode()


# --- publishing and loading -----------------------------------------------------------------


def test_sm2_only_jwks_is_usable_where_pyjwt_drops_it() -> None:
    key = sm2_jwk()
    published = JWKSet.from_keys([key]).to_dict()
    assert published["keys"][0]["crv"] == "SM2" and "d" not in published["keys"][0]
    with pytest.raises(jwt.PyJWKSetError):
        jwt.PyJWKSet.from_dict(published)  # SM2-7: PyJWT cannot use it
    loaded = JWKSet.from_dict(published)
    assert loaded.get_key(key.kid).public_key == key.public_key
    assert loaded.get_key(key.kid).public_key.has_table  # precomputed for fast verification


def test_mixed_jwks_keeps_every_key_and_reports_skipped_ones() -> None:
    gm, p256 = sm2_jwk(), JWK.from_key(ec.generate_private_key(ec.SECP256R1()))
    data = {
        "keys": [
            gm.to_dict(),
            p256.to_dict(),
            {**sm2_jwk().to_dict(), "use": "enc"},
            {k: v for k, v in sm2_jwk().to_dict().items() if k != "kid"},
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
            {"kty": "EC", "crv": "SM2", "x": "AA", "y": "AA", "kid": "short"},
            "not an object",
        ]
    }
    loaded = JWKSet.from_dict(data)
    assert [k.kid for k in loaded.keys] == [gm.kid, p256.kid]
    reasons = dict(loaded.skipped)
    assert reasons["kid 'hmac'"] == "symmetric keys are never taken from a JWKS"
    assert "32 bytes" in reasons["kid 'short'"]
    assert reasons["key #3"] == "no kid"
    assert reasons["key #6"] == "not a JSON object"
    assert len(loaded.skipped) == 5


def test_jwks_without_usable_keys_is_an_explicit_error() -> None:
    with pytest.raises(MalformedInput, match=r"no usable signing key.*no kid"):
        JWKSet.from_dict({"keys": [{k: v for k, v in sm2_jwk().to_dict().items() if k != "kid"}]})
    with pytest.raises(MalformedInput, match="unsupported JWK key type"):
        JWKSet.from_dict({"keys": [{"kty": "XYZ", "kid": "a"}]})
    with pytest.raises(MalformedInput, match="'keys' array"):
        JWKSet.from_dict({"key": []})


def test_jwks_with_private_members_or_duplicate_kids_rejected() -> None:
    key = sm2.generate_private_key()
    private = {**JWK.from_key(key).to_dict(), "d": "AAAA"}
    with pytest.raises(MalformedInput, match="private key material"):
        JWKSet.from_dict({"keys": [private]})
    dup = sm2_jwk("same").to_dict()
    with pytest.raises(MalformedInput, match="twice"):
        JWKSet.from_dict({"keys": [dup, sm2_jwk("same").to_dict()]})


def test_jwks_json_is_parsed_strictly_and_capped() -> None:
    member = json.dumps(sm2_jwk().to_dict())
    with pytest.raises(MalformedInput, match="twice"):
        JWKSet.from_json('{"keys": [], "keys": [' + member + "]}")
    with pytest.raises(MalformedInput, match="at most"):
        JWKSet.from_json(b" " * (64 * 1024 + 1))
    many = {"keys": [sm2_jwk(f"k{i}").to_dict() for i in range(65)]}
    with pytest.raises(MalformedInput, match="at most 64"):
        JWKSet.from_dict(many)


def test_lookup_by_kid_only() -> None:
    a, b = sm2_jwk("a"), sm2_jwk("b")
    keys = JWKSet.from_keys([a.public(), b.public()])
    assert keys.get_key("b").kid == "b"
    for kid, reason in (("c", "unknown-kid"), (None, "missing-kid")):
        with pytest.raises(TokenRejected) as info:
            keys.get_key(kid)
        assert info.value.reason == reason
    assert JWKSet.from_keys([a.public()]).get_key(None).kid == "a"


# --- remote: a real HTTP server on 127.0.0.1 ----------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {}
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        status, headers, body = self.routes.get(self.path, (404, {}, b"not found"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"routes": {}, "hits": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_remote_jwks_over_http(server: tuple[str, type[_Handler]]) -> None:
    base, handler = server
    key = sm2_jwk()
    handler.routes["/jwks"] = (200, {"Content-Type": "application/json"}, body_of(key))
    remote = RemoteJWKS(f"{base}/jwks", allow_http=True)
    assert remote.get_key(key.kid).public_key == key.public_key
    assert remote.get_key(key.kid).kid == key.kid
    assert handler.hits == ["/jwks"]  # cached


def test_remote_jwks_does_not_follow_redirects(server: tuple[str, type[_Handler]]) -> None:
    base, handler = server
    handler.routes["/moved"] = (302, {"Location": f"{base}/jwks"}, b"")
    handler.routes["/jwks"] = (200, {}, body_of(sm2_jwk()))
    with pytest.raises(TokenRejected) as info:
        RemoteJWKS(f"{base}/moved", allow_http=True).current()
    assert info.value.reason == "jwks-unavailable"
    assert handler.hits == ["/moved"]


def test_remote_jwks_size_cap(server: tuple[str, type[_Handler]]) -> None:
    base, handler = server
    handler.routes["/big"] = (200, {}, b"{" + b" " * 70_000 + b"}")
    with pytest.raises(TokenRejected, match="cap"):
        RemoteJWKS(f"{base}/big", allow_http=True).current()
    fetcher = UrllibFetcher()
    with pytest.raises(OSError, match="cap"):
        fetcher(f"{base}/big", max_bytes=1000, timeout=5)


def test_remote_jwks_url_schemes() -> None:
    for url in ("file:///etc/passwd", "ftp://x/jwks", "data:,{}", "http://idp.example/jwks"):
        with pytest.raises(MalformedInput, match="not allowed"):
            RemoteJWKS(url)
    RemoteJWKS("https://idp.example/jwks", fetcher=FakeFetcher(b""))


# --- remote: cache, rotation, cooldown, offline ----------------------------------------------


def test_lifespan_refetch_and_rotation() -> None:
    old, new = sm2_jwk("old"), sm2_jwk("new")
    fetcher, clock = FakeFetcher(body_of(old)), Clock()
    remote = RemoteJWKS("https://idp/jwks", fetcher=fetcher, clock=clock, lifespan=300)
    assert remote.get_key("old").kid == "old" and fetcher.calls == 1
    fetcher.body = body_of(old, new)  # rollover: N+1 keys published
    clock.now += 299
    assert remote.get_key("old").kid == "old" and fetcher.calls == 1
    clock.now += 2
    assert remote.get_key("new").kid == "new" and fetcher.calls == 2
    fetcher.body = body_of(new)  # old key withdrawn
    clock.now += 301
    with pytest.raises(TokenRejected) as info:
        remote.get_key("old")
    assert info.value.reason == "unknown-kid"


def test_unknown_kid_refreshes_once_per_cooldown() -> None:
    a, b, c = sm2_jwk("a"), sm2_jwk("b"), sm2_jwk("c")
    fetcher, clock = FakeFetcher(body_of(a)), Clock()
    remote = RemoteJWKS("https://idp/jwks", fetcher=fetcher, clock=clock, cooldown=30)
    remote.current()
    fetcher.body = body_of(a, b)
    assert remote.get_key("b").kid == "b" and fetcher.calls == 2  # one forced refresh
    fetcher.body = body_of(a, b, c)
    for _ in range(5):  # a key rotated within the cooldown: refused, no fetch storm
        with pytest.raises(TokenRejected) as info:
            remote.get_key("c")
        assert info.value.reason == "unknown-kid"
    assert fetcher.calls == 2
    clock.now += 31
    assert remote.get_key("c").kid == "c" and fetcher.calls == 3
    with pytest.raises(TokenRejected):
        remote.get_key("zzz")
    assert fetcher.calls == 3


def test_failed_refresh_keeps_the_cached_set() -> None:
    a = sm2_jwk("a")
    fetcher, clock = FakeFetcher(body_of(a)), Clock()
    remote = RemoteJWKS("https://idp/jwks", fetcher=fetcher, clock=clock, lifespan=10)
    remote.current()
    fetcher.fail = True
    clock.now += 11
    assert remote.get_key("a").kid == "a"
    fetcher.body = b'{"keys": []}'
    fetcher.fail = False
    clock.now += 11
    assert remote.get_key("a").kid == "a"  # a broken set does not replace a good one
    assert fetcher.calls == 3


def test_first_fetch_failure_is_a_rejection() -> None:
    fetcher = FakeFetcher(b"")
    fetcher.fail = True
    with pytest.raises(TokenRejected) as info:
        RemoteJWKS("https://idp/jwks", fetcher=fetcher).get_key("a")
    assert info.value.reason == "jwks-unavailable"


def test_pinned_offline_mode_never_fetches() -> None:
    a = sm2_jwk("a")
    fetcher, clock = FakeFetcher(body_of(sm2_jwk("b"))), Clock()
    remote = RemoteJWKS(
        "https://idp/jwks", fetcher=fetcher, clock=clock, pinned=JWKSet.from_keys([a.public()])
    )
    assert remote.pinned
    clock.now += 10_000
    assert remote.get_key("a").kid == "a"
    with pytest.raises(TokenRejected) as info:
        remote.get_key("b")
    assert info.value.reason == "unknown-kid"
    assert fetcher.calls == 0
