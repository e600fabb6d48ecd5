"""Bulk verification (issue 3): verify_many vs single verify, gmalglib, the cache and Dask."""

from __future__ import annotations

import os
import random
import threading
from concurrent.futures import ProcessPoolExecutor

import pytest

from trustkit import sm2
from trustkit.exceptions import InvalidKey, InvalidSignature
from trustkit.sm2._cache import ENTRY_BYTES

N_ITEMS = 10_000


def _tamper(
    rng: random.Random, key: sm2.SM2PrivateKey, msg: bytes, kind: int
) -> tuple[bytes, bytes]:
    """Return (signature, message) for one of several tamper kinds; kind 0 stays valid."""
    sig = key.sign(msg)
    if kind == 1:  # flipped message bit
        i = rng.randrange(max(1, len(msg)))
        msg = msg[:i] + bytes([msg[i] ^ 1]) + msg[i + 1 :] if msg else b"\x01"
    elif kind == 2:  # flipped signature bit inside r or s
        raw = bytearray(sm2.der_to_raw(sig))
        raw[rng.randrange(64)] ^= 1 << rng.randrange(8)
        r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        sig = (
            sm2.encode_der_signature(r, s)
            if 0 < r < sm2._curve.N and 0 < s < sm2._curve.N
            else sig[:-1]
        )
    elif kind == 3:  # malformed DER: truncated, BER length, trailing byte, raw r||s
        sig = rng.choice([sig[:-1], b"\x30\x81" + sig[1:], sig + b"\x00", sm2.der_to_raw(sig), b""])
    elif kind == 4:  # signature by another key
        sig = sm2.generate_private_key().sign(msg)
    return sig, msg


@pytest.fixture(scope="module")
def mixed_batch() -> tuple[list[sm2.SM2PrivateKey], list[tuple[sm2.SM2PublicKey, bytes, bytes]]]:
    rng = random.Random(20261122)
    keys = [sm2.generate_private_key() for _ in range(6)]
    items = []
    for i in range(N_ITEMS):
        key = keys[i % len(keys)] if i % 10 else keys[0]
        msg = rng.randbytes(rng.randrange(0, 300))
        sig, msg = _tamper(rng, key, msg, rng.choice([0, 0, 0, 1, 2, 3, 4]))
        items.append((key.public_key(), sig, msg))
    return keys, items


def _single(pub: sm2.SM2PublicKey, sig: bytes, msg: bytes) -> bool:
    try:
        pub.verify(sig, msg)
        return True
    except InvalidSignature:
        return False


def test_verify_many_matches_single_verify(mixed_batch) -> None:
    _, items = mixed_batch
    expected = [_single(*item) for item in items]
    assert 0.3 < sum(expected) / len(expected) < 0.7  # a real mix of good and bad
    cache = sm2.VerifierCache()
    assert sm2.verify_many(items, cache=cache, workers=1) == expected
    assert sm2.verify_many(items, cache=cache, workers=2) == expected
    assert len(cache) == 6  # every issuer key crossed the table threshold
    # keys passed as SPKI DER and as encoded points give the same verdicts
    as_bytes = [(pub.public_bytes_raw(), sig, msg) for pub, sig, msg in items[:2000]]
    assert sm2.verify_many(as_bytes) == expected[:2000]


def test_verify_many_matches_gmalglib(mixed_batch, gmalglib) -> None:
    _, items = mixed_batch
    ours = sm2.verify_many(items)
    for (pub, sig, msg), verdict in zip(items, ours, strict=True):
        try:
            raw = sm2.der_to_raw(sig)
        except InvalidSignature:  # malformed DER: not expressible to gmalglib
            assert verdict is False
            continue
        theirs = gmalglib.verify(pub.public_bytes_raw(), msg, raw)
        assert verdict == bool(theirs)


def test_digest_variant(mixed_batch) -> None:
    keys, _ = mixed_batch
    from trustkit.sm3 import sm3

    items = []
    expected = []
    for i in range(200):
        key = keys[i % 3]
        e = sm3(key.public_key().z_a() + b"msg %d" % i)
        sig = key.sign_digest(e)
        if i % 4 == 0:
            e = sm3(e)
        items.append((key.public_key(), sig, e))
        expected.append(i % 4 != 0)
    assert sm2.verify_many_digest(items) == expected
    bad_length = [(keys[0].public_key(), items[1][1], b"short")]
    assert sm2.verify_many_digest(bad_length) == [False]


def test_strict_variant_names_index_and_reason(mixed_batch) -> None:
    keys, _ = mixed_batch
    good = [(keys[1].public_key(), keys[1].sign(b"m%d" % i), b"m%d" % i) for i in range(50)]
    sm2.verify_many_strict(good)
    with pytest.raises(sm2.BatchVerificationError) as err:
        sm2.verify_many_strict([*good[:7], (keys[1].public_key(), good[0][1], b"other"), *good])
    assert (err.value.index, err.value.reason) == (7, "bad-signature")
    with pytest.raises(sm2.BatchVerificationError) as err:
        sm2.verify_many_strict([*good[:3], (keys[1].public_key(), b"\x30\x00", b"x")])
    assert (err.value.index, err.value.reason) == (3, "malformed-signature")
    assert isinstance(err.value, InvalidSignature)


def test_bad_items_are_false_never_raise(mixed_batch) -> None:
    keys, _ = mixed_batch
    pub = keys[0].public_key()
    sig = keys[0].sign(b"ok")
    off_curve = b"\x04" + pub.public_bytes_raw()[1:64] + bytes([pub.public_bytes_raw()[64] ^ 1])
    items = [
        (pub, sig, b"ok"),
        "not a tuple",
        (pub, sig),
        (pub, "text", b"ok"),
        (pub, sig, 12),
        (None, sig, b"ok"),
        (off_curve, sig, b"ok"),
        (b"\x30\x03\x02\x01\x00", sig, b"ok"),
        (pub, bytearray(sig), memoryview(b"ok")),
    ]
    assert sm2.verify_many(items) == [True, False, False, False, False, False, False, False, True]
    with pytest.raises(sm2.BatchVerificationError) as err:
        sm2.verify_many_strict(items)
    assert (err.value.index, err.value.reason) == (1, "bad-item")


def test_cache_evicts_under_cap() -> None:
    cache = sm2.VerifierCache(max_bytes=3 * ENTRY_BYTES)
    keys = [sm2.generate_private_key() for _ in range(5)]
    for key in keys:
        items = [(key.public_key(), key.sign(b"%d" % i), b"%d" % i) for i in range(40)]
        assert all(sm2.verify_many(items, cache=cache))
        assert cache.memory_bytes <= cache.max_bytes
    assert len(cache) == 3 and cache.evictions == 2
    points = [k.public_key().public_bytes_raw()[1:] for k in keys]
    assert points[0] not in cache and points[4] in cache  # least recently used went first
    zero = sm2.VerifierCache(max_bytes=0)
    items = [(keys[0].public_key(), keys[0].sign(b"z"), b"z")] * 40
    assert all(sm2.verify_many(items, cache=zero)) and len(zero) == 0


def test_invalid_key_rejected_before_any_table() -> None:
    cache = sm2.VerifierCache()
    with pytest.raises(InvalidKey):
        cache.get(b"\x01" * 64)
    assert len(cache) == 0
    bogus = [(b"\x04" + b"\x01" * 64, b"\x30\x06\x02\x01\x01\x02\x01\x01", b"m")] * 100
    assert sm2.verify_many(bogus, cache=cache) == [False] * 100
    assert len(cache) == 0


def test_cache_shared_between_threads() -> None:
    cache = sm2.VerifierCache(max_bytes=2 * ENTRY_BYTES)
    keys = [sm2.generate_private_key() for _ in range(4)]
    batches = [[(k.public_key(), k.sign(b"t%d" % i), b"t%d" % i) for i in range(64)] for k in keys]
    failures: list[str] = []

    def work(batch: list) -> None:
        for _ in range(5):
            if not all(sm2.verify_many(batch, cache=cache, workers=1)):
                failures.append("verdict")
            if cache.memory_bytes > cache.max_bytes:
                failures.append("over cap")

    threads = [threading.Thread(target=work, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_process_pool_executor(mixed_batch) -> None:
    _, items = mixed_batch
    expected = sm2.verify_many(items[:3000])
    with ProcessPoolExecutor(max_workers=2) as pool:
        assert sm2.verify_many(items[:3000], executor=pool, chunk_size=700) == expected


def test_dask_local_cluster(mixed_batch) -> None:
    distributed = (
        pytest.importorskip("distributed")
        if os.environ.get("CI") != "true"
        else __import__("distributed")
    )
    _, items = mixed_batch
    expected = sm2.verify_many(items[:2000])
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = sm2.verify_many(items[:2000], executor=client.get_executor(), chunk_size=500)
    assert got == expected


def test_regression_executor_never_turns_a_bad_message_into_empty_bytes() -> None:
    """A non-bytes message became b"" on the executor path, so a signature over b"" verified."""
    key = sm2.generate_private_key()
    empty_sig = key.sign(b"")
    items = [(key.public_key(), empty_sig, m) for m in ("text", None, 7)]
    items.append((key.public_key(), "not bytes", b""))
    assert sm2.verify_many(items) == [False] * 4
    with ProcessPoolExecutor(max_workers=1) as pool:
        assert sm2.verify_many(items, executor=pool) == [False] * 4
        with pytest.raises(sm2.BatchVerificationError) as err:
            sm2.verify_many_strict(items, executor=pool)
    assert (err.value.index, err.value.reason) == (0, "bad-item")
