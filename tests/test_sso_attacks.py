"""The validator's negative suite: one test per attack in issue 6 (and spec §4, §7).

Every forged token is otherwise valid (fresh claims, correct key) so that each test fails
only because of the one attack it carries.
"""

from __future__ import annotations

import base64
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from trustkit import sm2
from trustkit.exceptions import InvalidKey
from trustkit.sm2._curve import N
from trustkit.sso import (
    JWK,
    IdentityProvider,
    JWKSet,
    RelyingParty,
    SM2Algorithm,
    TokenRejected,
    sign_jws,
)

AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NOW = int(AT.timestamp())
ISS, CLIENT = "https://idp.province.example", "city-a"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims(**overrides: Any) -> dict[str, Any]:
    base = {"iss": ISS, "sub": "u1", "aud": CLIENT, "iat": NOW, "exp": NOW + 300, "nonce": "n1"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


@pytest.fixture(scope="module")
def key() -> JWK:
    return JWK.from_key(sm2.generate_private_key())


@pytest.fixture(scope="module")
def rp(key: JWK) -> RelyingParty:
    return make_rp(JWKSet.from_keys([key.public()]), ["SM2"])


def make_rp(keys: JWKSet, algorithms: list[str], **kwargs: Any) -> RelyingParty:
    return RelyingParty(issuer=ISS, client_id=CLIENT, keys=keys, algorithms=algorithms, **kwargs)


def forge(key: JWK, header: dict[str, Any] | bytes, payload: dict[str, Any] | bytes) -> str:
    """Sign arbitrary header/payload bytes with the real SM2 key (raw r‖s)."""
    h = header if isinstance(header, bytes) else json.dumps(header).encode()
    p = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signing_input = f"{b64u(h)}.{b64u(p)}".encode()
    return f"{signing_input.decode()}.{b64u(SM2Algorithm().sign(signing_input, key.key))}"


def rejected(rp: RelyingParty, token: str | bytes, reason: str, **kwargs: Any) -> TokenRejected:
    with pytest.raises(TokenRejected) as info:
        rp.validate_id_token(token, nonce=kwargs.pop("nonce", None), at=AT, **kwargs)
    assert info.value.reason == reason, str(info.value)
    return info.value


def test_baseline_forged_token_is_accepted(key: JWK, rp: RelyingParty) -> None:
    token = forge(key, {"alg": "SM2", "kid": key.kid}, claims())
    assert rp.validate_id_token(token, nonce="n1", at=AT).subject == "u1"


# --- 1: alg none -----------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_rejected_before_any_key_is_used(key: JWK, alg: str) -> None:
    class NoKeys:
        def get_key(self, kid: str | None) -> JWK:
            raise AssertionError("a key was looked up for an alg:none token")

    rp = make_rp(JWKSet.from_keys([key.public()]), ["SM2", "RS256"])
    rp.verifier.keys = NoKeys()
    header = b64u(json.dumps({"alg": alg}).encode())
    token = f"{header}.{b64u(json.dumps(claims()).encode())}."
    rejected(rp, token, "alg-not-allowed")


# --- 2 / 3: key confusion --------------------------------------------------------------------


@pytest.mark.parametrize("form", ["pem", "der", "jwk-json"])
def test_hs256_with_rsa_public_key_as_secret_rejected(form: str) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = JWK.from_key(private.public_key(), kid="rsa1")
    secret = {
        "pem": private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo),
        "der": private.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo),
        "jwk-json": json.dumps(public_jwk.to_dict()).encode(),
    }[form]
    h = b64u(json.dumps({"alg": "HS256", "kid": "rsa1"}).encode())
    p = b64u(json.dumps(claims()).encode())
    mac = hmac.new(secret, f"{h}.{p}".encode(), "sha256").digest()
    rp = make_rp(JWKSet.from_keys([public_jwk]), ["HS256", "RS256"])
    rejected(rp, f"{h}.{p}.{b64u(mac)}", "key-alg-mismatch")


def test_hmac_with_sm2_public_key_bytes_as_secret_rejected(key: JWK) -> None:
    secret = key.public_key.public_bytes_raw()
    h = b64u(json.dumps({"alg": "HS256", "kid": key.kid}).encode())
    p = b64u(json.dumps(claims()).encode())
    mac = hmac.new(secret, f"{h}.{p}".encode(), "sha256").digest()
    rp = make_rp(JWKSet.from_keys([key.public()]), ["SM2", "HS256"])
    rejected(rp, f"{h}.{p}.{b64u(mac)}", "key-alg-mismatch")


def test_p256_key_presented_as_sm2_rejected() -> None:
    p256 = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(InvalidKey, match="SM2 key"):
        SM2Algorithm().prepare_key(p256.public_key())
    with pytest.raises(InvalidKey, match="SM2 key"):
        SM2Algorithm().prepare_key(p256)
    # a JWKS entry whose kid points at a P-256 key cannot verify an SM2 token
    p256_jwk = JWK.from_key(p256.public_key(), kid="shared-kid")
    sm2_key = JWK.from_key(sm2.generate_private_key(), kid="shared-kid")
    token = sign_jws(claims(), sm2_key)
    rejected(make_rp(JWKSet.from_keys([p256_jwk]), ["SM2", "ES256"]), token, "key-alg-mismatch")


def test_sm2_token_relabelled_es256_rejected(key: JWK, rp: RelyingParty) -> None:
    token = forge(key, {"alg": "ES256", "kid": key.kid}, claims())
    rp2 = make_rp(JWKSet.from_keys([key.public()]), ["SM2", "ES256"])
    rejected(rp2, token, "key-alg-mismatch")
    rejected(rp, token, "alg-not-allowed")


# --- 4: kid injection --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kid", "reason"),
    [
        ("../../dev/null", "unknown-kid"),
        ("x' OR '1'='1", "unknown-kid"),
        ("k" * 10_000, "bad-kid"),
        (["a"], "bad-kid"),
        (7, "bad-kid"),
        ("", "bad-kid"),
    ],
    ids=["path-traversal", "sql", "10kB", "list", "number", "empty"],
)
def test_kid_injection_rejected(key: JWK, rp: RelyingParty, kid: object, reason: str) -> None:
    token = forge(key, {"alg": "SM2", "kid": kid}, claims())
    rejected(rp, token, reason)


def test_kid_null_means_no_kid_and_is_ambiguous_with_two_keys(key: JWK) -> None:
    two = JWKSet.from_keys([key.public(), JWK.from_key(sm2.generate_private_key()).public()])
    token = forge(key, {"alg": "SM2", "kid": None}, claims())
    rejected(make_rp(two, ["SM2"]), token, "missing-kid")


# --- 5 / 6: jku, x5u, embedded jwk ---------------------------------------------------------


def test_jku_header_rejected(key: JWK, rp: RelyingParty) -> None:
    header = {"alg": "SM2", "kid": key.kid, "jku": "https://attacker.example/jwks.json"}
    rejected(rp, forge(key, header, claims()), "untrusted-key-header")


def test_x5u_header_rejected(key: JWK, rp: RelyingParty) -> None:
    for url in ("https://attacker.example/cert.pem", "http://169.254.169.254/", "file:///etc/x"):
        header = {"alg": "SM2", "kid": key.kid, "x5u": url}
        rejected(rp, forge(key, header, claims()), "untrusted-key-header")


def test_embedded_jwk_header_rejected(rp: RelyingParty) -> None:
    attacker = JWK.from_key(sm2.generate_private_key())
    header = {"alg": "SM2", "kid": attacker.kid, "jwk": attacker.to_dict()}
    rejected(rp, forge(attacker, header, claims()), "untrusted-key-header")
    # without the header, the attacker's key is simply unknown
    rejected(rp, forge(attacker, {"alg": "SM2", "kid": attacker.kid}, claims()), "unknown-kid")


# --- 7: crit --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [{"crit": ["exp2"], "exp2": 1}, {"crit": []}, {"crit": "b64"}, {"crit": ["absent"]}],
    ids=["unknown", "empty", "not-a-list", "member-absent"],
)
def test_crit_rejected(key: JWK, rp: RelyingParty, extra: dict[str, Any]) -> None:
    header = {"alg": "SM2", "kid": key.kid, **extra}
    rejected(rp, forge(key, header, claims()), "unsupported-crit")


# --- 8 / SM2-1: signature stripping, truncation, trailing bytes -------------------------------


def test_stripped_signature_rejected(key: JWK, rp: RelyingParty) -> None:
    token = forge(key, {"alg": "SM2", "kid": key.kid}, claims())
    rejected(rp, token.rsplit(".", 1)[0] + ".", "bad-signature")
    rejected(rp, token.rsplit(".", 1)[0], "malformed")


@pytest.mark.parametrize("keep", [63, 32, 1])
def test_truncated_signature_rejected(key: JWK, rp: RelyingParty, keep: int) -> None:
    h, p, s = forge(key, {"alg": "SM2", "kid": key.kid}, claims()).split(".")
    rejected(rp, f"{h}.{p}.{b64u(unb64u(s)[:keep])}", "bad-signature")


@pytest.mark.parametrize("extra", [1, 10, 64])
def test_trailing_bytes_after_signature_rejected(key: JWK, rp: RelyingParty, extra: int) -> None:
    h, p, s = forge(key, {"alg": "SM2", "kid": key.kid}, claims()).split(".")
    longer = b64u(unb64u(s) + bytes(extra))
    rejected(rp, f"{h}.{p}.{longer}", "bad-signature")
    rejected(rp, f"{h}.{p}.{s}.", "malformed")  # an extra segment


# --- 15 / 14: r and s range ------------------------------------------------------------------


def _with_rs(token: str, r: int, s: int) -> str:
    h, p, _ = token.split(".")
    return f"{h}.{p}.{b64u(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def test_zero_and_out_of_range_r_s_rejected(key: JWK, rp: RelyingParty) -> None:
    token = forge(key, {"alg": "SM2", "kid": key.kid}, claims())
    raw = unb64u(token.split(".")[2])
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    cases = [(0, 0), (0, s), (r, 0), (N, s), (r, N), (r, N - r)]
    if r + N < 1 << 256:
        cases.append((r + N, s))
    for bad_r, bad_s in cases:
        rejected(rp, _with_rs(token, bad_r, bad_s), "bad-signature")
        raw_sig = bad_r.to_bytes(32, "big") + bad_s.to_bytes(32, "big")
        assert SM2Algorithm().verify(b"x", key.public_key, raw_sig) is False


def test_es256_psychic_signature_rejected() -> None:
    p256 = JWK.from_key(ec.generate_private_key(ec.SECP256R1()))
    token = sign_jws(claims(), p256, alg="ES256")
    rp = make_rp(JWKSet.from_keys([p256.public()]), ["ES256"])
    rejected(rp, _with_rs(token, 0, 0), "bad-signature")


# --- 9: claim type confusion ---------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": str(NOW + 300)},
        {"exp": "tomorrow"},
        {"exp": True},
        {"nbf": str(NOW - 10)},
        {"nbf": False},
        {"iat": "0"},
        {"aud": 1},
        {"aud": [CLIENT, {}]},
        {"iss": [ISS, "b"]},
        {"sub": 123},
        {"exp": 10**400},  # regression: reached float conversion and raised OverflowError
        {"nbf": -(10**30)},
        {"iat": 1e300},
    ],
    ids=lambda o: f"{next(iter(o))}={str(next(iter(o.values())))[:12]}",
)
def test_claim_type_confusion_rejected(
    key: JWK, rp: RelyingParty, overrides: dict[str, Any]
) -> None:
    token = forge(key, {"alg": "SM2", "kid": key.kid}, claims(**overrides))
    rejected(rp, token, "bad-claim-type", nonce="n1")


def test_non_finite_exp_rejected(key: JWK, rp: RelyingParty) -> None:
    body = json.dumps(claims()).replace(str(NOW + 300), "1e309").encode()
    rejected(rp, forge(key, {"alg": "SM2", "kid": key.kid}, body), "malformed")
    body = json.dumps(claims()).replace(str(NOW + 300), "NaN").encode()
    rejected(rp, forge(key, {"alg": "SM2", "kid": key.kid}, body), "malformed")


# --- 13: duplicate members ---------------------------------------------------------------------


def test_duplicate_header_member_rejected(key: JWK, rp: RelyingParty) -> None:
    header = f'{{"alg":"SM2","kid":"{key.kid}","alg":"none"}}'.encode()
    rejected(rp, forge(key, header, claims()), "duplicate-member")


def test_duplicate_payload_member_rejected(key: JWK, rp: RelyingParty) -> None:
    body = json.dumps(claims())[:-1] + ', "sub": "admin"}'
    rejected(rp, forge(key, {"alg": "SM2", "kid": key.kid}, body.encode()), "duplicate-member")


# --- 11 / 12: size and nesting ---------------------------------------------------------------


def test_oversized_token_rejected_before_decoding(key: JWK, rp: RelyingParty) -> None:
    token = forge(key, {"alg": "SM2", "kid": key.kid}, claims(pad="x" * 20_000))
    rejected(rp, token, "oversized")
    garbage = "!" * (8 * 1024 * 1024)  # not even base64: must fail on size first
    rejected(rp, garbage, "oversized")
    rejected(rp, garbage.encode(), "oversized")


def test_deeply_nested_json_rejected(key: JWK) -> None:
    roomy = make_rp(JWKSet.from_keys([key.public()]), ["SM2"], max_token_bytes=1 << 20)
    deep = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    rejected(roomy, forge(key, {"alg": "SM2", "kid": key.kid}, deep), "malformed")
    header = b'{"alg":"SM2","x":' + b"[" * 50 + b"]" * 50 + b"}"
    rejected(roomy, forge(key, header, claims()), "malformed")
    brackets_in_strings = json.dumps(claims(note="[[[[{{{{" * 10)).encode()
    ok = forge(key, {"alg": "SM2", "kid": key.kid}, brackets_in_strings)
    assert roomy.validate_id_token(ok, nonce="n1", at=AT).claims["note"].startswith("[[[[")


# --- replay --------------------------------------------------------------------------------------


def test_replayed_logout_jti_rejected(key: JWK) -> None:
    idp = IdentityProvider(ISS, key)
    rp = make_rp(idp.keys, ["SM2"])
    token = idp.issue_logout_token(audience=CLIENT, sid="s1", at=AT)
    assert rp.validate_logout_token(token, at=AT).claims["sid"] == "s1"
    with pytest.raises(TokenRejected) as info:
        rp.validate_logout_token(token, at=AT + timedelta(seconds=5))
    assert info.value.reason == "replayed"


def test_replayed_nonce_rejected(key: JWK, rp: RelyingParty) -> None:
    token = forge(key, {"alg": "SM2", "kid": key.kid}, claims(nonce="once"))
    rp.validate_id_token(token, nonce="once", at=AT)
    rejected(rp, token, "replayed", nonce="once")


def test_replayed_ticket_rejected(key: JWK) -> None:
    idp = IdentityProvider(ISS, key)
    ticket = idp.tickets.issue(CLIENT, "https://city-a/cb", {"sub": "u1"}, at=AT)
    rp = make_rp(idp.keys, ["SM2"])
    rp.check_ticket_replay(ticket, at=AT)
    with pytest.raises(TokenRejected) as info:
        rp.check_ticket_replay(ticket, at=AT)
    assert info.value.reason == "replayed"
    idp.redeem_ticket(ticket, client_id=CLIENT, service="https://city-a/cb", at=AT)
    with pytest.raises(TokenRejected) as info:
        idp.redeem_ticket(ticket, client_id=CLIENT, service="https://city-a/cb", at=AT)
    assert info.value.reason == "replayed"


# --- 10, 16, 17: audience widening, skew, substitution -------------------------------------


def test_audience_widening_needs_azp(key: JWK, rp: RelyingParty) -> None:
    header = {"alg": "SM2", "kid": key.kid}
    rejected(rp, forge(key, header, claims(aud=[CLIENT, "evil"])), "wrong-audience")
    rejected(rp, forge(key, header, claims(aud=[CLIENT, "evil"], azp="evil")), "wrong-audience")
    ok = forge(key, header, claims(aud=[CLIENT, "evil"], azp=CLIENT))
    assert rp.validate_id_token(ok, nonce=None, at=AT).claims["azp"] == CLIENT
    strict = make_rp(JWKSet.from_keys([key.public()]), ["SM2"], strict_audience=True)
    rejected(strict, ok, "wrong-audience")


def test_expiry_and_skew(key: JWK) -> None:
    header = {"alg": "SM2", "kid": key.kid}
    expired = forge(key, header, claims(exp=NOW - 5, nonce=None))
    rejected(make_rp(JWKSet.from_keys([key.public()]), ["SM2"], leeway=0), expired, "expired")
    lenient = make_rp(JWKSet.from_keys([key.public()]), ["SM2"], leeway=30)
    assert lenient.validate_id_token(expired, nonce=None, at=AT).subject == "u1"
    rejected(lenient, forge(key, header, claims(exp=NOW - 61, nonce=None)), "expired")
    rejected(lenient, forge(key, header, claims(iat=NOW + 600, nonce=None)), "issued-in-future")
    rejected(lenient, forge(key, header, claims(nbf=NOW + 600, nonce=None)), "not-yet-valid")


def test_cross_token_substitution_rejected(key: JWK) -> None:
    idp = IdentityProvider(ISS, key)
    rp = make_rp(idp.keys, ["SM2"])
    id_token = idp.issue_id_token(subject="u1", audience=CLIENT, at=AT)
    access = idp.issue_access_token(subject="u1", audience=CLIENT, client_id=CLIENT, at=AT)
    logout = idp.issue_logout_token(audience=CLIENT, subject="u1", at=AT)
    for token, validate in (
        (id_token, rp.validate_access_token),
        (logout, rp.validate_access_token),
        (access, rp.validate_logout_token),
    ):
        with pytest.raises(TokenRejected) as info:
            validate(token, at=AT)
        assert info.value.reason == "wrong-typ"
    rejected(rp, logout, "wrong-typ")
    rejected(rp, access, "wrong-typ")
    untyped_logout = forge(
        key,
        {"alg": "SM2", "kid": key.kid},
        claims(nonce=None, events={"http://schemas.openid.net/event/backchannel-logout": {}}),
    )
    rejected(rp, untyped_logout, "wrong-token-type")


def test_wrong_issuer_exact_match(key: JWK, rp: RelyingParty) -> None:
    header = {"alg": "SM2", "kid": key.kid}
    for iss in (ISS + "/", ISS.upper(), ISS + ".evil.example", "https://idp.province"):
        rejected(rp, forge(key, header, claims(iss=iss, nonce=None)), "wrong-issuer")


def test_bad_base64_rejected(key: JWK, rp: RelyingParty) -> None:
    h, p, s = forge(key, {"alg": "SM2", "kid": key.kid}, claims()).split(".")
    rejected(rp, f"{h}=.{p}.{s}", "malformed")  # padding
    rejected(rp, f"{h}.{p}.{s[:-1]}!", "malformed")
    rejected(rp, f"{h}.{p}+.{s}", "bad-signature")  # the payload is decoded only once signed
