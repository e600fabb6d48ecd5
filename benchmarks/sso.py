"""SSO token benchmark: trustkit SM2 JWT sign/verify against PyJWT ES256 (and HS256), one run.

Method (spec §9): one core (the process is pinned to its first allowed CPU unless --no-pin),
claims iss/sub/aud/iat/exp, verification checks signature, iss, aud and times; SM2 keys come
from a JWKS loaded once, so their verification tables are precomputed ("cached key").
Medians of 3 runs. Targets (issue 6): SM2 verify >= 20,000/s and sign >= 15,000/s per core.

    python3 benchmarks/sso.py [--quick] [--json] [--no-pin]
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import UTC, datetime

import jwt
from _harness import Result, emit, measure
from cryptography.hazmat.primitives.asymmetric import ec

from trustkit import sm2
from trustkit.sso import JWK, JWKSet, RelyingParty, algorithm_registry, sign_jws

ISS, AUD = "https://idp.province.example", "city-a"
AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NOW = int(AT.timestamp())
TARGETS = {"trustkit SM2 verify (RP, cached key)": 20_000.0, "trustkit SM2 sign": 15_000.0}


def _claims(i: int) -> dict[str, object]:
    return {"iss": ISS, "sub": f"user-{i}", "aud": AUD, "iat": NOW, "exp": NOW + 600}


def _cycle(items: list[str]) -> Callable[[], str]:
    state = {"i": 0}

    def nxt() -> str:
        state["i"] = (state["i"] + 1) % len(items)
        return items[state["i"]]

    return nxt


def bench_trustkit(secs: float) -> list[Result]:
    key = JWK.from_key(sm2.generate_private_key())
    keys = JWKSet.from_dict(JWKSet.from_keys([key.public()], precompute=False).to_dict())
    rp = RelyingParty(issuer=ISS, client_id=AUD, keys=keys, algorithms=["SM2"], leeway=0)
    tokens = [sign_jws(_claims(i), key) for i in range(256)]
    nxt, counter = _cycle(tokens), iter(range(10**12))
    registry = algorithm_registry(["SM2"])
    cached = keys.get_key(key.kid).public_key

    def sign() -> int:
        sign_jws(_claims(next(counter) & 255), key)
        return 1

    def verify_rp() -> int:
        rp.validate_id_token(nxt(), nonce=None, at=AT)
        return 1

    def verify_jws() -> int:
        rp.verifier.verify(nxt())
        return 1

    def pyjwt_instance() -> int:
        registry.decode(nxt(), cached, algorithms=["SM2"])
        return 1

    return [
        measure("trustkit SM2 sign", sign, seconds=secs),
        measure(
            "trustkit SM2 verify (RP, cached key)",
            verify_rp,
            seconds=secs,
            note="signature + iss/aud/exp/iat",
        ),
        measure("trustkit SM2 JWS verify only", verify_jws, seconds=secs),
        measure(
            "PyJWS instance with trustkit SM2, decode",
            pyjwt_instance,
            seconds=secs,
            note="signature only",
        ),
    ]


def bench_pyjwt(secs: float) -> list[Result]:
    es_key = ec.generate_private_key(ec.SECP256R1())
    es_pub = es_key.public_key()
    hs_key = b"k" * 32
    es_tokens = [jwt.encode(_claims(i), es_key, algorithm="ES256") for i in range(256)]
    hs_tokens = [jwt.encode(_claims(i), hs_key, algorithm="HS256") for i in range(256)]
    es_next, hs_next, counter = _cycle(es_tokens), _cycle(hs_tokens), iter(range(10**12))
    options = {"verify_exp": True}

    def es_encode() -> int:
        jwt.encode(_claims(next(counter) & 255), es_key, algorithm="ES256")
        return 1

    def es_decode() -> int:
        jwt.decode(
            es_next(),
            es_pub,
            algorithms=["ES256"],
            audience=AUD,
            issuer=ISS,
            options=options,
            leeway=10**9,
        )
        return 1

    def hs_decode() -> int:
        jwt.decode(hs_next(), hs_key, algorithms=["HS256"], audience=AUD, issuer=ISS, leeway=10**9)
        return 1

    return [
        measure("PyJWT ES256 encode", es_encode, seconds=secs),
        measure("PyJWT ES256 decode", es_decode, seconds=secs, note="signature + iss/aud/exp"),
        measure("PyJWT HS256 decode", hs_decode, seconds=secs),
    ]


def _ratios(results: list[Result]) -> dict[str, float]:
    rate = {r.name: r.median for r in results}
    out = {
        "SM2 verify / ES256 decode": rate["trustkit SM2 verify (RP, cached key)"]
        / rate["PyJWT ES256 decode"],
        "SM2 sign / ES256 encode": rate["trustkit SM2 sign"] / rate["PyJWT ES256 encode"],
    }
    for name, target in TARGETS.items():
        out[f"{name} / target {target:,.0f}"] = rate[name] / target
    return out


def _pin() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="short runs (a few seconds)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to one CPU")
    args = parser.parse_args()
    pinned = "not pinned" if args.no_pin else _pin()
    secs = 0.3 if args.quick else 2.0
    results = bench_trustkit(secs) + bench_pyjwt(secs)
    for r in results:
        r.note = f"{r.note}; {pinned}" if r.note else pinned
    emit("trustkit SSO tokens (per core)", results, _ratios(results), args.json)


if __name__ == "__main__":
    main()
