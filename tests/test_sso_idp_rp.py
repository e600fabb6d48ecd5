"""Identity-provider and relying-party sides: token claims, assurance mapping, logout
tokens, tickets and codes with PKCE, refresh rotation, introspection and revocation, token
exchange, and the replay stores.
"""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from trustkit import sm2
from trustkit.exceptions import MalformedInput
from trustkit.sm3 import sm3
from trustkit.sso import (
    ACCESS_TOKEN_TYPE,
    BACKCHANNEL_LOGOUT_EVENT,
    COMMON_L1_L4,
    GUANGDONG_2_5,
    ID_TOKEN_TYPE,
    JWK,
    TOKEN_EXCHANGE_GRANT,
    AssuranceLevel,
    Client,
    IdentityProvider,
    MemoryReplayStore,
    RelyingParty,
    ReplayStoreFull,
    SQLiteReplayStore,
    TokenExchange,
    TokenExchangeError,
    TokenRejected,
    check_introspection,
    check_pkce,
    code_challenge,
    make_code_verifier,
    parse_token_request,
)

AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
PROVINCE, CITY = "https://idp.gd.gov.example", "https://idp.gz.gov.example"
CLIENT = "city-a"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def idp() -> IdentityProvider:
    return IdentityProvider(
        PROVINCE, JWK.from_key(sm2.generate_private_key()), assurance=GUANGDONG_2_5
    )


def rp_for(idp: IdentityProvider, client_id: str = CLIENT, **kwargs: Any) -> RelyingParty:
    return RelyingParty(
        issuer=idp.issuer, client_id=client_id, keys=idp.keys, algorithms=["SM2"], **kwargs
    )


def reason(excinfo: pytest.ExceptionInfo[TokenRejected]) -> str:
    return excinfo.value.reason


# --- ID tokens ------------------------------------------------------------------------------


def test_id_token_claims(idp: IdentityProvider) -> None:
    token = idp.issue_id_token(
        subject="u1",
        audience=CLIENT,
        at=AT,
        nonce="n1",
        auth_time=AT - timedelta(minutes=2),
        assurance_code="4",
        amr=["pwd", "face"],
        sid="s1",
    )
    claims = rp_for(idp).validate_id_token(token, nonce="n1", at=AT).claims
    now = int(AT.timestamp())
    assert claims["iss"] == PROVINCE and claims["sub"] == "u1" and claims["aud"] == CLIENT
    assert claims["iat"] == now == claims["nbf"] and claims["exp"] == now + 300
    assert claims["auth_time"] == now - 120
    assert claims["acr"] == "urn:trustkit:loa:3" and claims["amr"] == ["pwd", "face"]
    assert claims["sid"] == "s1" and claims["nonce"] == "n1" and len(claims["jti"]) >= 16


def test_nonce_mismatch_and_missing(idp: IdentityProvider) -> None:
    token = idp.issue_id_token(subject="u1", audience=CLIENT, at=AT, nonce="n1")
    with pytest.raises(TokenRejected) as info:
        rp_for(idp).validate_id_token(token, nonce="n2", at=AT)
    assert reason(info) == "bad-nonce"
    bare = idp.issue_id_token(subject="u1", audience=CLIENT, at=AT)
    with pytest.raises(TokenRejected) as info:
        rp_for(idp).validate_id_token(bare, nonce="n1", at=AT)
    assert reason(info) == "bad-nonce"


def test_at_hash_and_c_hash_use_sm3(idp: IdentityProvider) -> None:
    access, code = "access-token-value", "code-value"
    token = idp.issue_id_token(subject="u", audience=CLIENT, at=AT, access_token=access, code=code)
    rp = rp_for(idp)
    claims = rp.validate_id_token(token, nonce=None, at=AT, access_token=access, code=code).claims
    assert claims["at_hash"] == b64u(sm3(access.encode())[:16])
    assert claims["c_hash"] == b64u(sm3(code.encode())[:16])
    with pytest.raises(TokenRejected) as info:
        rp.validate_id_token(token, nonce=None, at=AT, access_token="other")
    assert reason(info) == "bad-at-hash"
    plain = idp.issue_id_token(subject="u", audience=CLIENT, at=AT)
    assert rp.validate_id_token(plain, nonce=None, at=AT, access_token=access).subject == "u"
    with pytest.raises(TokenRejected) as info:
        rp.validate_id_token(plain, nonce=None, at=AT, access_token=access, require_hashes=True)
    assert reason(info) == "missing-claim"


def test_max_age_and_minimum_assurance(idp: IdentityProvider) -> None:
    token = idp.issue_id_token(
        subject="u", audience=CLIENT, at=AT, auth_time=AT - timedelta(hours=1), assurance_code="3"
    )
    rp = rp_for(idp)
    ok = rp.validate_id_token(token, nonce=None, at=AT, min_level=AssuranceLevel.VERIFIED)
    assert ok.claims["acr"] == AssuranceLevel.VERIFIED.acr
    with pytest.raises(TokenRejected) as info:
        rp.validate_id_token(token, nonce=None, at=AT, min_level=AssuranceLevel.REAL_PERSON)
    assert reason(info) == "insufficient-acr"
    with pytest.raises(TokenRejected) as info:
        rp.validate_id_token(token, nonce=None, at=AT, max_age=600)
    assert reason(info) == "login-too-old"


def test_multi_audience_id_token_needs_azp(idp: IdentityProvider) -> None:
    with pytest.raises(ValueError, match="azp"):
        idp.issue_id_token(subject="u", audience=[CLIENT, "city-b"], at=AT)
    token = idp.issue_id_token(subject="u", audience=[CLIENT, "city-b"], azp=CLIENT, at=AT)
    assert rp_for(idp).validate_id_token(token, nonce=None, at=AT).claims["azp"] == CLIENT
    with pytest.raises(TokenRejected) as info:
        rp_for(idp, "city-b").validate_id_token(token, nonce=None, at=AT)
    assert reason(info) == "wrong-audience"


def test_relying_party_requires_an_allowlist(idp: IdentityProvider) -> None:
    with pytest.raises(ValueError, match="allowlist"):
        RelyingParty(issuer=PROVINCE, client_id=CLIENT, keys=idp.keys, algorithms=[])
    with pytest.raises(ValueError, match="leeway"):
        rp_for(idp, leeway=3600)


# --- assurance mapping ----------------------------------------------------------------------


def test_assurance_mappings() -> None:
    assert [GUANGDONG_2_5.level(c) for c in (2, 3, 4, 5)] == list(AssuranceLevel)
    assert COMMON_L1_L4.level("L2") is AssuranceLevel.SELF_ASSERTED
    assert COMMON_L1_L4.acr("L4") == "urn:trustkit:loa:3"
    assert GUANGDONG_2_5.code_for(AssuranceLevel.REAL_PERSON) == "4"
    assert COMMON_L1_L4.code_for(AssuranceLevel.VERIFIED) == "L3"
    with pytest.raises(MalformedInput, match="unknown assurance code"):
        GUANGDONG_2_5.level("1")
    with pytest.raises(MalformedInput, match="no code reaching"):
        COMMON_L1_L4.code_for(AssuranceLevel.CERTIFICATE)
    for bad in ("urn:trustkit:loa:9", "urn:other:3", "urn:trustkit:loa:x"):
        with pytest.raises(MalformedInput):
            AssuranceLevel.from_acr(bad)


def test_assurance_code_without_mapping_is_an_error() -> None:
    idp = IdentityProvider(PROVINCE, JWK.from_key(sm2.generate_private_key()))
    with pytest.raises(ValueError, match="AssuranceMapping"):
        idp.issue_id_token(subject="u", audience=CLIENT, assurance_code="4", at=AT)


# --- access tokens, logout tokens ---------------------------------------------------------


def test_access_token_rfc9068_and_scopes(idp: IdentityProvider) -> None:
    token = idp.issue_access_token(
        subject="u", audience="api", client_id=CLIENT, scope="openid profile", at=AT
    )
    api = rp_for(idp, "api")
    verified = api.validate_access_token(token, at=AT, scopes=["profile"])
    assert verified.header["typ"] == "at+jwt" and verified.claims["client_id"] == CLIENT
    with pytest.raises(TokenRejected) as info:
        api.validate_access_token(token, at=AT, scopes=["admin"])
    assert reason(info) == "insufficient-scope"
    with pytest.raises(TokenRejected) as info:
        rp_for(idp).validate_access_token(token, at=AT)
    assert reason(info) == "wrong-audience"


def test_logout_token_shape(idp: IdentityProvider) -> None:
    token = idp.issue_logout_token(audience=CLIENT, subject="u", sid="s1", at=AT)
    verified = rp_for(idp).validate_logout_token(token, at=AT)
    claims = verified.claims
    assert verified.header["typ"] == "logout+jwt"
    assert claims["events"] == {BACKCHANNEL_LOGOUT_EVENT: {}}
    assert "nonce" not in claims and claims["exp"] - claims["iat"] == 120
    with pytest.raises(ValueError, match="subject or a session"):
        idp.issue_logout_token(audience=CLIENT, at=AT)
    with pytest.raises(TokenRejected) as info:
        rp_for(idp).validate_logout_token(token, at=AT + timedelta(minutes=10))
    assert reason(info) == "expired"


# --- one-time grants: tickets and codes -----------------------------------------------------


def test_login_ticket_flow(idp: IdentityProvider) -> None:
    service = "https://city-a.example/sso/callback"
    ticket = idp.tickets.issue(CLIENT, service, {"sub": "u9", "assurance_code": "5"}, at=AT)
    assert ticket.startswith("ST-") and len(ticket) > 40
    assertion = idp.redeem_ticket(ticket, client_id=CLIENT, service=service, at=AT)
    claims = rp_for(idp).validate_id_token(assertion, nonce=None, at=AT).claims
    assert claims["sub"] == "u9" and claims["acr"] == AssuranceLevel.CERTIFICATE.acr


@pytest.mark.parametrize(
    ("client", "service", "delay", "expected"),
    [
        ("city-b", "https://a/cb", 0, "grant-mismatch"),
        (CLIENT, "https://a/cb/", 0, "grant-mismatch"),
        (CLIENT, "https://a/cb", 61, "unknown-grant"),
    ],
)
def test_ticket_binding_and_expiry(
    idp: IdentityProvider, client: str, service: str, delay: int, expected: str
) -> None:
    ticket = idp.tickets.issue(CLIENT, "https://a/cb", {"sub": "u"}, at=AT)
    with pytest.raises(TokenRejected) as info:
        idp.redeem_ticket(
            ticket, client_id=client, service=service, at=AT + timedelta(seconds=delay)
        )
    assert reason(info) == expected
    if expected == "grant-mismatch":  # a failed attempt still burns the ticket
        with pytest.raises(TokenRejected) as info:
            idp.redeem_ticket(ticket, client_id=CLIENT, service="https://a/cb", at=AT)
        assert reason(info) == "replayed"


def test_code_with_pkce(idp: IdentityProvider) -> None:
    verifier = make_code_verifier()
    challenge = code_challenge(verifier)
    code = idp.codes.issue(CLIENT, "https://a/cb", {"sub": "u"}, code_challenge=challenge, at=AT)
    with pytest.raises(TokenRejected) as info:
        idp.codes.redeem(
            code,
            client_id=CLIENT,
            redirect_uri="https://a/cb",
            code_verifier=make_code_verifier(),
            at=AT,
        )
    assert reason(info) == "bad-pkce"
    code = idp.codes.issue(CLIENT, "https://a/cb", {"sub": "u"}, code_challenge=challenge, at=AT)
    grant = idp.codes.redeem(
        code, client_id=CLIENT, redirect_uri="https://a/cb", code_verifier=verifier, at=AT
    )
    assert grant.data == {"sub": "u"} and grant.client_id == CLIENT


def test_pkce_rules() -> None:
    # RFC 7636 appendix B
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    check_pkce(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    with pytest.raises(TokenRejected, match="S256"):
        check_pkce(verifier, verifier, "plain")
    with pytest.raises(TokenRejected, match="43-128"):
        code_challenge("short")
    with pytest.raises(TokenRejected, match="missing"):
        check_pkce(None, "x")


def test_client_authentication_is_constant_time_digest_compare() -> None:
    client = Client.register(CLIENT, secret="s3cret", redirect_uris=("https://a/cb",))
    assert client.secret_digest is not None and b"s3cret" not in client.secret_digest
    client.authenticate("s3cret")
    for bad in ("s3cres", "", None):
        with pytest.raises(TokenRejected) as info:
            client.authenticate(bad)
        assert reason(info) == "bad-client"
    client.check_redirect("https://a/cb")
    with pytest.raises(TokenRejected):
        client.check_redirect("https://a/cb?x=1")
    Client.register("public-app").authenticate(None)


# --- refresh, introspection, revocation ------------------------------------------------------


def test_refresh_rotation_and_reuse_detection(idp: IdentityProvider) -> None:
    tokens = idp.issue_tokens(
        subject="u",
        client_id=CLIENT,
        scope="openid profile",
        at=AT,
        nonce="n",
        assurance_code="4",
        sid="s1",
    )
    body = tokens.to_dict()
    assert body["token_type"] == "Bearer" and set(body) >= {"id_token", "refresh_token"}
    later = AT + timedelta(minutes=5)
    rotated = idp.refresh(tokens.refresh_token, client_id=CLIENT, scope="openid", at=later)
    assert rotated.scope == "openid" and rotated.refresh_token != tokens.refresh_token
    access = rp_for(idp).validate_access_token(rotated.access_token, at=later)
    assert access.claims["acr"] == AssuranceLevel.REAL_PERSON.acr
    with pytest.raises(TokenRejected) as info:
        idp.refresh(rotated.refresh_token, client_id=CLIENT, scope="openid admin", at=later)
    assert reason(info) == "invalid-scope"
    with pytest.raises(TokenRejected) as info:  # reuse of the first refresh token
        idp.refresh(tokens.refresh_token, client_id=CLIENT, at=later)
    assert reason(info) == "refresh-reuse"
    assert idp.introspect(rotated.access_token, at=later) == {"active": False}
    fresh = idp.issue_tokens(subject="u", client_id=CLIENT, scope="openid", at=AT)
    with pytest.raises(TokenRejected) as info:
        idp.refresh(fresh.refresh_token, client_id="city-b", at=AT)
    assert reason(info) == "wrong-client"


def test_introspection_and_revocation(idp: IdentityProvider) -> None:
    tokens = idp.issue_tokens(subject="u", client_id=CLIENT, scope="openid", at=AT)
    answer = idp.introspect(tokens.access_token, at=AT)
    assert answer["active"] is True and answer["token_type"] == "Bearer"
    assert answer["sub"] == "u" and answer["client_id"] == CLIENT and answer["iss"] == PROVINCE
    checked = check_introspection(
        answer, issuer=PROVINCE, audience=CLIENT, at=AT, scopes=["openid"], client_id=CLIENT
    )
    assert checked["sub"] == "u"
    assert idp.introspect("garbage", at=AT) == {"active": False}
    assert idp.introspect(tokens.id_token or "", at=AT) == {"active": False}
    idp.revoke(tokens.access_token, client_id="someone-else", at=AT)  # ignored, still "200"
    assert idp.introspect(tokens.access_token, at=AT)["active"] is True
    idp.revoke(tokens.refresh_token, client_id=CLIENT, at=AT)
    assert idp.introspect(tokens.access_token, at=AT) == {"active": False}
    assert idp.introspect(tokens.refresh_token, at=AT) == {"active": False}
    with pytest.raises(TokenRejected) as info:
        idp.refresh(tokens.refresh_token, client_id=CLIENT, at=AT)
    assert reason(info) == "revoked"
    idp.revoke("not a token", client_id=CLIENT, at=AT)  # unknown tokens: no error


def test_check_introspection_rejections() -> None:
    now = int(AT.timestamp())
    good = {"active": True, "iss": PROVINCE, "aud": CLIENT, "exp": now + 60, "scope": "a"}
    cases = [
        ({"active": False}, "inactive"),
        ({**good, "active": "true"}, "inactive"),
        ({**good, "iss": CITY}, "wrong-issuer"),
        ({**good, "aud": "other"}, "wrong-audience"),
        ({**good, "exp": now - 60}, "expired"),
        ({**good, "exp": str(now + 60)}, "bad-claim-type"),
    ]
    for response, expected in cases:
        with pytest.raises(TokenRejected) as info:
            check_introspection(response, issuer=PROVINCE, audience=CLIENT, at=AT)
        assert reason(info) == expected
    with pytest.raises(TokenRejected) as info:
        check_introspection(good, issuer=PROVINCE, audience=CLIENT, at=AT, scopes=["b"])
    assert reason(info) == "insufficient-scope"
    assert parse_token_request({"token": "t", "token_type_hint": "refresh_token"}) == (
        "t",
        "refresh_token",
    )
    assert parse_token_request({"token": "t", "token_type_hint": "weird"}) == ("t", None)
    with pytest.raises(TokenRejected):
        parse_token_request({})


# --- token exchange (RFC 8693) -------------------------------------------------------------


def _federation() -> tuple[IdentityProvider, IdentityProvider, TokenExchange]:
    province = IdentityProvider(
        PROVINCE, JWK.from_key(sm2.generate_private_key()), assurance=GUANGDONG_2_5
    )
    city = IdentityProvider(CITY, JWK.from_key(sm2.generate_private_key()))
    trusted = RelyingParty(issuer=PROVINCE, client_id=CITY, keys=province.keys, algorithms=["SM2"])
    exchange = TokenExchange(
        city,
        [trusted],
        audiences={"gz-portal": ["gz-housing-api"]},
        map_subject=lambda iss, sub: f"gd:{sub}",
    )
    return province, city, exchange


def test_token_exchange_province_to_city() -> None:
    province, city, exchange = _federation()
    subject = province.issue_access_token(
        subject="u1",
        audience=CITY,
        client_id="gz-portal",
        scope="openid",
        at=AT,
        acr="urn:trustkit:loa:3",
    )
    form = {
        "grant_type": TOKEN_EXCHANGE_GRANT,
        "subject_token": subject,
        "subject_token_type": ACCESS_TOKEN_TYPE,
        "audience": "gz-housing-api",
    }
    answer = exchange.exchange(form, client_id="gz-portal", at=AT)
    assert answer["issued_token_type"] == ACCESS_TOKEN_TYPE and answer["token_type"] == "Bearer"
    api = RelyingParty(issuer=CITY, client_id="gz-housing-api", keys=city.keys, algorithms=["SM2"])
    claims = api.validate_access_token(answer["access_token"], at=AT).claims
    assert claims["iss"] == CITY and claims["sub"] == "gd:u1"
    assert claims["acr"] == "urn:trustkit:loa:3" and claims["client_id"] == "gz-portal"
    actor = province.issue_id_token(subject="clerk-7", audience=CITY, at=AT)
    with_actor = {**form, "actor_token": actor, "actor_token_type": ID_TOKEN_TYPE}
    delegated = exchange.exchange(with_actor, client_id="gz-portal", at=AT)
    act = api.validate_access_token(delegated["access_token"], at=AT).claims["act"]
    assert act == {"iss": PROVINCE, "sub": "clerk-7"}


def test_token_exchange_errors() -> None:
    province, _city, exchange = _federation()
    subject = province.issue_access_token(subject="u1", audience=CITY, client_id="gz-portal", at=AT)
    base = {
        "grant_type": TOKEN_EXCHANGE_GRANT,
        "subject_token": subject,
        "subject_token_type": ACCESS_TOKEN_TYPE,
        "audience": "gz-housing-api",
    }
    stranger = IdentityProvider("https://evil.example", JWK.from_key(sm2.generate_private_key()))
    foreign = stranger.issue_access_token(subject="u1", audience=CITY, client_id="x", at=AT)
    cases = [
        ({**base, "grant_type": "authorization_code"}, "gz-portal", "unsupported_grant_type"),
        ({**base, "audience": "gz-tax-api"}, "gz-portal", "invalid_target"),
        (base, "other-client", "invalid_target"),
        ({**base, "subject_token": foreign}, "gz-portal", "invalid_grant"),
        ({**base, "subject_token_type": ID_TOKEN_TYPE}, "gz-portal", "invalid_grant"),
        ({**base, "subject_token_type": "urn:x"}, "gz-portal", "invalid_request"),
        ({k: v for k, v in base.items() if k != "subject_token"}, "gz-portal", "invalid_request"),
        ({**base, "requested_token_type": ID_TOKEN_TYPE}, "gz-portal", "invalid_request"),
    ]
    for form, client, error in cases:
        with pytest.raises(TokenExchangeError) as info:
            exchange.exchange(form, client_id=client, at=AT)
        assert info.value.error == error, (form, info.value)
        assert info.value.to_dict()["error"] == error
    expired_at = AT + timedelta(hours=1)
    with pytest.raises(TokenExchangeError) as info:
        exchange.exchange(base, client_id="gz-portal", at=expired_at)
    assert "expired" in str(info.value)


# --- replay stores -------------------------------------------------------------------------


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "memory":
        return MemoryReplayStore()
    return SQLiteReplayStore(tmp_path / "replay.db")


def test_replay_store_semantics(store: Any) -> None:
    assert store.add("jti:a", 100.0, now=10.0) is True
    assert store.add("jti:a", 100.0, now=50.0) is False
    assert store.add("jti:b", 100.0, now=50.0) is True
    assert store.add("jti:a", 200.0, now=100.0) is True  # expired entries may be reused


def test_replay_store_is_atomic_under_threads(store: Any) -> None:
    wins: list[bool] = []
    lock = threading.Lock()

    def attempt() -> None:
        ok = store.add("jti:race", 1e12, now=1.0)
        with lock:
            wins.append(ok)

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1 and len(wins) == 16


def test_sqlite_store_is_shared_across_connections_and_restarts(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    first, second = SQLiteReplayStore(path), SQLiteReplayStore(path)
    assert first.add("ticket:x", 500.0, now=1.0) is True
    assert second.add("ticket:x", 500.0, now=2.0) is False
    first.close()
    reopened = SQLiteReplayStore(path)
    assert reopened.add("ticket:x", 500.0, now=3.0) is False
    assert reopened.purge(now=1000.0) == 1
    raw = path.read_bytes()
    assert b"ticket:x" not in raw  # keys are stored hashed
    second.close()
    reopened.close()


def test_memory_store_refuses_when_full_instead_of_evicting() -> None:
    store = MemoryReplayStore(max_entries=2)
    assert store.add("a", 100.0, now=1.0) and store.add("b", 100.0, now=1.0)
    with pytest.raises(ReplayStoreFull):
        store.add("c", 100.0, now=2.0)
    assert store.add("c", 300.0, now=150.0) is True  # expired ones were purged
    assert len(store) == 1
