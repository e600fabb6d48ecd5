"""SM3, HMAC-SM3 and the SM2 KDF: GB/T 32905 known answers and checks against definitions.

The reference values come from tests/oracles/reference.py (SM3 written from the spec) and from
hashlib (OpenSSL); trustkit.sm3 must agree with both.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable

import pytest
from oracles import reference

from trustkit import sm3 as tk_sm3

# GB/T 32905-2016 Annex A, plus the empty message (widely published).
KATS = [
    (b"abc", "66C7F0F462EEEDD9D1F2D46BDC10E4E24167C4875CF2F7A2297DA02B8F4BA8E0"),
    (b"abcd" * 16, "DEBE9FF92275B8A138604889C18E5A4D6FDB70E5387E5765293DCBA39C0C5732"),
    (b"", "1AB21D8355CFA17F8E61194831E81A8F22BEC8C728FEFB747ED035EB5082AA2B"),
]

# Lengths around the padding boundaries (55/56 bytes: length field fits or spills).
BOUNDARY_LENGTHS = [0, 1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000]


def _native_sm3() -> Callable[[bytes], bytes] | None:
    try:
        from trustkit import _sm2
    except ImportError:
        return None
    return getattr(_sm2, "sm3", None)


def _implementations() -> list[tuple[str, Callable[[bytes], bytes]]]:
    impls: list[tuple[str, Callable[[bytes], bytes]]] = [("trustkit.sm3.sm3", tk_sm3.sm3)]
    native = _native_sm3()
    if native is not None:
        impls.append(("trustkit._sm2.sm3", native))
    return impls


IMPLS = _implementations()
IMPL_IDS = [name for name, _ in IMPLS]


@pytest.mark.parametrize(("msg", "expected"), KATS)
def test_reference_sm3_matches_standard(msg: bytes, expected: str) -> None:
    assert reference.sm3(msg).hex().upper() == expected


@pytest.mark.parametrize(("name", "fn"), IMPLS, ids=IMPL_IDS)
@pytest.mark.parametrize(("msg", "expected"), KATS)
def test_sm3_known_answers(
    name: str, fn: Callable[[bytes], bytes], msg: bytes, expected: str
) -> None:
    assert fn(msg).hex().upper() == expected


@pytest.mark.parametrize(("name", "fn"), IMPLS, ids=IMPL_IDS)
@pytest.mark.parametrize("length", BOUNDARY_LENGTHS)
def test_sm3_padding_boundaries(name: str, fn: Callable[[bytes], bytes], length: int) -> None:
    msg = bytes((i * 7 + length) & 0xFF for i in range(length))
    assert fn(msg) == reference.sm3(msg)


@pytest.mark.parametrize(("name", "fn"), IMPLS, ids=IMPL_IDS)
def test_sm3_random_lengths_match_hashlib(name: str, fn: Callable[[bytes], bytes]) -> None:
    rng = random.Random(32905)
    for _ in range(300):
        msg = rng.randbytes(rng.randrange(0, 3000))
        assert fn(msg) == hashlib.new("sm3", msg).digest(), len(msg)


@pytest.mark.parametrize(("name", "fn"), IMPLS, ids=IMPL_IDS)
def test_sm3_large_input(name: str, fn: Callable[[bytes], bytes]) -> None:
    msg = random.Random(5).randbytes(8 * 1024 * 1024 + 17)
    assert fn(msg) == hashlib.new("sm3", msg).digest()


@pytest.mark.parametrize(("name", "fn"), IMPLS, ids=IMPL_IDS)
def test_sm3_accepts_buffer_types(name: str, fn: Callable[[bytes], bytes]) -> None:
    msg = b"abc"
    expected = bytes.fromhex(KATS[0][1])
    assert fn(bytearray(msg)) == expected  # type: ignore[arg-type]
    assert fn(memoryview(msg)) == expected  # type: ignore[arg-type]


def test_sm3_digest_size() -> None:
    assert tk_sm3.DIGEST_SIZE == 32
    assert tk_sm3.BLOCK_SIZE == 64
    assert len(tk_sm3.sm3(b"x")) == 32


def test_streaming_matches_one_shot() -> None:
    rng = random.Random(1)
    msg = rng.randbytes(1000)
    h = tk_sm3.new()
    for start in range(0, len(msg), 37):
        h.update(msg[start : start + 37])
    snapshot = h.copy()
    assert h.digest() == reference.sm3(msg)
    snapshot.update(b"tail")
    assert snapshot.digest() == reference.sm3(msg + b"tail")
    assert tk_sm3.new(b"abc").digest().hex().upper() == KATS[0][1]


@pytest.mark.parametrize("key_len", [0, 1, 16, 32, 63, 64, 65, 100, 200])
def test_hmac_sm3_matches_definition(key_len: int) -> None:
    rng = random.Random(key_len)
    key = rng.randbytes(key_len)
    for data_len in (0, 1, 64, 333):
        data = rng.randbytes(data_len)
        assert tk_sm3.hmac_sm3(key, data) == reference.hmac_sm3(key, data)


def test_hmac_sm3_depends_on_key_and_data() -> None:
    base = tk_sm3.hmac_sm3(b"key", b"data")
    assert len(base) == 32
    assert tk_sm3.hmac_sm3(b"kez", b"data") != base
    assert tk_sm3.hmac_sm3(b"key", b"datb") != base
    # HMAC pads the key with zeros to the block size, so a key and the same key + b"\0"
    # collide by design; a long key is hashed first.
    assert tk_sm3.hmac_sm3(b"key\x00", b"data") == base
    assert tk_sm3.hmac_sm3(b"k" * 65, b"data") == tk_sm3.hmac_sm3(reference.sm3(b"k" * 65), b"data")


@pytest.mark.parametrize("length", [0, 1, 19, 31, 32, 33, 63, 64, 65, 100, 1000])
def test_kdf_matches_definition(length: int) -> None:
    z = bytes(range(64))
    out = tk_sm3.kdf(z, length)
    assert len(out) == length
    assert out == reference.kdf(z, length)


def test_kdf_first_block_is_sm3_with_counter_one() -> None:
    z = b"\x01" * 64
    assert tk_sm3.kdf(z, 32) == reference.sm3(z + b"\x00\x00\x00\x01")
    assert tk_sm3.kdf(z, 64)[32:] == reference.sm3(z + b"\x00\x00\x00\x02")
    # Truncation keeps a prefix: the KDF output is one stream.
    assert tk_sm3.kdf(z, 70)[:40] == tk_sm3.kdf(z, 40)


def test_kdf_rejects_negative_length() -> None:
    with pytest.raises(ValueError):
        tk_sm3.kdf(b"z", -1)
