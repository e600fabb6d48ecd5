"""Hypothesis round trips and tamper rejection for trustkit.sm2 (modest example counts)."""

from __future__ import annotations

from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracles import reference as ref

from trustkit import sm2
from trustkit.exceptions import InvalidSignature, MalformedInput, TrustkitError

N = ref.SM2_CURVE.n
KEYS = [sm2.generate_private_key() for _ in range(4)]
for _key in KEYS[2:]:  # half the keys verify through per-key precomputed tables
    _key.public_key().precompute()
FORMATS = list(sm2.CiphertextFormat)

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

keys = st.sampled_from(KEYS)
messages = st.binary(max_size=600)
uids = st.one_of(st.just(sm2.DEFAULT_UID), st.binary(max_size=100))
scalars = st.integers(min_value=1, max_value=N - 1)


@SETTINGS
@given(key=keys, msg=messages, uid=uids)
def test_sign_verify_round_trip(key: sm2.SM2PrivateKey, msg: bytes, uid: bytes) -> None:
    sig = key.sign(msg, uid=uid)
    key.public_key().verify(sig, msg, uid=uid)
    r, s = sm2.decode_der_signature(sig)
    assert 1 <= r < N and 1 <= s < N
    assert sm2.encode_der_signature(r, s) == sig  # trustkit emits minimal DER


@SETTINGS
@given(key=keys, msg=messages, uid=uids)
def test_gmalglib_agrees(
    key: sm2.SM2PrivateKey, msg: bytes, uid: bytes, gmalglib: ModuleType
) -> None:
    pub = key.public_key().public_bytes_raw()
    rs = sm2.der_to_raw(key.sign(msg, uid=uid))
    assert gmalglib.verify(pub, msg, rs, uid)
    key.public_key().verify(
        sm2.raw_to_der(gmalglib.sign(key.private_bytes_raw(), msg, uid)), msg, uid=uid
    )


@SETTINGS
@given(key=keys, msg=messages, uid=uids, data=st.data())
def test_flipped_message_bit_rejected(
    key: sm2.SM2PrivateKey, msg: bytes, uid: bytes, data: st.DataObject
) -> None:
    sig = key.sign(msg, uid=uid)
    tampered = _flip(msg + b"\x00", data) if not msg else _flip(msg, data)
    with pytest.raises(InvalidSignature):
        key.public_key().verify(sig, tampered, uid=uid)


@SETTINGS
@given(key=keys, msg=messages, data=st.data())
def test_flipped_signature_bit_rejected(
    key: sm2.SM2PrivateKey, msg: bytes, data: st.DataObject
) -> None:
    sig = key.sign(msg)
    with pytest.raises(InvalidSignature):  # MalformedSignature is one too
        key.public_key().verify(_flip(sig, data), msg)


@SETTINGS
@given(key=keys, msg=messages, uid=st.binary(min_size=1, max_size=64), data=st.data())
def test_flipped_uid_bit_rejected(
    key: sm2.SM2PrivateKey, msg: bytes, uid: bytes, data: st.DataObject
) -> None:
    sig = key.sign(msg, uid=uid)
    with pytest.raises(InvalidSignature):
        key.public_key().verify(sig, msg, uid=_flip(uid, data))


@SETTINGS
@given(key=keys, other=keys, msg=messages)
def test_other_key_rejects(key: sm2.SM2PrivateKey, other: sm2.SM2PrivateKey, msg: bytes) -> None:
    if key.public_key() == other.public_key():
        return
    with pytest.raises(InvalidSignature):
        other.public_key().verify(key.sign(msg), msg)


@SETTINGS
@given(key=keys, plain=st.binary(min_size=1, max_size=600), fmt=st.sampled_from(FORMATS))
def test_encrypt_decrypt_round_trip(
    key: sm2.SM2PrivateKey, plain: bytes, fmt: sm2.CiphertextFormat
) -> None:
    ct = key.public_key().encrypt(plain, format=fmt)
    assert key.decrypt(ct, format=fmt) == plain
    if fmt is not sm2.CiphertextFormat.ASN1:
        assert len(ct) == 65 + 32 + len(plain)
        assert ct[0] == 4


@SETTINGS
@given(
    key=keys,
    plain=st.binary(min_size=1, max_size=200),
    fmt=st.sampled_from(FORMATS),
    data=st.data(),
)
def test_flipped_ciphertext_bit_rejected(
    key: sm2.SM2PrivateKey, plain: bytes, fmt: sm2.CiphertextFormat, data: st.DataObject
) -> None:
    ct = key.public_key().encrypt(plain, format=fmt)
    with pytest.raises(TrustkitError):
        key.decrypt(_flip(ct, data), format=fmt)


def test_empty_plaintext_round_trips_or_is_refused() -> None:
    """Empty plaintext is a corner of the standard (the KDF output is empty, hence "all zero").

    OpenSSL refuses it; gmalglib 0.5.9 emits a ciphertext it cannot decrypt. trustkit must
    either round-trip it in every format or refuse it cleanly with MalformedInput.
    """
    key = KEYS[0]
    for fmt in FORMATS:
        try:
            ct = key.public_key().encrypt(b"", format=fmt)
        except MalformedInput:
            continue
        assert key.decrypt(ct, format=fmt) == b""


@settings(max_examples=300, deadline=None)
@given(r=scalars, s=scalars)
def test_der_signature_round_trip(r: int, s: int) -> None:
    der = sm2.encode_der_signature(r, s)
    assert der == ref.der_signature(r, s)
    assert sm2.decode_der_signature(der) == (r, s)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert sm2.der_to_raw(der) == raw
    assert sm2.raw_to_der(raw) == der
    assert sm2.der_to_raw(sm2.raw_to_der(raw)) == raw


@settings(max_examples=100, deadline=None)
@given(r=st.integers(min_value=1, max_value=2**64), s=scalars)
def test_small_values_encode_short(r: int, s: int) -> None:
    der = sm2.encode_der_signature(r, s)
    assert len(der) < 72
    assert sm2.der_to_raw(der)[:32] == r.to_bytes(32, "big")  # left-padded back to 32 bytes


def _flip(data: bytes, draw: st.DataObject) -> bytes:
    # Draw from a fixed range: signatures and ciphertexts vary in length between runs, and
    # hypothesis needs the same draws to replay an example.
    position = draw.draw(st.integers(min_value=0, max_value=2**20), label="position")
    bit = position % (len(data) * 8)
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)
