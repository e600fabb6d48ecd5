"""The native DER parser must agree with the strict Python decoder on every input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from trustkit import _sm2, sm2
from trustkit.exceptions import MalformedSignature
from trustkit.sm2._curve import N


def _python(sig: bytes) -> bytes | None:
    try:
        return sm2.der_to_raw(sig)
    except MalformedSignature:
        return None


def _native(sig: bytes) -> bytes | None:
    try:
        return _sm2.der_to_raw(sig)
    except ValueError:
        return None


def _in_range(raw: bytes) -> bool:
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    return 0 < r < N and 0 < s < N


def _agree(sig: bytes) -> None:
    py, c = _python(sig), _native(sig)
    if py is not None:
        assert c == py
    elif c is not None:
        # the native parser leaves the range check to verification; structure must still match
        assert not _in_range(c)


scalars = st.integers(min_value=1, max_value=N - 1)


@settings(max_examples=400, deadline=None)
@given(r=scalars, s=scalars, data=st.data())
def test_mutated_signatures(r: int, s: int, data: st.DataObject) -> None:
    sig = bytearray(sm2.encode_der_signature(r, s))
    for _ in range(data.draw(st.integers(0, 3))):
        kind = data.draw(st.integers(0, 3))
        if kind == 0 and sig:
            i = data.draw(st.integers(0, len(sig) - 1))
            sig[i] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == 1:
            sig = sig[: data.draw(st.integers(0, len(sig)))]
        elif kind == 2:
            sig += data.draw(st.binary(min_size=1, max_size=3))
        else:
            i = data.draw(st.integers(0, len(sig)))
            sig[i:i] = data.draw(st.binary(min_size=1, max_size=2))
    _agree(bytes(sig))


@settings(max_examples=400, deadline=None)
@given(blob=st.binary(max_size=80))
def test_random_bytes(blob: bytes) -> None:
    _agree(blob)


# An INTEGER body: a 32-byte value, optionally behind one extra leading byte (a correct 00 pad,
# a wrong non-zero byte, or a sign-flipping byte), optionally stripped of leading zeros.
bodies = st.builds(
    lambda value, lead, strip: (
        (b"" if lead is None else bytes([lead]))
        + (
            value.to_bytes(32, "big").lstrip(b"\x00") or b"\x00"
            if strip
            else value.to_bytes(32, "big")
        )
    ),
    st.integers(0, 2**256 - 1),
    st.one_of(st.none(), st.just(0), st.integers(1, 255)),
    st.booleans(),
)


@settings(max_examples=400, deadline=None)
@given(r=bodies, s=bodies)
def test_hand_built_integers(r: bytes, s: bytes) -> None:
    body = b"\x02" + bytes([len(r)]) + r + b"\x02" + bytes([len(s)]) + s
    _agree(b"\x30" + bytes([len(body)]) + body)
