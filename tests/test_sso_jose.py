"""JOSE with SM2: the JWS algorithm, JWKs and thumbprints, PyJWT per-instance registration,
per-issuer aliases and DER, and standard algorithms alongside. gmalglib is the independent
oracle for the SM2 signature bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from types import ModuleType

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from trustkit import sm2, sso
from trustkit.exceptions import InvalidKey, UnsupportedAlgorithm
from trustkit.sm2._curve import N
from trustkit.sso import JWK, JWKSet, JWSVerifier, SM2Algorithm, TokenRejected, sign_jws

AT = datetime(2026, 1, 1, tzinfo=UTC)


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def sm2_jwk() -> JWK:
    return JWK.from_key(sm2.generate_private_key())


# --- the SM2 algorithm ------------------------------------------------------------------------


def test_sm2_token_has_raw_64_byte_signature_that_gmalglib_verifies(
    sm2_jwk: JWK, gmalglib: ModuleType
) -> None:
    token = sign_jws({"sub": "u1"}, sm2_jwk)
    header_b64, payload_b64, sig_b64 = token.split(".")
    assert json.loads(unb64u(header_b64)) == {"alg": "SM2", "kid": sm2_jwk.kid, "typ": "JWT"}
    signature = unb64u(sig_b64)
    assert len(signature) == 64
    point = sm2_jwk.public_key.public_bytes_raw()
    signing_input = f"{header_b64}.{payload_b64}".encode()
    assert gmalglib.verify(point, signing_input, signature) is True
    assert gmalglib.verify(point, signing_input + b"x", signature) is False


def test_gmalglib_made_token_verifies_in_trustkit(gmalglib: ModuleType) -> None:
    key = sm2.generate_private_key()
    jwk = JWK.from_key(key.public_key())
    header = b64u(json.dumps({"alg": "SM2", "kid": jwk.kid}).encode())
    payload = b64u(b'{"sub":"from-gmalglib"}')
    rs = gmalglib.sign(key.private_bytes_raw(), f"{header}.{payload}".encode())
    token = f"{header}.{payload}.{b64u(rs)}"
    verified = JWSVerifier(JWKSet.from_keys([jwk]), algorithms=["SM2"]).verify(token)
    assert verified.payload == {"sub": "from-gmalglib"}
    assert verified.key.kid == jwk.kid


def test_sm2_algorithm_signature_encodings_and_uid() -> None:
    key = sm2.generate_private_key()
    raw_alg, der_alg = SM2Algorithm("raw"), SM2Algorithm("der")
    raw = raw_alg.sign(b"msg", key)
    der = der_alg.sign(b"msg", key)
    assert len(raw) == 64 and der[0] == 0x30
    assert raw_alg.verify(b"msg", key.public_key(), raw) is True
    assert der_alg.verify(b"msg", key.public_key(), der) is True
    assert raw_alg.verify(b"msg", key.public_key(), der) is False  # never guessed from length
    assert der_alg.verify(b"msg", key.public_key(), raw) is False
    other_uid = SM2Algorithm("raw", uid=b"alice@example")
    assert other_uid.verify(b"msg", key.public_key(), raw) is False
    assert other_uid.verify(b"msg", key.public_key(), other_uid.sign(b"msg", key)) is True
    with pytest.raises(ValueError, match="encoding"):
        SM2Algorithm("base64")  # type: ignore[arg-type]


def test_at_hash_uses_sm3_for_sm2() -> None:
    registry = sso.algorithm_registry(["SM2", "ES256"])
    from trustkit.sm3 import sm3

    sm2_alg = registry.get_algorithm_by_name("SM2")
    assert sm2_alg.compute_hash_digest(b"abc") == sm3(b"abc")
    es = registry.get_algorithm_by_name("ES256")
    assert es.compute_hash_digest(b"abc") == hashlib.sha256(b"abc").digest()


# --- PyJWT: per-instance registration, global table untouched (SM2-4) ------------------------


def test_pyjwt_global_registry_is_untouched_after_importing_everything() -> None:
    import importlib
    import pkgutil

    before = sorted(jwt.api_jws._jws_global_obj.get_algorithms())
    for module in pkgutil.iter_modules(sso.__path__):
        importlib.import_module(f"trustkit.sso.{module.name}")
    import trustkit.cli._token  # noqa: F401

    sso.algorithm_registry(["SM2", "SM2SM3"], sm2_aliases={"SM2SM3": "der"})
    assert sorted(jwt.api_jws._jws_global_obj.get_algorithms()) == before
    assert "SM2" not in before
    token = sign_jws({"sub": "u"}, JWK.from_key(sm2.generate_private_key()))
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token, "irrelevant", algorithms=["SM2"])


def test_pyjwt_instance_signs_and_verifies_sm2_and_interoperates() -> None:
    key = sm2.generate_private_key()
    registry = sso.algorithm_registry(["SM2", "ES256"])
    assert sorted(registry.get_algorithms()) == ["ES256", "SM2"]
    token = registry.encode(b'{"sub":"u"}', key, algorithm="SM2", headers={"kid": "k1"})
    assert registry.decode(token, key.public_key(), algorithms=["SM2"]) == b'{"sub":"u"}'
    jwk = JWK.from_key(key.public_key(), kid="k1")
    ours = JWSVerifier(JWKSet.from_keys([jwk]), algorithms=["SM2"]).verify(token)
    assert ours.payload == {"sub": "u"}
    mine = sign_jws({"sub": "v"}, JWK.from_key(key, kid="k1"))
    assert registry.decode(mine, key.public_key(), algorithms=["SM2"]) == b'{"sub":"v"}'


def test_registry_requires_an_allowlist_and_never_none() -> None:
    with pytest.raises(ValueError, match="allowlist"):
        sso.algorithm_registry([])
    for name in ("none", "None", "NONE"):
        with pytest.raises(ValueError, match="none"):
            sso.algorithm_registry(["SM2", name])
    with pytest.raises(ValueError, match="unsupported"):
        sso.algorithm_registry(["GmSM2"])  # an alias needs configuration
    registry = sso.algorithm_registry(["GmSM2"], sm2_aliases={"GmSM2": "raw"})
    assert registry.get_algorithms() == ["GmSM2"]


# --- standard algorithms alongside --------------------------------------------------------------


@pytest.mark.parametrize(
    ("alg", "make"),
    [
        ("ES256", lambda: ec.generate_private_key(ec.SECP256R1())),
        ("EdDSA", ed25519.Ed25519PrivateKey.generate),
        ("RS256", lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    ],
)
def test_standard_algorithms_alongside_sm2(alg: str, make: object) -> None:
    private = make()  # type: ignore[operator]
    std = JWK.from_key(private)
    gm = JWK.from_key(sm2.generate_private_key())
    keys = JWKSet.from_keys([std.public(), gm.public()])
    verifier = JWSVerifier(keys, algorithms=["SM2", alg])
    assert verifier.verify(sign_jws({"n": 1}, std, alg=alg)).payload == {"n": 1}
    assert verifier.verify(sign_jws({"n": 2}, gm)).payload == {"n": 2}
    # PyJWT (an independent verifier for the standard algorithms) accepts our token
    token = sign_jws({"n": 3}, std, alg=alg)
    assert jwt.decode(token, private.public_key(), algorithms=[alg]) == {"n": 3}
    # and we accept PyJWT's
    theirs = jwt.encode({"n": 4}, private, algorithm=alg, headers={"kid": std.kid})
    assert verifier.verify(theirs).payload == {"n": 4}


# --- JWK --------------------------------------------------------------------------------------


def test_sm2_jwk_round_trip_and_rfc7638_thumbprint() -> None:
    key = sm2.generate_private_key()
    jwk = JWK.from_key(key.public_key())
    members = jwk.to_dict()
    point = key.public_key().public_bytes_raw()
    assert members["kty"] == "EC" and members["crv"] == "SM2"
    assert unb64u(members["x"]) == point[1:33] and unb64u(members["y"]) == point[33:]
    assert "d" not in members
    canonical = json.dumps(
        {"crv": "SM2", "kty": "EC", "x": members["x"], "y": members["y"]}, separators=(",", ":")
    ).encode()
    expected = b64u(hashlib.sha256(canonical).digest())
    assert jwk.kid == expected == jwk.thumbprint() == sso.thumbprint(members)
    again = JWK.from_dict(members)
    assert again.key == key.public_key() and again.kid == jwk.kid


def test_thumbprint_matches_rfc7638_example() -> None:
    # RFC 7638 §3.1: the RSA example key and its published thumbprint
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
        "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY"
        "368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f"
        "M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    members = {"kty": "RSA", "n": n, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"}
    assert sso.thumbprint(members) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_private_sm2_jwk_checks_d_against_the_point() -> None:
    key, other = sm2.generate_private_key(), sm2.generate_private_key()
    data = {**JWK.from_key(key).to_dict(), "d": b64u(key.private_bytes_raw())}
    with pytest.raises(InvalidKey, match="private key material"):
        JWK.from_dict(data)
    loaded = JWK.from_dict(data, allow_private=True)
    assert loaded.private and loaded.key.private_value == key.private_value
    wrong = {**data, "d": b64u(other.private_bytes_raw())}
    with pytest.raises(InvalidKey, match="does not match"):
        JWK.from_dict(wrong, allow_private=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"x": b64u(b"\x01" * 6)}, "32 bytes"),  # SM2-3: a 6-byte "public key"
        ({"y": b64u(b"\x00" * 33)}, "32 bytes"),
        ({"x": 12345}, "base64url"),
        ({"x": "not base64!"}, "base64url"),
    ],
)
def test_malformed_sm2_jwk_rejected(change: dict[str, object], message: str) -> None:
    data = {**JWK.from_key(sm2.generate_private_key()).to_dict(), **change}
    with pytest.raises(InvalidKey, match=message):
        JWK.from_dict(data)


def test_off_curve_sm2_jwk_rejected() -> None:
    data = JWK.from_key(sm2.generate_private_key()).to_dict()
    y = int.from_bytes(unb64u(data["y"]), "big")
    data["y"] = b64u(((y + 1) % (1 << 256)).to_bytes(32, "big"))
    with pytest.raises(InvalidKey):
        JWK.from_dict(data)


def test_unknown_key_type_is_unsupported() -> None:
    with pytest.raises(UnsupportedAlgorithm):
        JWK.from_dict({"kty": "EC", "crv": "brainpoolP256r1", "x": "AA", "y": "AA", "kid": "b"})


def test_public_jwk_of_private_key_never_serialises_d() -> None:
    key = sm2.generate_private_key()
    jwk = JWK.from_key(key, alg="SM2")
    out = jwk.to_dict()
    assert "d" not in out and out["alg"] == "SM2" and out["use"] == "sig"
    assert jwk.public().private is False and jwk.public().kid == jwk.kid
    ec_key = ec.generate_private_key(ec.SECP256R1())
    assert "d" not in JWK.from_key(ec_key).to_dict()
    assert JWK.from_key(ec_key).same_key(JWK.from_key(ec_key.public_key()))


def test_pem_sm2_keys_prepare_for_the_algorithm() -> None:
    key = sm2.generate_private_key()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    alg = SM2Algorithm()
    prepared = alg.prepare_key(pem)
    assert isinstance(prepared, sm2.SM2PrivateKey)
    assert prepared.private_value == key.private_value


# --- per-issuer aliases and DER ------------------------------------------------------------------


def test_alias_with_der_only_when_configured() -> None:
    key = sm2.generate_private_key()
    jwk = JWK.from_key(key)
    registry = sso.algorithm_registry(["SM2SM3"], sm2_aliases={"SM2SM3": "der"})
    token = sign_jws({"sub": "hutool"}, jwk, alg="SM2SM3", registry=registry)
    assert unb64u(token.split(".")[2])[0] == 0x30  # DER SEQUENCE
    keys = JWKSet.from_keys([jwk.public()])
    configured = JWSVerifier(keys, algorithms=["SM2SM3"], sm2_aliases={"SM2SM3": "der"})
    assert configured.verify(token).payload == {"sub": "hutool"}
    with pytest.raises(ValueError, match="unsupported"):
        JWSVerifier(keys, algorithms=["SM2SM3"])
    default = JWSVerifier(keys, algorithms=["SM2"])
    with pytest.raises(TokenRejected) as info:
        default.verify(token)
    assert info.value.reason == "alg-not-allowed"


@pytest.mark.parametrize(
    "der_mutation",
    [
        lambda d: d + b"\x00",  # trailing data
        lambda d: d[:1] + b"\x81" + d[1:],  # long-form length
        lambda d: b"\x30" + bytes([d[1] + 1]) + b"\x02" + bytes([d[3] + 1]) + b"\x00" + d[4:],
    ],
    ids=["trailing", "long-form", "non-minimal-integer"],
)
def test_der_mode_rejects_non_canonical_der(der_mutation: object) -> None:
    key = sm2.generate_private_key()
    jwk = JWK.from_key(key)
    registry = sso.algorithm_registry(["SM2SM3"], sm2_aliases={"SM2SM3": "der"})
    token = sign_jws({"sub": "x"}, jwk, alg="SM2SM3", registry=registry)
    h, p, s = token.split(".")
    bad = der_mutation(unb64u(s))  # type: ignore[operator]
    verifier = JWSVerifier(
        JWKSet.from_keys([jwk.public()]), algorithms=["SM2SM3"], sm2_aliases={"SM2SM3": "der"}
    )
    with pytest.raises(TokenRejected) as info:
        verifier.verify(f"{h}.{p}.{b64u(bad)}")
    assert info.value.reason == "bad-signature"


def test_der_33_byte_integer_rejected() -> None:
    r = (N - 1).to_bytes(32, "big")
    body = b"\x02\x21\x00" + r + b"\x02\x21\x01" + r  # s has a 33-byte non-minimal form
    der = b"\x30" + bytes([len(body)]) + body
    assert SM2Algorithm("der").verify(b"m", sm2.generate_private_key().public_key(), der) is False
