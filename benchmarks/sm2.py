"""SM2 benchmark: trustkit against gmalglib and OpenSSL libcrypto on the same data, in one run.

Issue 2 figures: sign/s and verify/s with a fresh public key per call (one core, Python API).
Issue 3 figures: verify_many with 1 and 16 issuer keys, per core and on all cores, plus the
per-key table build time and memory. Medians of 3 runs; ratios against the best anchor.

    python3 benchmarks/sm2.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from typing import Any

from _harness import Result, add_test_oracles_to_path, emit, measure_interleaved

from trustkit import _sm2, sm2
from trustkit.sm2._cache import ENTRY_BYTES

MSG_SIZE = 200


def _data(n_keys: int, n_msgs: int, seed: int = 7) -> tuple[list[sm2.SM2PrivateKey], list[bytes]]:
    rng = random.Random(seed)
    keys = [
        sm2.SM2PrivateKey.from_private_value(rng.randrange(1, sm2._curve.N - 1))
        for _ in range(n_keys)
    ]
    return keys, [rng.randbytes(MSG_SIZE) for _ in range(n_msgs)]


def _cycle(n: int) -> Callable[[], int]:
    """A counter that walks 0..n-1 forever."""
    state = {"i": 0}

    def step() -> int:
        state["i"] = (state["i"] + 1) % n
        return state["i"]

    return step


Case = tuple[str, Callable[[], int], str]


def bench_trustkit(keys: list[sm2.SM2PrivateKey], msgs: list[bytes]) -> list[Case]:
    key, nxt = keys[0], _cycle(len(msgs))
    sigs = [key.sign(m) for m in msgs]
    point = key.public_key().public_bytes_raw()

    def sign() -> int:
        key.sign(msgs[nxt()])
        return 1

    def verify_fresh() -> int:
        i = nxt()
        sm2.SM2PublicKey.from_encoded_point(point).verify(sigs[i], msgs[i])
        return 1

    return [
        ("trustkit sign", sign, ""),
        ("trustkit verify (fresh key each call)", verify_fresh, ""),
    ]


def bench_gmalglib(keys: list[sm2.SM2PrivateKey], msgs: list[bytes]) -> list[Case]:
    try:
        from gmalglib.sm2 import SM2
    except ImportError:
        return []
    key, nxt = keys[0], _cycle(len(msgs))
    signer = SM2(sk=key.private_bytes_raw(), uid=sm2.DEFAULT_UID)
    point = key.public_key().public_bytes_raw()
    sigs = [bytes(signer.sign(m)) for m in msgs]
    reused = SM2(pk=point, uid=sm2.DEFAULT_UID)

    def sign() -> int:
        signer.sign(msgs[nxt()])
        return 1

    def verify_fresh() -> int:
        i = nxt()
        assert SM2(pk=point, uid=sm2.DEFAULT_UID).verify(msgs[i], sigs[i])
        return 1

    def verify_reused() -> int:
        i = nxt()
        assert reused.verify(msgs[i], sigs[i])
        return 1

    return [
        ("gmalglib sign", sign, ""),
        ("gmalglib verify (fresh key each call)", verify_fresh, ""),
        ("gmalglib verify (key reused)", verify_reused, ""),
    ]


def bench_openssl(keys: list[sm2.SM2PrivateKey], msgs: list[bytes]) -> list[Case]:
    add_test_oracles_to_path()
    try:
        from oracles import openssl_evp
    except Exception:
        return []
    if openssl_evp._load() is None:
        return []
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    key, nxt = keys[0], _cycle(len(msgs))
    pkcs8 = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    spki = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    priv = openssl_evp.load_private_der(pkcs8)
    pub = openssl_evp.load_public_der(spki)
    sigs = [openssl_evp.sign(priv, m) for m in msgs]

    def sign() -> int:
        openssl_evp.sign(priv, msgs[nxt()])
        return 1

    def verify_fresh() -> int:
        i = nxt()
        assert openssl_evp.verify(openssl_evp.load_public_der(spki), sigs[i], msgs[i])
        return 1

    def verify_reused() -> int:
        i = nxt()
        assert openssl_evp.verify(pub, sigs[i], msgs[i])
        return 1

    return [
        ("openssl sign", sign, ""),
        ("openssl verify (fresh key each call)", verify_fresh, ""),
        ("openssl verify (key reused)", verify_reused, ""),
    ]


def bench_bulk(keys: list[sm2.SM2PrivateKey], msgs: list[bytes]) -> list[Case]:
    cores = len(os.sched_getaffinity(0))
    out = []
    for n_issuers in (1, 16):
        items = [
            (keys[i % n_issuers].public_key(), keys[i % n_issuers].sign(m), m)
            for i, m in enumerate(msgs)
        ]
        cache = sm2.VerifierCache()
        assert all(sm2.verify_many(items, cache=cache, workers=1))  # warms the tables
        for workers in sorted({1, cores}):

            def run(items: Any = items, workers: int = workers, cache: Any = cache) -> int:
                sm2.verify_many(items, workers=workers, cache=cache)
                return len(items)

            label = "per core" if workers == 1 else f"{workers} cores"
            out.append((f"trustkit verify_many {n_issuers} issuer(s), {label}", run, ""))
    return out


def bench_tables(n: int = 64) -> list[Result]:
    points = [sm2.generate_private_key().public_key().public_bytes_raw()[1:] for _ in range(n)]
    cores = [_sm2.PublicCore(p) for p in points]
    rss_before = _rss_bytes()
    start = time.perf_counter()
    for core in cores:
        core.precompute()
    build_ms = (time.perf_counter() - start) / n * 1000
    per_key = (_rss_bytes() - rss_before) / n
    return [
        Result("table build time per key", "ms", build_ms),
        Result("table memory per key (RSS delta)", "KiB", per_key / 1024),
        Result("table memory per key (cache accounting)", "KiB", ENTRY_BYTES / 1024),
    ]


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _ratios(results: list[Result]) -> dict[str, float]:
    by = {r.name: r.median for r in results}
    anchors_verify = [v for k, v in by.items() if not k.startswith("trustkit") and "verify" in k]
    anchors_sign = [v for k, v in by.items() if not k.startswith("trustkit") and "sign" in k]
    out: dict[str, float] = {}
    if anchors_sign:
        out["sign vs best anchor"] = by["trustkit sign"] / max(anchors_sign)
    if anchors_verify:
        best = max(anchors_verify)
        out["verify (fresh key) vs best anchor"] = (
            by["trustkit verify (fresh key each call)"] / best
        )
        for name, value in by.items():
            if name.startswith("trustkit verify_many"):
                out[f"{name[len('trustkit ') :]} vs best anchor"] = value / best
    one, many = (by.get(f"trustkit verify_many 16 issuer(s), {x}") for x in ("per core", "2 cores"))
    if one and many:
        out["verify_many 2 cores / 1 core"] = many / one
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="short runs (about 15 s in all)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()
    secs = 0.3 if args.quick else 2.0
    keys, msgs = _data(16, 2000 if args.quick else 20000)
    cases = bench_trustkit(keys, msgs[:500])
    cases += bench_gmalglib(keys, msgs[:500])
    cases += bench_openssl(keys, msgs[:500])
    cases += bench_bulk(keys, msgs)
    results = measure_interleaved(cases, seconds=secs)
    results += bench_tables(16 if args.quick else 64)
    emit("trustkit SM2", results, _ratios(results), args.json)


if __name__ == "__main__":
    main()
