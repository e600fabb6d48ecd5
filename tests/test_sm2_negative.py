"""Spec §9 negative tests: every row N1–N23 and the "also test" list, plus §12.4 edge cases.

Exception contract:
- a well-formed but wrong signature raises InvalidSignature (and is not a MalformedInput);
- bad signature DER and out-of-range r/s raise MalformedSignature (an InvalidSignature and a
  MalformedInput at once); other bad lengths raise MalformedInput;
- bad keys raise InvalidKey;
- a tampered ciphertext raises one generic DecryptionFailed.
Where OpenSSL 3.0 is an oracle for a row (§9 table) the test also checks that it rejects.
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from oracles import reference as ref

from trustkit import sm2
from trustkit.exceptions import (
    DecryptionFailed,
    InvalidKey,
    InvalidSignature,
    MalformedInput,
    MalformedSignature,
    TrustkitError,
)
from trustkit.sm3 import sm3

CURVE = ref.SM2_CURVE
N, P = CURVE.n, CURVE.p
SPKI_PREFIX = bytes.fromhex("301306072A8648CE3D020106082A811CCF5501822D")  # AlgorithmIdentifier


@contextmanager
def _wrong_signature() -> Iterator[None]:
    """Expect InvalidSignature for a well-formed signature: not a MalformedInput."""
    with pytest.raises(InvalidSignature) as info:
        yield
    assert not isinstance(info.value, MalformedInput), repr(info.value)


@dataclass
class Signed:
    key: sm2.SM2PrivateKey
    pub: sm2.SM2PublicKey
    msg: bytes
    sig: bytes
    r: int
    s: int

    @property
    def point(self) -> tuple[int, int]:
        return (self.pub.x, self.pub.y)


def _fresh(predicate: Callable[[int, int], bool] = lambda r, s: True) -> Signed:
    """A fresh key and a valid signature whose (r, s) satisfies predicate."""
    key = sm2.generate_private_key()
    msg = b"trustkit negative test"
    while True:
        sig = key.sign(msg)
        r, s = sm2.decode_der_signature(sig)
        if predicate(r, s):
            break
    key.public_key().verify(sig, msg)  # the starting point really is valid
    return Signed(key, key.public_key(), msg, sig, r, s)


def _tabled(pub: sm2.SM2PublicKey) -> sm2.SM2PublicKey:
    """An equal key that verifies through a per-key precomputed table."""
    copy = sm2.SM2PublicKey.from_encoded_point(pub.public_bytes_raw())
    assert copy.precompute() and copy.has_table
    return copy


@pytest.fixture(params=["plain", "table"])
def signed(request: pytest.FixtureRequest) -> Signed:
    """A fresh valid signature; its public key verifies without or with a per-key table."""
    sg = _fresh()
    if request.param == "table":
        sg.pub = _tabled(sg.pub)
        sg.pub.verify(sg.sig, sg.msg)
    return sg


def _ossl_rejects(
    openssl: ModuleType, signed: Signed, sig: bytes, msg: bytes | None = None
) -> bool:
    pkey = openssl.load_public_der(ref.spki_der(signed.point))
    assert openssl.verify(pkey, signed.sig, signed.msg)  # sanity: the oracle sees the base as valid
    return not openssl.verify(pkey, sig, signed.msg if msg is None else msg)


def _spki(point_bytes: bytes) -> bytes:
    return ref.der_seq(
        SPKI_PREFIX, b"\x03" + ref.der_len(len(point_bytes) + 1) + b"\x00" + point_bytes
    )


def _point(x: int, y: int) -> bytes:
    return b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")


# ============================================================ N1–N8: values out of range / wrong


RANGE_CASES: dict[str, Callable[[int, int], tuple[int, int]]] = {
    "N1 r=0": lambda r, s: (0, s),
    "N2 s=0": lambda r, s: (r, 0),
    "N3 r=n": lambda r, s: (N, s),
    "N4 s=n": lambda r, s: (r, N),
    "N5 r+n": lambda r, s: (r + N, s),
    "N6 s+n": lambda r, s: (r, s + N),
    "r=2^256-1": lambda r, s: (2**256 - 1, s),
    "s=2^256": lambda r, s: (r, 2**256),
}


@pytest.mark.parametrize("case", RANGE_CASES, ids=list(RANGE_CASES))
def test_n1_to_n6_out_of_range(case: str, signed: Signed, openssl: ModuleType) -> None:
    r, s = RANGE_CASES[case](signed.r, signed.s)
    bad = ref.der_signature(r, s)
    with pytest.raises(MalformedSignature):
        signed.pub.verify(bad, signed.msg)
    with pytest.raises(MalformedSignature):
        signed.pub.verify_digest(bad, sm3(signed.pub.z_a() + signed.msg))
    assert _ossl_rejects(openssl, signed, bad)


@pytest.mark.parametrize("case", ["N1 r=0", "N2 s=0", "N3 r=n", "N4 s=n"])
def test_n1_to_n4_raw_form_rejected_by_raw_to_der_or_verify(
    case: str, signed: Signed, gmalglib: ModuleType
) -> None:
    r, s = RANGE_CASES[case](signed.r, signed.s)
    raw = ref.i2b(r) + ref.i2b(s)
    assert not gmalglib.verify(signed.pub.public_bytes_raw(), signed.msg, raw)
    with pytest.raises(MalformedSignature):
        signed.pub.verify(sm2.raw_to_der(raw), signed.msg)


def test_n7_s_equals_n_minus_r(signed: Signed, openssl: ModuleType, gmalglib: ModuleType) -> None:
    bad = ref.der_signature(signed.r, N - signed.r)  # t = (r + s) mod n = 0
    with _wrong_signature():
        signed.pub.verify(bad, signed.msg)
    assert _ossl_rejects(openssl, signed, bad)
    raw = ref.i2b(signed.r) + ref.i2b(N - signed.r)
    assert not gmalglib.verify(signed.pub.public_bytes_raw(), signed.msg, raw)


def test_n8_r_and_s_swapped(signed: Signed, openssl: ModuleType) -> None:
    bad = ref.der_signature(signed.s, signed.r)
    with _wrong_signature():
        signed.pub.verify(bad, signed.msg)
    assert _ossl_rejects(openssl, signed, bad)


# ============================================================ N9–N15: DER encoding


def _int_body(v: int) -> bytes:
    return ref.der_int(v)[2:]


def _int_with_body(body: bytes) -> bytes:
    return b"\x02" + ref.der_len(len(body)) + body


def _n9_leading_zero(sg: Signed) -> bytes:
    return ref.der_seq(_int_with_body(b"\x00" + _int_body(sg.r)), ref.der_int(sg.s))


def _n10_long_form_sequence(sg: Signed) -> bytes:
    body = ref.der_int(sg.r) + ref.der_int(sg.s)
    return b"\x30\x81" + bytes([len(body)]) + body


def _n11_indefinite_length(sg: Signed) -> bytes:
    return b"\x30\x80" + ref.der_int(sg.r) + ref.der_int(sg.s) + b"\x00\x00"


def _n12_negative_integer(sg: Signed) -> bytes:
    assert sg.r >> 255  # top bit set: minimal DER needs the 00 pad, which we drop
    return ref.der_seq(_int_with_body(ref.i2b(sg.r)), ref.der_int(sg.s))


def _n13_trailing_byte(sg: Signed) -> bytes:
    return sg.sig + b"\x00"


def _n14_third_integer(sg: Signed) -> bytes:
    return ref.der_seq(ref.der_int(sg.r), ref.der_int(sg.s), ref.der_int(1))


def _n15_raw(sg: Signed) -> bytes:
    return ref.i2b(sg.r) + ref.i2b(sg.s)


def _long_form_integer(sg: Signed) -> bytes:
    body = _int_body(sg.r)
    return ref.der_seq(b"\x02\x81" + bytes([len(body)]) + body, ref.der_int(sg.s))


def _leading_ff(sg: Signed) -> bytes:
    return ref.der_seq(_int_with_body(b"\xff" + _int_body(sg.r)), ref.der_int(sg.s))


def _empty_integer(sg: Signed) -> bytes:
    return ref.der_seq(b"\x02\x00", ref.der_int(sg.s))


def _one_integer(sg: Signed) -> bytes:
    return ref.der_seq(ref.der_int(sg.r))


def _wrong_outer_tag(sg: Signed) -> bytes:
    return b"\x31" + sg.sig[1:]


def _wrong_inner_tag(sg: Signed) -> bytes:
    return ref.der_seq(b"\x04" + ref.der_int(sg.r)[1:], ref.der_int(sg.s))


def _truncated(sg: Signed) -> bytes:
    return sg.sig[:-1]


def _length_too_long(sg: Signed) -> bytes:
    return sg.sig[:1] + bytes([sg.sig[1] + 1]) + sg.sig[2:]


def _empty(sg: Signed) -> bytes:
    return b""


DER_CASES: dict[str, tuple[Callable[[Signed], bytes], Callable[[int, int], bool]]] = {
    "N9 leading 00": (_n9_leading_zero, lambda r, s: True),
    "N10 long-form SEQUENCE length": (_n10_long_form_sequence, lambda r, s: True),
    "N11 indefinite length": (_n11_indefinite_length, lambda r, s: True),
    "N12 negative INTEGER": (_n12_negative_integer, lambda r, s: r >> 255 == 1),
    "N13 trailing byte": (_n13_trailing_byte, lambda r, s: True),
    "N14 third INTEGER": (_n14_third_integer, lambda r, s: True),
    "N15 raw r||s": (_n15_raw, lambda r, s: True),
    "long-form INTEGER length": (_long_form_integer, lambda r, s: True),
    "leading FF": (_leading_ff, lambda r, s: True),
    "empty INTEGER": (_empty_integer, lambda r, s: True),
    "one INTEGER": (_one_integer, lambda r, s: True),
    "SET instead of SEQUENCE": (_wrong_outer_tag, lambda r, s: True),
    "OCTET STRING instead of INTEGER": (_wrong_inner_tag, lambda r, s: True),
    "truncated": (_truncated, lambda r, s: True),
    "length too long": (_length_too_long, lambda r, s: True),
    "empty": (_empty, lambda r, s: True),
}


@pytest.mark.parametrize("case", DER_CASES, ids=list(DER_CASES))
def test_n9_to_n15_bad_der(case: str, openssl: ModuleType) -> None:
    make, predicate = DER_CASES[case]
    sg = _fresh(predicate)
    bad = make(sg)
    assert bad != sg.sig
    with pytest.raises(MalformedSignature):
        sg.pub.verify(bad, sg.msg)
    with pytest.raises(MalformedSignature):
        sg.pub.verify_digest(bad, sm3(sg.pub.z_a() + sg.msg))
    with pytest.raises(MalformedSignature):
        sm2.decode_der_signature(bad)
    with pytest.raises(MalformedSignature):
        sm2.der_to_raw(bad)
    assert _ossl_rejects(openssl, sg, bad)


# ============================================================ N16–N19: bad public keys


def _small_x_point() -> tuple[int, int]:
    """A curve point with a tiny x, so that x + p still fits in 32 bytes."""
    x = 1
    while (pt := CURVE.lift_x(x)) is None:
        x += 1
    assert CURVE.on_curve(pt)
    return pt


def _bad_keys(signed: Signed) -> dict[str, bytes]:
    x, y = signed.point
    sx, sy = _small_x_point()
    return {
        "N16 off curve (y+1)": _point(x, (y + 1) % P),
        "N17 (0, 0)": _point(0, 0),
        "N19 unreduced x+p": _point(sx + P, sy),
        "y >= p": _point(x, P + 1),
        "x = p": _point(P, y),
    }


BAD_KEY_NAMES = ["N16 off curve (y+1)", "N17 (0, 0)", "N19 unreduced x+p", "y >= p", "x = p"]


@pytest.mark.parametrize("case", BAD_KEY_NAMES)
def test_n16_n17_n19_bad_points(case: str, signed: Signed, openssl: ModuleType) -> None:
    encoded = _bad_keys(signed)[case]
    with pytest.raises(InvalidKey):
        sm2.SM2PublicKey.from_encoded_point(encoded)
    with pytest.raises(InvalidKey):
        sm2.load_der_public_key(_spki(encoded))
    with pytest.raises(openssl.OpenSSLError):
        openssl.load_public_der(_spki(encoded))


def test_n19_small_x_point_is_valid_when_reduced(openssl: ModuleType) -> None:
    sx, sy = _small_x_point()
    pub = sm2.SM2PublicKey.from_encoded_point(_point(sx, sy))  # the reduced form is fine
    assert (pub.x, pub.y) == (sx, sy)
    assert openssl.load_public_der(_spki(_point(sx, sy))).is_sm2()


def test_n18_point_at_infinity() -> None:
    with pytest.raises(InvalidKey):
        sm2.SM2PublicKey.from_encoded_point(b"\x00")
    with pytest.raises(InvalidKey):
        sm2.load_der_public_key(_spki(b"\x00"))
    # (OpenSSL 3.0.19 loads this key and only fails later: not an oracle for N18.)


@pytest.mark.parametrize(
    "encoded",
    [b"", b"\x04", b"\x04" + b"\x01" * 63, b"\x04" + b"\x01" * 65, b"\x05" + b"\x01" * 64],
    ids=["empty", "prefix only", "64 bytes", "66 bytes", "prefix 05"],
)
def test_malformed_point_encodings(encoded: bytes) -> None:
    with pytest.raises(InvalidKey):
        sm2.SM2PublicKey.from_encoded_point(encoded)


# ============================================================ N20–N22: wrong digest


@pytest.mark.parametrize("uid", [b"", b"1234567812345679", b"1234567812345678\x00"])
def test_n20_wrong_id(
    uid: bytes, signed: Signed, openssl: ModuleType, gmalglib: ModuleType
) -> None:
    with _wrong_signature():
        signed.pub.verify(signed.sig, signed.msg, uid=uid)
    pkey = openssl.load_public_der(ref.spki_der(signed.point))
    assert not openssl.verify(pkey, signed.sig, signed.msg, uid)
    raw = sm2.der_to_raw(signed.sig)
    assert not gmalglib.verify(signed.pub.public_bytes_raw(), signed.msg, raw, uid)


def test_n20_openssl_default_id_signature_rejected(signed: Signed, openssl: ModuleType) -> None:
    pkey = openssl.load_private_der(ref.pkcs8_der(signed.key.private_value))
    sig = openssl.sign(pkey, signed.msg, None)  # no ID set: OpenSSL 3.0 uses the empty ID
    r, s = sm2.decode_der_signature(sig)
    assert ref.classify(signed.point, signed.msg, r, s) is ref.DigestKind.EMPTY_ID
    signed.pub.verify(sig, signed.msg, uid=b"")  # valid, but over another Z_A
    with _wrong_signature():
        signed.pub.verify(sig, signed.msg)


def test_n21_every_message_bit_flip(signed: Signed, openssl: ModuleType) -> None:
    msg = signed.msg
    for bit in range(len(msg) * 8):
        flipped = bytearray(msg)
        flipped[bit // 8] ^= 1 << (bit % 8)
        with _wrong_signature():
            signed.pub.verify(signed.sig, bytes(flipped))
    assert _ossl_rejects(openssl, signed, signed.sig, msg[:-1] + bytes([msg[-1] ^ 1]))
    for cut in (msg[:-1], msg + b"\x00", b""):
        with _wrong_signature():
            signed.pub.verify(signed.sig, cut)


def _sign_reference(d: int, e: int) -> bytes:
    rng = random.SystemRandom()
    while True:
        try:
            return ref.der_signature(*ref.sign_digest(d, e, rng.randrange(1, N)))
        except ValueError:
            continue


@pytest.mark.parametrize("form", ["e = SM3(M)", "e = M"])
def test_n22_signature_without_za(form: str, signed: Signed, openssl: ModuleType) -> None:
    msg = bytes(range(32))  # 32 bytes, so that M itself can be taken as e
    e = sm3(msg) if form == "e = SM3(M)" else msg
    sig = _sign_reference(signed.key.private_value, int.from_bytes(e, "big"))
    r, s = sm2.decode_der_signature(sig)
    expected = ref.DigestKind.NO_ZA if form == "e = SM3(M)" else ref.DigestKind.RAW
    assert ref.classify(signed.point, msg, r, s) is expected
    signed.pub.verify_digest(sig, e)  # a genuine signature over that digest...
    with _wrong_signature():  # ...but never accepted as a message signature
        signed.pub.verify(sig, msg)
    pkey = openssl.load_public_der(ref.spki_der(signed.point))
    assert not openssl.verify(pkey, sig, msg)


def test_n23_signature_bit_string_with_unused_bits() -> None:
    """A certificate whose signatureValue BIT STRING declares unused bits is a container error."""
    x509 = pytest.importorskip("trustkit.x509")
    from asn1crypto import core

    root_key, leaf_key = sm2.generate_private_key(), sm2.generate_private_key()
    root = x509.issue_certificate(
        "CN=N23 root,O=trustkit", root_key.public_key(), root_key, ca=True
    )
    subject = "CN=N23 leaf,O=trustkit"
    while True:  # make the one "unused" bit a 0, so a bit-level reader sees the true signature
        leaf = x509.issue_certificate(subject, leaf_key.public_key(), root_key, root)
        if leaf.der[-1] & 1 == 0:
            break
    at = leaf.not_before + (leaf.not_after - leaf.not_before) / 2
    trust = x509.TrustAnchors([root])
    assert x509.validate_chain(leaf, trust=trust, at=at).status.name == "PASSED"

    outer = core.Sequence.load(leaf.der)
    signature = outer[2].contents  # the unused-bits byte, then the DER SM2 signature
    assert signature[0] == 0
    bad_bits = b"\x03" + ref.der_len(len(signature)) + b"\x01" + signature[1:]
    bad = ref.der_seq(outer[0].dump(), outer[1].dump(), bad_bits)
    try:
        bad_leaf = x509.load_der_certificate(bad)
    except TrustkitError:
        return  # rejected at parse time: fine
    report = x509.validate_chain(bad_leaf, trust=trust, at=at)
    assert report.status.name == "FAILED", report.to_text()


# ============================================================ also test: private scalars


@pytest.mark.parametrize(
    "d", [0, N - 1, N, N + 1, 2**256 - 1], ids=["0", "n-1", "n", "n+1", "2^256-1"]
)
def test_private_value_out_of_range(d: int) -> None:
    with pytest.raises(InvalidKey):
        sm2.SM2PrivateKey.from_private_value(d)
    with pytest.raises(InvalidKey):
        sm2.SM2PrivateKey.from_private_value(d.to_bytes(32, "big"))


@pytest.mark.parametrize("d", [-1, 2**256])
def test_private_value_unrepresentable(d: int) -> None:
    with pytest.raises(InvalidKey):
        sm2.SM2PrivateKey.from_private_value(d)


@pytest.mark.parametrize("size", [0, 31, 33])
def test_private_value_wrong_length(size: int) -> None:
    with pytest.raises(InvalidKey):
        sm2.SM2PrivateKey.from_private_value(b"\x01" * size)


@pytest.mark.parametrize("d", [1, 2, N - 2], ids=["1", "2", "n-2"])
def test_private_value_boundaries_accepted(d: int) -> None:
    key = sm2.SM2PrivateKey.from_private_value(d)
    pub = key.public_key()
    assert (pub.x, pub.y) == CURVE.mul(d, CURVE.g)
    sig = key.sign(b"boundary")
    pub.verify(sig, b"boundary")
    assert ref.verify((pub.x, pub.y), b"boundary", *sm2.decode_der_signature(sig))


@pytest.mark.parametrize("d", [0, N - 1, N])
def test_pkcs8_with_out_of_range_scalar(d: int) -> None:
    good = ref.pkcs8_der(5)
    bad = good.replace(ref.i2b(5), ref.i2b(d), 1)
    with pytest.raises(InvalidKey):
        sm2.load_der_private_key(bad)


def test_pkcs8_with_mismatched_public_key() -> None:
    mixed = ref.pkcs8_der(5)[:-64] + ref.pkcs8_der(6)[-64:]
    sm2.load_der_private_key(ref.pkcs8_der(5))  # the untouched file loads
    with pytest.raises(InvalidKey):
        sm2.load_der_private_key(mixed)


# ============================================================ also test: compressed / hybrid points


def test_compressed_points(signed: Signed) -> None:
    x, y = signed.point
    good = bytes([2 + (y & 1)]) + ref.i2b(x)
    other = bytes([3 - (y & 1)]) + ref.i2b(x)
    assert sm2.SM2PublicKey.from_encoded_point(good) == signed.pub
    negated = sm2.SM2PublicKey.from_encoded_point(other)  # wrong parity: the other point, -P
    assert (negated.x, negated.y) == (x, P - y)
    assert negated != signed.pub
    with _wrong_signature():
        negated.verify(signed.sig, signed.msg)


def test_compressed_point_not_on_curve() -> None:
    x = 0
    while CURVE.lift_x(x) is not None:
        x += 1
    for prefix in (b"\x02", b"\x03"):
        with pytest.raises(InvalidKey):
            sm2.SM2PublicKey.from_encoded_point(prefix + ref.i2b(x))
        with pytest.raises(InvalidKey):
            sm2.SM2PublicKey.from_encoded_point(prefix + ref.i2b(P))  # x = p, unreduced


def test_hybrid_points(signed: Signed) -> None:
    x, y = signed.point
    body = ref.i2b(x) + ref.i2b(y)
    assert sm2.SM2PublicKey.from_encoded_point(bytes([6 + (y & 1)]) + body) == signed.pub
    with pytest.raises(InvalidKey):
        sm2.SM2PublicKey.from_encoded_point(bytes([7 - (y & 1)]) + body)


# ============================================================ also test: IDs, empty messages


def test_id_longer_than_8191_bytes(signed: Signed) -> None:
    long_uid = b"u" * 8192
    with pytest.raises(MalformedInput):
        signed.key.sign(signed.msg, uid=long_uid)
    with pytest.raises(MalformedInput):
        signed.pub.verify(signed.sig, signed.msg, uid=long_uid)
    with pytest.raises(MalformedInput):
        signed.pub.z_a(long_uid)


def test_id_of_8191_bytes_is_allowed(signed: Signed, gmalglib: ModuleType) -> None:
    uid = bytes(range(256)) * 31 + bytes(255)  # 8191 bytes; ENTL = 0xFFF8
    assert len(uid) == 8191
    assert signed.pub.z_a(uid) == ref.z_a(signed.point, uid)
    sig = signed.key.sign(signed.msg, uid=uid)
    signed.pub.verify(sig, signed.msg, uid=uid)
    raw = sm2.der_to_raw(sig)
    assert gmalglib.verify(signed.pub.public_bytes_raw(), signed.msg, raw, uid)
    # (OpenSSL 3.0 refuses IDs of 8191 bytes or more: not an oracle here.)


def test_empty_message(signed: Signed, openssl: ModuleType, gmalglib: ModuleType) -> None:
    sig = signed.key.sign(b"")
    signed.pub.verify(sig, b"")
    with _wrong_signature():
        signed.pub.verify(sig, b"\x00")
    pkey = openssl.load_public_der(ref.spki_der(signed.point))
    assert openssl.verify(pkey, sig, b"")
    assert gmalglib.verify(signed.pub.public_bytes_raw(), b"", sm2.der_to_raw(sig))
    ossl_sig = openssl.sign(openssl.load_private_der(ref.pkcs8_der(signed.key.private_value)), b"")
    signed.pub.verify(ossl_sig, b"")


def test_empty_id(signed: Signed, openssl: ModuleType) -> None:
    sig = signed.key.sign(signed.msg, uid=b"")
    signed.pub.verify(sig, signed.msg, uid=b"")
    assert signed.pub.z_a(b"") == ref.z_a(signed.point, b"")
    pkey = openssl.load_public_der(ref.spki_der(signed.point))
    assert openssl.verify(pkey, sig, signed.msg, b"")
    with _wrong_signature():
        signed.pub.verify(sig, signed.msg)


# ============================================================ lengths at the digest/raw level


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_digest_wrong_length(size: int, signed: Signed) -> None:
    with pytest.raises(MalformedInput):
        signed.pub.verify_digest(signed.sig, b"\x01" * size)
    with pytest.raises(MalformedInput):
        signed.key.sign_digest(b"\x01" * size)


@pytest.mark.parametrize("size", [0, 32, 63, 65, 72])
def test_raw_to_der_wrong_length(size: int) -> None:
    with pytest.raises(MalformedSignature):
        sm2.raw_to_der(b"\x01" * size)


def test_der_to_raw_value_too_wide(signed: Signed) -> None:
    with pytest.raises(MalformedSignature):
        sm2.der_to_raw(ref.der_signature(2**256, signed.s))


# ============================================================ §12.4: x1 in [n, p), e >= n


def _projective_edge_case() -> tuple[sm2.SM2PublicKey, bytes, int, int, int]:
    """A key and digest e for which the signature (r, s) verifies with x1 in [n, p).

    Choose R with x_R in [n, p), any e and s; then r = (e + x_R) mod n, t = r + s, and the
    public key P = [t⁻¹](R − [s]G) makes [s]G + [t]P = R. (Digest level only: e would
    otherwise depend on P through Z_A.)
    """
    x_r = N
    while (pt := CURVE.lift_x(x_r)) is None:
        x_r += 1
    assert N <= pt[0] < P
    rng = random.Random(12_4)
    e = rng.getrandbits(256)
    s = rng.randrange(1, N)
    r = (e + x_r) % N
    t = (r + s) % N
    pub_pt = CURVE.mul(pow(t, -1, N), CURVE.add(pt, CURVE.neg(CURVE.mul(s, CURVE.g))))
    assert pub_pt is not None
    assert ref.verify_digest(pub_pt, e, r, s)
    return sm2.SM2PublicKey.from_encoded_point(_point(*pub_pt)), ref.i2b(e), r, s, x_r


def test_x1_between_n_and_p_is_accepted(gmalglib: ModuleType) -> None:
    pub, e, r, s, _ = _projective_edge_case()
    pub.verify_digest(sm2.encode_der_signature(r, s), e)
    _tabled(pub).verify_digest(sm2.encode_der_signature(r, s), e)
    assert gmalglib.verify_digest(pub.public_bytes_raw(), e, ref.i2b(r) + ref.i2b(s))


def test_x1_between_n_and_p_openssl_cli_agrees(tmp_path: Path, require_oracle: Any) -> None:
    """Digest-level check with `openssl pkeyutl -verify` (no -rawin: the input is e itself)."""
    require_oracle("openssl-cli")
    pub, e, r, s, _ = _projective_edge_case()
    (tmp_path / "pub.der").write_bytes(ref.spki_der((pub.x, pub.y)))
    (tmp_path / "e").write_bytes(e)
    verdicts = []
    for candidate in (r, (r + 1) % N):
        (tmp_path / "sig").write_bytes(sm2.encode_der_signature(candidate, s))
        args = ["-pubin", "-keyform", "DER", "-inkey", str(tmp_path / "pub.der")]
        files = ["-in", str(tmp_path / "e"), "-sigfile", str(tmp_path / "sig")]
        run = subprocess.run(
            ["openssl", "pkeyutl", "-verify", *args, *files], capture_output=True, check=False
        )
        verdicts.append(run.returncode == 0)
    assert verdicts == [True, False]


def test_x1_between_n_and_p_wrong_r_is_rejected() -> None:
    pub, e, r, s, x_r = _projective_edge_case()
    for key in (pub, _tabled(pub)):
        for bad_r in ((r + 1) % N, (r - 1) % N):
            with _wrong_signature():
                key.verify_digest(sm2.encode_der_signature(bad_r, s), e)
    # Comparing x1 against (r - e) mod n alone would look for x1 - n, not x1:
    assert (r - int.from_bytes(e, "big")) % N == x_r - N


def test_digest_at_or_above_n(signed: Signed) -> None:
    for e_int in (N, N + 1, 2**256 - 1):
        e = ref.i2b(e_int)
        sig = _sign_reference(signed.key.private_value, e_int)
        signed.pub.verify_digest(sig, e)
        mine = signed.key.sign_digest(e)
        assert ref.verify_digest(signed.point, e_int, *sm2.decode_der_signature(mine))
    # e and e - n are the same digest mod n: a signature over one verifies for the other.
    sig = signed.key.sign_digest(ref.i2b(N + 5))
    signed.pub.verify_digest(sig, ref.i2b(5))


# ============================================================ decryption failures


def _ciphertext(key: sm2.SM2PrivateKey) -> bytes:
    return bytes(key.public_key().encrypt(b"attack at dawn", format=sm2.CiphertextFormat.C1C3C2))


def test_decrypt_tampering_gives_one_generic_error() -> None:
    key, other = sm2.generate_private_key(), sm2.generate_private_key()
    ct = _ciphertext(key)
    assert key.decrypt(ct) == b"attack at dawn"
    tampered_c3 = ct[:65] + bytes([ct[65] ^ 1]) + ct[66:]
    tampered_c2 = ct[:-1] + bytes([ct[-1] ^ 1])
    errors = []
    for decryptor, ciphertext in ((key, tampered_c3), (key, tampered_c2), (other, ct)):
        with pytest.raises(DecryptionFailed) as info:
            decryptor.decrypt(ciphertext)
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1] == errors[2], errors  # no padding-oracle-style distinction


@pytest.mark.parametrize(
    "mutate",
    [
        lambda ct: ct[:64] + bytes([ct[64] ^ 1]) + ct[65:],  # C1 off the curve
        lambda ct: b"\x00" + ct[1:],  # not an uncompressed point
        lambda ct: ct[:96],  # no C2 and short C3
        lambda ct: ct[:50],
        lambda ct: b"",
        lambda ct: _point(0, 0) + ct[65:],
    ],
    ids=["C1 off curve", "C1 prefix 00", "97 bytes", "50 bytes", "empty", "C1 (0,0)"],
)
def test_decrypt_malformed(mutate: Callable[[bytes], bytes]) -> None:
    key = sm2.generate_private_key()
    with pytest.raises(TrustkitError):
        key.decrypt(mutate(_ciphertext(key)))


def test_decrypt_asn1_strict() -> None:
    key = sm2.generate_private_key()
    ct = key.public_key().encrypt(b"hello", format=sm2.CiphertextFormat.ASN1)
    fmt = sm2.CiphertextFormat.ASN1
    assert key.decrypt(ct, format=fmt) == b"hello"
    for bad in (ct + b"\x00", ct[:-1], b"\x31" + ct[1:], ref.der_seq(ct)):
        with pytest.raises((MalformedInput, DecryptionFailed)):
            key.decrypt(bad, format=fmt)


def _asn1_parts(key: sm2.SM2PrivateKey) -> tuple[int, int, bytes, bytes]:
    """(x, y, C3, C2) of a fresh SM2Cipher, read back with the reference DER layout."""
    from asn1crypto import core

    ct = key.public_key().encrypt(b"hello", format=sm2.CiphertextFormat.ASN1)
    seq = core.Sequence.load(ct)
    x, y = (int.from_bytes(seq[i].contents, "big") for i in (0, 1))
    c3, c2 = seq[2].contents, seq[3].contents
    assert ct == ref.der_seq(ref.der_int(x), ref.der_int(y), ref.der_octets(c3), ref.der_octets(c2))
    return x, y, c3, c2


def _asn1_extra_field(x: int, y: int, c3: bytes, c2: bytes) -> bytes:
    parts = (ref.der_int(x), ref.der_int(y), ref.der_octets(c3), ref.der_octets(c2))
    return ref.der_seq(*parts, ref.der_int(1))


def _asn1_long_form_length(x: int, y: int, c3: bytes, c2: bytes) -> bytes:
    body = ref.der_int(x) + ref.der_int(y) + ref.der_octets(c3) + ref.der_octets(c2)
    assert len(body) < 0x80
    return b"\x30\x81" + bytes([len(body)]) + body


def _asn1_padded_integer(x: int, y: int, c3: bytes, c2: bytes) -> bytes:
    body = ref.der_int(x)[2:]
    padded = b"\x02" + ref.der_len(len(body) + 1) + b"\x00" + body
    return ref.der_seq(padded, ref.der_int(y), ref.der_octets(c3), ref.der_octets(c2))


def _asn1_y_plus_p(x: int, y: int, c3: bytes, c2: bytes) -> bytes:
    return ref.der_seq(ref.der_int(x), ref.der_int(y + P), ref.der_octets(c3), ref.der_octets(c2))


@pytest.mark.parametrize(
    "make",
    [_asn1_extra_field, _asn1_long_form_length, _asn1_padded_integer, _asn1_y_plus_p],
    ids=["fifth field", "long-form length", "INTEGER with superfluous 00", "y + p"],
)
def test_decrypt_asn1_not_der(make: Callable[[int, int, bytes, bytes], bytes]) -> None:
    """SM2Cipher must be DER with exactly four fields (OpenSSL 3.0 itself accepts the 2nd/3rd)."""
    key = sm2.generate_private_key()
    bad = make(*_asn1_parts(key))
    with pytest.raises(MalformedInput):
        key.decrypt(bad, format=sm2.CiphertextFormat.ASN1)


def test_decrypt_c1_with_unreduced_coordinate() -> None:
    """C1 = (x + p, y) names the same point as (x, y) but is not a valid encoding.

    The ciphertext is built around a C1 with a tiny x (no k is needed, only d). trustkit must
    refuse the unreduced form.
    """
    key = sm2.generate_private_key()
    sx, sy = _small_x_point()
    shared = CURVE.mul(key.private_value, (sx, sy))
    assert shared is not None
    msg = b"unreduced C1"
    mask = ref.kdf(ref.i2b(shared[0]) + ref.i2b(shared[1]), len(msg))
    c2 = bytes(m ^ t for m, t in zip(msg, mask, strict=True))
    c3 = ref.sm3(ref.i2b(shared[0]) + msg + ref.i2b(shared[1]))
    assert key.decrypt(_point(sx, sy) + c3 + c2) == msg  # the reduced form is fine
    with pytest.raises(TrustkitError):
        key.decrypt(_point(sx + P, sy) + c3 + c2)
    unreduced_asn1 = ref.sm2_cipher_der((sx + P, sy), c3, c2)
    with pytest.raises(TrustkitError):
        key.decrypt(unreduced_asn1, format=sm2.CiphertextFormat.ASN1)
    # (Measured: OpenSSL 3.0.19 and gmalglib 0.5.9 both decrypt it; neither is an oracle here.)


def test_regression_33_byte_integer_without_sign_pad_is_rejected() -> None:
    """A flipped bit in the 00 pad of a 33-byte INTEGER made a non-canonical r verify (C parser)."""
    from trustkit import _sm2

    key = sm2.generate_private_key()
    for attempt in range(200):
        msg = b"pad %d" % attempt
        sig = key.sign(msg)
        if sig[3] == 33:  # r carries the 00 sign pad
            break
    else:  # pragma: no cover - probability ~2^-200
        pytest.fail("no signature with a padded r")
    forged = sig[:4] + b"\x01" + sig[5:]
    with pytest.raises(InvalidSignature):
        key.public_key().verify(forged, msg)
    assert sm2.verify_many([(key.public_key(), forged, msg)]) == [False]
    with pytest.raises(ValueError):
        _sm2.der_to_raw(forged)


def test_regression_native_cores_cannot_be_uninitialised_or_reinitialised() -> None:
    """PublicCore.__new__ (P = (0,0)) accepted chosen signatures; re-__init__ kept the old table."""
    from trustkit import _sm2

    a, b = sm2.generate_private_key(), sm2.generate_private_key()
    bare = _sm2.PublicCore.__new__(_sm2.PublicCore)
    with pytest.raises(ValueError, match="not initialised"):
        bare.verify_digest(bytes(32), bytes(63) + b"\x01")
    assert (
        _sm2.verify_items([(a.public_key(), b"x", b"y")], {id(a.public_key()): (bare, None)})
        == b"\x03"
    )
    core = _sm2.PublicCore(a.public_key().public_bytes_raw()[1:])
    core.precompute()
    with pytest.raises(TypeError, match="already initialised"):
        core.__init__(b.public_key().public_bytes_raw()[1:])
    with pytest.raises(TypeError):
        core.__init__(b"\x01" * 64)
    assert core.point() == a.public_key().public_bytes_raw()[1:]
    e = bytes(range(32))
    assert core.verify_digest(e, a._core.sign_digest(e))  # still key A, table intact
    priv = _sm2.PrivateCore(a.private_bytes_raw())
    with pytest.raises(TypeError, match="already initialised"):
        priv.__init__(bytes(32))
    assert priv.public_point() == a.public_key().public_bytes_raw()[1:]
    bare_priv = _sm2.PrivateCore.__new__(_sm2.PrivateCore)
    with pytest.raises(ValueError, match="not initialised"):
        bare_priv.sign_digest(e)
