"""SM2 key containers: PKCS#8 (plain and PBES2), SEC1, SPKI, X9.62 points (spec §8).

Layouts are checked against the DER prefixes of spec §8.1 and against hand-built DER; interop is
checked against the OpenSSL 3 CLI (/usr/bin/openssl) in both directions. Keys are made by the tests.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from trustkit import sm2
from trustkit.exceptions import (
    InvalidKey,
    InvalidSignature,
    MalformedInput,
    TrustkitError,
    UnsupportedAlgorithm,
)
from trustkit.sm2 import _serialization as ser
from trustkit.sm2._curve import N

OPENSSL = "/usr/bin/openssl"
UID_OPT = "distid:1234567812345678"
PASSWORD = b"correct horse"
MIB = 1 << 20

# DER of the OIDs, as listed in spec §8.2.
OID_EC_PUBLIC_KEY = bytes.fromhex("06072A8648CE3D0201")
OID_SM2 = bytes.fromhex("06082A811CCF5501822D")
OID_P256 = bytes.fromhex("06082A8648CE3D030107")
OID_RSA = bytes.fromhex("06092A864886F70D010101")
NULL = bytes.fromhex("0500")
SPKI_PREFIX = bytes.fromhex("3059 3013 0607 2A8648CE3D0201 0608 2A811CCF5501822D 0342 0004")
PKCS8_PREFIX = bytes.fromhex(
    "308187 020100 3013 0607 2A8648CE3D0201 0608 2A811CCF5501822D 046D 306B 020101 0420"
)


# --- helpers ----------------------------------------------------------------------------------


def tlv(tag: int, content: bytes) -> bytes:
    """Hand-written DER, independent of the module under test."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + content


def seq(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def ec_private_key(
    d: bytes, point: bytes | None = None, curve: bytes | None = None, version: int = 1
) -> bytes:
    parts = [tlv(0x02, bytes([version])), tlv(0x04, d)]
    if curve is not None:
        parts.append(tlv(0xA0, curve))
    if point is not None:
        parts.append(tlv(0xA1, tlv(0x03, b"\x00" + point)))
    return seq(*parts)


SM2_ALG = seq(OID_EC_PUBLIC_KEY, OID_SM2)


def pkcs8(inner: bytes, alg: bytes = SM2_ALG, *extra: bytes, version: int = 0) -> bytes:
    return seq(tlv(0x02, bytes([version])), alg, tlv(0x04, inner), *extra)


def spki(point: bytes, alg: bytes = SM2_ALG) -> bytes:
    return seq(alg, tlv(0x03, b"\x00" + point))


def d32(value: int) -> bytes:
    return value.to_bytes(32, "big")


def relabel(pem: bytes, old: str, new: str) -> bytes:
    return pem.replace(
        f"-----BEGIN {old}-----".encode(), f"-----BEGIN {new}-----".encode()
    ).replace(f"-----END {old}-----".encode(), f"-----END {new}-----".encode())


def text_hex(text: str, field: str) -> int:
    """Read a hex block such as ``pub:`` from ``openssl pkey -text`` output, as an integer."""
    lines = text.splitlines()
    start = lines.index(f"{field}:") + 1
    block = []
    for line in lines[start:]:
        if not line.startswith(" "):
            break
        block.append(line.strip().replace(":", ""))
    return int("".join(block), 16)


@pytest.fixture
def key() -> sm2.SM2PrivateKey:
    return sm2.generate_private_key()


@pytest.fixture
def point(key: sm2.SM2PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


@pytest.fixture
def openssl() -> Callable[..., bytes]:
    """Run /usr/bin/openssl; skip if absent locally, fail if absent under CI=true."""
    if not os.path.exists(OPENSSL):
        message = f"{OPENSSL} (the OpenSSL oracle) is not available"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)

    def run(*args: str, stdin: bytes | None = None) -> bytes:
        done = subprocess.run(
            [OPENSSL, *args], input=stdin, capture_output=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        return done.stdout

    return run


def openssl_fails(*args: str) -> str:
    done = subprocess.run([OPENSSL, *args], capture_output=True, timeout=60, check=False)
    assert done.returncode != 0
    return done.stderr.decode(errors="replace") + done.stdout.decode(errors="replace")


# --- layouts (spec §8.1) ----------------------------------------------------------------------


def test_spki_der_layout_matches_spec(key: sm2.SM2PrivateKey, point: bytes) -> None:
    der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    assert der == SPKI_PREFIX + point[1:]
    assert len(der) == 91


def test_pkcs8_der_layout_matches_spec(key: sm2.SM2PrivateKey, point: bytes) -> None:
    der = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    expected = PKCS8_PREFIX + d32(key.private_value) + bytes.fromhex("A144 0342 00") + point
    assert der == expected
    assert len(der) == 138


def test_sec1_der_layout_matches_spec(key: sm2.SM2PrivateKey, point: bytes) -> None:
    der = key.private_bytes(Encoding.DER, PrivateFormat.TraditionalOpenSSL, NoEncryption())
    assert der == ec_private_key(d32(key.private_value), point, OID_SM2)


def test_pem_framing(key: sm2.SM2PrivateKey) -> None:
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    lines = pem.decode().splitlines()
    assert lines[0] == "-----BEGIN PRIVATE KEY-----"
    assert lines[-1] == "-----END PRIVATE KEY-----"
    assert all(len(line) <= 64 for line in lines[1:-1])
    assert pem.endswith(b"\n")
    crlf = pem.replace(b"\n", b"\r\n")
    assert sm2.load_pem_private_key(crlf).private_value == key.private_value
    sec1 = key.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption())
    assert sec1.startswith(b"-----BEGIN EC PRIVATE KEY-----\n")
    enc = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(PASSWORD))
    assert enc.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    pub = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    assert pub.startswith(b"-----BEGIN PUBLIC KEY-----\n")


def test_raw_and_x962_points(key: sm2.SM2PrivateKey, point: bytes) -> None:
    pub = key.public_key()
    assert key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()) == d32(
        key.private_value
    )
    assert pub.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint) == point
    compressed = pub.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    assert compressed == bytes([2 + (pub.y & 1)]) + pub.x.to_bytes(32, "big")
    assert sm2.SM2PublicKey.from_encoded_point(compressed) == pub


def test_encrypted_pkcs8_differs_each_time(key: sm2.SM2PrivateKey) -> None:
    enc = BestAvailableEncryption(PASSWORD)
    first = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, enc)
    second = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, enc)
    assert first != second  # fresh salt and IV
    assert sm2.load_der_private_key(first, PASSWORD).private_value == key.private_value
    assert sm2.load_der_private_key(second, PASSWORD).private_value == key.private_value


# --- round trips ------------------------------------------------------------------------------

PRIVATE_FORMATS = [
    (Encoding.PEM, PrivateFormat.PKCS8, None),
    (Encoding.DER, PrivateFormat.PKCS8, None),
    (Encoding.PEM, PrivateFormat.PKCS8, PASSWORD),
    (Encoding.DER, PrivateFormat.PKCS8, PASSWORD),
    (Encoding.PEM, PrivateFormat.TraditionalOpenSSL, None),
    (Encoding.DER, PrivateFormat.TraditionalOpenSSL, None),
]


@pytest.mark.parametrize(("encoding", "fmt", "password"), PRIVATE_FORMATS)
def test_private_round_trip(
    key: sm2.SM2PrivateKey, encoding: Encoding, fmt: PrivateFormat, password: bytes | None
) -> None:
    enc = NoEncryption() if password is None else BestAvailableEncryption(password)
    blob = key.private_bytes(encoding, fmt, enc)
    load = sm2.load_pem_private_key if encoding is Encoding.PEM else sm2.load_der_private_key
    loaded = load(blob, password)
    assert loaded.private_value == key.private_value
    assert loaded.public_key() == key.public_key()
    pem = encoding is Encoding.PEM
    assert ser.load_private_key_material(blob, password, pem=pem) == (
        key.private_value,
        key.public_key().public_bytes_raw(),
    )


def test_raw_private_round_trip(key: sm2.SM2PrivateKey) -> None:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    assert sm2.SM2PrivateKey.from_private_value(raw).public_key() == key.public_key()


@pytest.mark.parametrize("encoding", [Encoding.PEM, Encoding.DER])
def test_public_round_trip(key: sm2.SM2PrivateKey, encoding: Encoding) -> None:
    pub = key.public_key()
    blob = pub.public_bytes(encoding, PublicFormat.SubjectPublicKeyInfo)
    load = sm2.load_pem_public_key if encoding is Encoding.PEM else sm2.load_der_public_key
    loaded = load(blob)
    assert loaded == pub
    assert (loaded.x, loaded.y) == (pub.x, pub.y)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=N - 2))
def test_material_round_trip_any_scalar(d: int) -> None:
    point = sm2.SM2PrivateKey.from_private_value(d).public_key().public_bytes_raw()
    for fmt in (PrivateFormat.PKCS8, PrivateFormat.TraditionalOpenSSL):
        der = ser.private_key_to_bytes(d, point, Encoding.DER, fmt, NoEncryption())
        assert ser.load_private_key_material(der, None, pem=False) == (d, point)
    spki_der = ser.public_key_to_bytes(point, Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    assert ser.load_public_key_material(spki_der, pem=False) == point


# --- accepted variants ------------------------------------------------------------------------


def test_sm2_private_key_label(key: sm2.SM2PrivateKey) -> None:
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption())
    loaded = sm2.load_pem_private_key(relabel(pem, "EC PRIVATE KEY", "SM2 PRIVATE KEY"))
    assert loaded.private_value == key.private_value


@pytest.mark.parametrize(
    "alg",
    [SM2_ALG, seq(OID_SM2), seq(OID_SM2, NULL), seq(OID_SM2, OID_SM2)],
    ids=["ecPublicKey+sm2", "sm2-no-params", "sm2-null", "sm2+sm2"],
)
def test_algorithm_identifier_variants(key: sm2.SM2PrivateKey, point: bytes, alg: bytes) -> None:
    assert sm2.load_der_public_key(spki(point, alg)) == key.public_key()
    der = pkcs8(ec_private_key(d32(key.private_value), point), alg)
    assert sm2.load_der_private_key(der).private_value == key.private_value


def test_pkcs8_with_inner_curve_and_without_public_key(key: sm2.SM2PrivateKey) -> None:
    d = d32(key.private_value)
    with_curve = pkcs8(ec_private_key(d, key.public_key().public_bytes_raw(), OID_SM2))
    assert sm2.load_der_private_key(with_curve).private_value == key.private_value
    bare = pkcs8(ec_private_key(d))
    assert ser.load_private_key_material(bare, None, pem=False) == (key.private_value, None)
    assert sm2.load_der_private_key(bare).public_key() == key.public_key()


def test_pkcs8_attributes_and_v2_public_key(key: sm2.SM2PrivateKey, point: bytes) -> None:
    inner = ec_private_key(d32(key.private_value))
    attrs = tlv(0xA0, seq(OID_RSA, tlv(0x31, NULL)))
    assert sm2.load_der_private_key(pkcs8(inner, SM2_ALG, attrs)).private_value == key.private_value
    outer_pub = tlv(0x81, b"\x00" + point)
    v2 = pkcs8(inner, SM2_ALG, outer_pub, version=1)
    assert ser.load_private_key_material(v2, None, pem=False) == (key.private_value, point)
    with pytest.raises(MalformedInput, match="version 0"):
        sm2.load_der_private_key(pkcs8(inner, SM2_ALG, outer_pub, version=0))


def test_compressed_points_in_containers(key: sm2.SM2PrivateKey) -> None:
    pub = key.public_key()
    compressed = pub.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    assert sm2.load_der_public_key(spki(compressed)) == pub
    inner = ec_private_key(d32(key.private_value), compressed)
    assert sm2.load_der_private_key(pkcs8(inner)).public_key() == pub
    flipped = bytes([compressed[0] ^ 1]) + compressed[1:]
    with pytest.raises(InvalidKey):
        sm2.load_der_private_key(pkcs8(ec_private_key(d32(key.private_value), flipped)))


def test_input_size_boundary(key: sm2.SM2PrivateKey) -> None:
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    padded = pem + b"\n" * (MIB - len(pem))
    assert sm2.load_pem_private_key(padded).private_value == key.private_value
    with pytest.raises(MalformedInput, match="1 MiB"):
        sm2.load_pem_private_key(padded + b"\n")


# --- rejected: algorithms, scalars, embedded keys ---------------------------------------------


def test_p256_curve_rejected(point: bytes) -> None:
    p256 = seq(OID_EC_PUBLIC_KEY, OID_P256)
    with pytest.raises(UnsupportedAlgorithm, match="secp256r1"):
        sm2.load_der_public_key(spki(point, p256))
    with pytest.raises(UnsupportedAlgorithm, match="secp256r1"):
        sm2.load_der_private_key(pkcs8(ec_private_key(d32(5), point), p256))
    with pytest.raises(UnsupportedAlgorithm, match="secp256r1"):
        sm2.load_der_private_key(ec_private_key(d32(5), point, OID_P256))
    with pytest.raises(UnsupportedAlgorithm, match="secp256r1"):  # SM2 outside, P-256 inside
        sm2.load_der_private_key(pkcs8(ec_private_key(d32(5), point, OID_P256)))


def test_foreign_algorithm_rejected(point: bytes) -> None:
    rsa = seq(OID_RSA, NULL)
    with pytest.raises(UnsupportedAlgorithm, match=r"1\.2\.840\.113549\.1\.1\.1"):
        sm2.load_der_public_key(spki(point, rsa))
    with pytest.raises(UnsupportedAlgorithm):
        sm2.load_der_private_key(pkcs8(ec_private_key(d32(5)), rsa))


def test_curve_parameters_required(point: bytes) -> None:
    with pytest.raises(MalformedInput, match="without curve parameters"):
        sm2.load_der_public_key(spki(point, seq(OID_EC_PUBLIC_KEY)))
    with pytest.raises(MalformedInput, match="curve"):  # standalone SEC1 must name its curve
        sm2.load_der_private_key(ec_private_key(d32(5), point))
    with pytest.raises(UnsupportedAlgorithm, match="domain parameters"):  # implicitCA
        sm2.load_der_public_key(spki(point, seq(OID_EC_PUBLIC_KEY, NULL)))


@pytest.mark.parametrize(
    "d", [0, N - 1, N, N + 1, (1 << 256) - 1], ids=["0", "n-1", "n", "n+1", "max"]
)
def test_scalar_out_of_range(d: int) -> None:
    der = pkcs8(ec_private_key(d32(d)))
    assert ser.load_private_key_material(der, None, pem=False) == (d, None)
    with pytest.raises(InvalidKey):
        sm2.load_der_private_key(der)
    with pytest.raises(InvalidKey):
        sm2.load_der_private_key(ec_private_key(d32(d), None, OID_SM2))


@pytest.mark.parametrize("d", [1, N - 2])
def test_scalar_range_edges_load(d: int) -> None:
    assert sm2.load_der_private_key(pkcs8(ec_private_key(d32(d)))).private_value == d


@pytest.mark.parametrize("size", [0, 31, 33])
def test_scalar_wrong_length(size: int) -> None:
    with pytest.raises(MalformedInput, match="32 bytes"):
        sm2.load_der_private_key(pkcs8(ec_private_key(b"\x01" * size)))


def test_mismatched_embedded_public_key(key: sm2.SM2PrivateKey) -> None:
    other = sm2.generate_private_key().public_key().public_bytes_raw()
    d = key.private_value
    for blob in (
        pkcs8(ec_private_key(d32(d), other)),
        ec_private_key(d32(d), other, OID_SM2),
        ser.private_key_to_bytes(d, other, Encoding.DER, PrivateFormat.PKCS8, NoEncryption()),
    ):
        with pytest.raises(InvalidKey, match="does not match"):
            sm2.load_der_private_key(blob)


def test_off_curve_embedded_public_key(key: sm2.SM2PrivateKey, point: bytes) -> None:
    bad = point[:-1] + bytes([point[-1] ^ 1])
    with pytest.raises(InvalidKey):
        sm2.load_der_private_key(pkcs8(ec_private_key(d32(key.private_value), bad)))
    with pytest.raises(InvalidKey):
        sm2.load_der_public_key(spki(bad))


def test_two_different_embedded_public_keys(key: sm2.SM2PrivateKey, point: bytes) -> None:
    other = sm2.generate_private_key().public_key().public_bytes_raw()
    inner = ec_private_key(d32(key.private_value), point)
    v2 = pkcs8(inner, SM2_ALG, tlv(0x81, b"\x00" + other), version=1)
    with pytest.raises(InvalidKey, match="differ"):
        sm2.load_der_private_key(v2)


# --- rejected: passwords ----------------------------------------------------------------------


def test_password_errors(key: sm2.SM2PrivateKey) -> None:
    enc = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(PASSWORD))
    with pytest.raises(MalformedInput, match="wrong password"):
        sm2.load_pem_private_key(enc, b"not the password")
    with pytest.raises(MalformedInput, match="password is required"):
        sm2.load_pem_private_key(enc)
    plain = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    with pytest.raises(MalformedInput, match="not encrypted"):
        sm2.load_pem_private_key(plain, PASSWORD)
    plain_der = key.private_bytes(Encoding.DER, PrivateFormat.TraditionalOpenSSL, NoEncryption())
    with pytest.raises(MalformedInput, match="not encrypted"):
        sm2.load_der_private_key(plain_der, PASSWORD)
    with pytest.raises(TypeError):
        sm2.load_pem_private_key(enc, "correct horse")  # type: ignore[arg-type]


def test_encrypted_label_with_plain_body(key: sm2.SM2PrivateKey) -> None:
    plain = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    with pytest.raises(MalformedInput):
        sm2.load_pem_private_key(relabel(plain, "PRIVATE KEY", "ENCRYPTED PRIVATE KEY"), PASSWORD)


# --- rejected: framing and DER strictness -----------------------------------------------------


def test_truncated_der_every_length(key: sm2.SM2PrivateKey) -> None:
    for blob, load in (
        (key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()), "private"),
        (
            key.private_bytes(Encoding.DER, PrivateFormat.TraditionalOpenSSL, NoEncryption()),
            "private",
        ),
        (key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo), "public"),
    ):
        for cut in range(len(blob)):
            with pytest.raises(MalformedInput, match=r"truncated|empty") as info:
                if load == "private":
                    ser.load_private_key_material(blob[:cut], None, pem=False)
                else:
                    ser.load_public_key_material(blob[:cut], pem=False)
            assert type(info.value) is MalformedInput


def test_truncated_encrypted_der(key: sm2.SM2PrivateKey) -> None:
    blob = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, BestAvailableEncryption(PASSWORD))
    for cut in (1, 10, len(blob) // 2, len(blob) - 1):
        with pytest.raises(MalformedInput, match="truncated"):
            sm2.load_der_private_key(blob[:cut], PASSWORD)


def test_trailing_bytes(key: sm2.SM2PrivateKey, point: bytes) -> None:
    der = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    with pytest.raises(MalformedInput, match="1 trailing bytes"):
        sm2.load_der_private_key(der + b"\x00")
    enc = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, BestAvailableEncryption(PASSWORD))
    with pytest.raises(MalformedInput, match="trailing"):
        sm2.load_der_private_key(enc + b"\x30\x00", PASSWORD)
    spki_der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(MalformedInput, match="trailing"):
        sm2.load_der_public_key(spki_der + b"\x00\x00")
    inner = ec_private_key(d32(key.private_value), point) + b"\x00"  # inside the OCTET STRING
    with pytest.raises(MalformedInput, match="trailing"):
        sm2.load_der_private_key(pkcs8(inner))
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    with pytest.raises(MalformedInput, match="single PEM block"):
        sm2.load_pem_private_key(pem + b"garbage")


def test_ber_encodings_rejected(key: sm2.SM2PrivateKey, point: bytes) -> None:
    der = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    long_form = b"\x30\x82\x00\x87" + der[3:]
    with pytest.raises(MalformedInput, match="non-minimal length"):
        sm2.load_der_private_key(long_form)
    indefinite = b"\x30\x80" + der[3:] + b"\x00\x00"
    with pytest.raises(MalformedInput, match="indefinite"):
        sm2.load_der_private_key(indefinite)
    padded_version = seq(tlv(0x02, b"\x00\x00"), SM2_ALG, tlv(0x04, ec_private_key(d32(7))))
    with pytest.raises(MalformedInput, match="INTEGER"):
        sm2.load_der_private_key(padded_version)
    constructed = seq(tlv(0x02, b"\x00"), SM2_ALG, tlv(0x24, tlv(0x04, ec_private_key(d32(7)))))
    with pytest.raises(MalformedInput):
        sm2.load_der_private_key(constructed)
    unused_bits = seq(SM2_ALG, tlv(0x03, b"\x01" + point))
    with pytest.raises(MalformedInput, match="unused bits"):
        sm2.load_der_public_key(unused_bits)


def test_unknown_elements_rejected(key: sm2.SM2PrivateKey, point: bytes) -> None:
    sec1 = ec_private_key(d32(key.private_value), point, OID_SM2)
    universal = sec1.replace(b"\xa1\x44", b"\x21\x44")  # [1] turned into a universal tag
    with pytest.raises(MalformedInput, match="unexpected"):
        sm2.load_der_private_key(universal)
    extra = seq(SM2_ALG, tlv(0x03, b"\x00" + point), NULL)
    with pytest.raises(MalformedInput, match="unexpected"):
        sm2.load_der_public_key(extra)
    misordered = seq(
        tlv(0x02, b"\x01"),
        tlv(0x04, d32(7)),
        tlv(0xA1, tlv(0x03, b"\x00" + point)),
        tlv(0xA0, OID_SM2),
    )
    with pytest.raises(MalformedInput, match="unexpected"):
        sm2.load_der_private_key(pkcs8(misordered))


def test_wrong_versions_rejected(point: bytes) -> None:
    with pytest.raises(MalformedInput, match="version"):
        sm2.load_der_private_key(pkcs8(ec_private_key(d32(7)), version=2))
    with pytest.raises(MalformedInput, match="version"):
        sm2.load_der_private_key(pkcs8(ec_private_key(d32(7), version=2)))
    with pytest.raises(MalformedInput, match="not a PKCS#8"):
        sm2.load_der_private_key(seq(tlv(0x02, b"\x01"), OID_SM2))
    with pytest.raises(MalformedInput):
        sm2.load_der_public_key(seq(SM2_ALG))


def test_bad_pem(key: sm2.SM2PrivateKey) -> None:
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    pub = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    mismatched = pem.replace(b"-----END PRIVATE KEY-----", b"-----END PUBLIC KEY-----")
    with pytest.raises(MalformedInput, match="does not match END"):
        sm2.load_pem_private_key(mismatched)
    with pytest.raises(MalformedInput, match="unexpected PEM label"):
        sm2.load_pem_private_key(pub)
    with pytest.raises(MalformedInput, match="unexpected PEM label"):
        sm2.load_pem_public_key(pem)
    with pytest.raises(MalformedInput, match="base64"):
        sm2.load_pem_private_key(pem.replace(b"M", b"*", 1))
    with pytest.raises(MalformedInput, match="more than one"):
        sm2.load_pem_private_key(pem + pem)
    with pytest.raises(MalformedInput, match="single PEM block"):
        sm2.load_pem_private_key(b"Bag Attributes\n" + pem)
    with pytest.raises(MalformedInput, match="empty"):
        sm2.load_pem_public_key(b"-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n")
    with pytest.raises(MalformedInput):
        sm2.load_pem_private_key(b"")
    with pytest.raises(TypeError):
        sm2.load_pem_public_key(pub.decode())  # type: ignore[arg-type]


def test_legacy_pem_encryption_refused(key: sm2.SM2PrivateKey) -> None:
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption())
    header = b"Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\n"
    legacy = pem.replace(b"KEY-----\n", b"KEY-----\n" + header, 1)
    with pytest.raises(UnsupportedAlgorithm, match="Proc-Type"):
        sm2.load_pem_private_key(legacy, PASSWORD)


@pytest.mark.parametrize(
    "loader",
    [
        lambda data: sm2.load_pem_private_key(data),
        lambda data: sm2.load_der_private_key(data),
        lambda data: sm2.load_pem_public_key(data),
        lambda data: sm2.load_der_public_key(data),
    ],
    ids=["pem-private", "der-private", "pem-public", "der-public"],
)
def test_oversized_input(loader: Callable[[bytes], object]) -> None:
    with pytest.raises(MalformedInput, match="1 MiB"):
        loader(b"\x30" * (MIB + 1))


def test_single_byte_flips_never_crash(key: sm2.SM2PrivateKey) -> None:
    der = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    version_byte = len(bytes.fromhex("308187 0201"))
    for pos in range(len(der)):
        for mask in (0x01, 0x80):
            mutated = der[:pos] + bytes([der[pos] ^ mask]) + der[pos + 1 :]
            if (pos, mask) == (version_byte, 0x01):  # version 0 -> 1 is RFC 5958, same key
                assert sm2.load_der_private_key(mutated).private_value == key.private_value
                continue
            # Every other byte matters: d and the embedded point are cross-checked.
            with pytest.raises(TrustkitError):
                sm2.load_der_private_key(mutated)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_random_mutations_raise_only_trustkit_errors(data: st.DataObject) -> None:
    key = sm2.SM2PrivateKey.from_private_value(0x1234567890ABCDEF)
    blob = bytearray(
        data.draw(
            st.sampled_from(
                [
                    key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()),
                    key.private_bytes(
                        Encoding.DER, PrivateFormat.TraditionalOpenSSL, NoEncryption()
                    ),
                    key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo),
                ]
            )
        )
    )
    for _ in range(data.draw(st.integers(1, 3))):
        pos = data.draw(st.integers(0, len(blob) - 1))
        blob[pos] = data.draw(st.integers(0, 255))
    with contextlib.suppress(TrustkitError):
        sm2.load_der_private_key(bytes(blob))
    with contextlib.suppress(TrustkitError):
        sm2.load_der_public_key(bytes(blob))


def test_error_messages_hold_no_key_bytes(key: sm2.SM2PrivateKey) -> None:
    d = d32(key.private_value)
    with pytest.raises(MalformedInput) as info:
        sm2.load_der_private_key(pkcs8(ec_private_key(d + b"\x01")))
    text = str(info.value).lower()
    assert d.hex() not in text
    assert d[:8].hex() not in text


# --- writer misuse ----------------------------------------------------------------------------


def test_private_writer_misuse(key: sm2.SM2PrivateKey) -> None:
    enc = BestAvailableEncryption(PASSWORD)
    with pytest.raises(MalformedInput, match="together"):
        key.private_bytes(Encoding.Raw, PrivateFormat.PKCS8, NoEncryption())
    with pytest.raises(MalformedInput, match="together"):
        key.private_bytes(Encoding.PEM, PrivateFormat.Raw, NoEncryption())
    with pytest.raises(MalformedInput, match="cannot be encrypted"):
        key.private_bytes(Encoding.Raw, PrivateFormat.Raw, enc)
    with pytest.raises(UnsupportedAlgorithm, match="TraditionalOpenSSL"):
        key.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, enc)
    with pytest.raises(UnsupportedAlgorithm):
        key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption())
    with pytest.raises(UnsupportedAlgorithm):
        key.private_bytes(Encoding.X962, PrivateFormat.PKCS8, NoEncryption())
    custom = PrivateFormat.PKCS12.encryption_builder().build(PASSWORD)
    with pytest.raises(UnsupportedAlgorithm, match="BestAvailableEncryption"):
        key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, custom)


def test_public_writer_misuse(key: sm2.SM2PrivateKey) -> None:
    pub = key.public_key()
    with pytest.raises(MalformedInput, match=r"PEM or Encoding\.DER"):
        pub.public_bytes(Encoding.X962, PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(MalformedInput, match="X962"):
        pub.public_bytes(Encoding.PEM, PublicFormat.UncompressedPoint)
    for fmt in (PublicFormat.OpenSSH, PublicFormat.PKCS1, PublicFormat.Raw):
        with pytest.raises(UnsupportedAlgorithm):
            pub.public_bytes(Encoding.DER, fmt)
    with pytest.raises(MalformedInput, match="65 bytes"):
        ser.public_key_to_bytes(
            b"\x04" + b"\x01" * 63, Encoding.DER, PublicFormat.SubjectPublicKeyInfo
        )


# --- OpenSSL -> trustkit ----------------------------------------------------------------------


def test_openssl_genpkey_plain(openssl: Callable[..., bytes], tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    openssl("genpkey", "-algorithm", "SM2", "-out", str(path))
    key = sm2.load_pem_private_key(path.read_bytes())
    spki_der = openssl("pkey", "-in", str(path), "-pubout", "-outform", "DER")
    assert sm2.load_der_public_key(spki_der) == key.public_key()
    assert (
        key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo) == spki_der
    )
    text = openssl("pkey", "-in", str(path), "-noout", "-text").decode()
    assert text_hex(text, "priv") == key.private_value
    assert text_hex(text, "pub").to_bytes(65, "big") == key.public_key().public_bytes_raw()


def test_openssl_genpkey_aes256(openssl: Callable[..., bytes], tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    pw = PASSWORD.decode()
    openssl("genpkey", "-algorithm", "SM2", "-aes256", "-pass", f"pass:{pw}", "-out", str(path))
    assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    key = sm2.load_pem_private_key(path.read_bytes(), PASSWORD)
    spki_der = openssl(
        "pkey", "-in", str(path), "-passin", f"pass:{pw}", "-pubout", "-outform", "DER"
    )
    assert sm2.load_der_public_key(spki_der) == key.public_key()
    with pytest.raises(MalformedInput, match="wrong password"):
        sm2.load_pem_private_key(path.read_bytes(), b"wrong")


@pytest.mark.parametrize(
    "args",
    [
        ["genpkey", "-algorithm", "SM2", "-sm4-cbc"],
        ["pkcs8", "-topk8", "-v2", "aes-256-cbc"],
        ["pkcs8", "-topk8", "-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA256"],
        ["pkcs8", "-topk8", "-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"],
        ["pkcs8", "-topk8", "-v2", "sm4-cbc"],
        ["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-outform", "DER"],
    ],
    ids=["genpkey-sm4", "aes256", "aes192-sha256", "aes128-sha1", "sm4", "aes256-der"],
)
def test_openssl_encrypted_variants(
    openssl: Callable[..., bytes], tmp_path: Path, args: list[str]
) -> None:
    plain, out = tmp_path / "plain.pem", tmp_path / "enc"
    pw = f"pass:{PASSWORD.decode()}"
    if args[0] == "genpkey":
        openssl(*args, "-pass", pw, "-out", str(out))
        openssl("pkey", "-in", str(out), "-passin", pw, "-out", str(plain))
    else:
        openssl("genpkey", "-algorithm", "SM2", "-out", str(plain))
        openssl(*args, "-in", str(plain), "-passout", pw, "-out", str(out))
    expected = sm2.load_pem_private_key(plain.read_bytes())
    load = sm2.load_der_private_key if "DER" in args else sm2.load_pem_private_key
    assert load(out.read_bytes(), PASSWORD).private_value == expected.private_value


def test_openssl_sec1_files(openssl: Callable[..., bytes], tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    openssl("genpkey", "-algorithm", "SM2", "-out", str(path))
    expected = sm2.load_pem_private_key(path.read_bytes()).private_value
    sec1_pem = openssl("ec", "-in", str(path))
    assert sec1_pem.startswith(b"-----BEGIN SM2 PRIVATE KEY-----")  # OpenSSL 3.0's label
    assert sm2.load_pem_private_key(sec1_pem).private_value == expected
    sec1_der = openssl("ec", "-in", str(path), "-outform", "DER")
    assert sm2.load_der_private_key(sec1_der).private_value == expected


@pytest.mark.parametrize(
    "args",
    [
        ["pkcs8", "-topk8", "-v1", "PBE-SHA1-3DES"],
        ["pkcs8", "-topk8", "-scrypt"],
        ["pkcs8", "-topk8", "-v2", "des3"],
    ],
    ids=["pbes1", "scrypt", "des3"],
)
def test_openssl_unsupported_encryption(
    openssl: Callable[..., bytes], tmp_path: Path, args: list[str]
) -> None:
    plain = tmp_path / "plain.pem"
    openssl("genpkey", "-algorithm", "SM2", "-out", str(plain))
    enc = openssl(*args, "-in", str(plain), "-passout", f"pass:{PASSWORD.decode()}")
    with pytest.raises(UnsupportedAlgorithm):
        sm2.load_pem_private_key(enc, PASSWORD)


def test_openssl_p256_and_ed25519_rejected(openssl: Callable[..., bytes], tmp_path: Path) -> None:
    path = tmp_path / "p256.pem"
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(path))
    with pytest.raises(UnsupportedAlgorithm, match=r"secp256r1 \(1\.2\.840\.10045\.3\.1\.7\)"):
        sm2.load_pem_private_key(path.read_bytes())
    with pytest.raises(UnsupportedAlgorithm, match="secp256r1"):
        sm2.load_pem_private_key(openssl("ec", "-in", str(path)))
    with pytest.raises(UnsupportedAlgorithm, match="secp256r1"):
        sm2.load_pem_public_key(openssl("pkey", "-in", str(path), "-pubout"))
    ed = openssl("genpkey", "-algorithm", "ED25519")
    with pytest.raises(UnsupportedAlgorithm, match=r"1\.3\.101\.112"):
        sm2.load_pem_private_key(ed)


def test_openssl_explicit_parameters_rejected(
    openssl: Callable[..., bytes], tmp_path: Path
) -> None:
    path = tmp_path / "k.pem"
    openssl("genpkey", "-algorithm", "SM2", "-out", str(path))
    explicit = openssl("ec", "-in", str(path), "-param_enc", "explicit")
    with pytest.raises(UnsupportedAlgorithm, match="domain parameters"):
        sm2.load_pem_private_key(explicit)


# --- trustkit -> OpenSSL ----------------------------------------------------------------------


@pytest.mark.parametrize(("encoding", "fmt", "password"), PRIVATE_FORMATS)
def test_trustkit_private_keys_load_in_openssl(
    openssl: Callable[..., bytes],
    tmp_path: Path,
    key: sm2.SM2PrivateKey,
    encoding: Encoding,
    fmt: PrivateFormat,
    password: bytes | None,
) -> None:
    enc = NoEncryption() if password is None else BestAvailableEncryption(password)
    path = tmp_path / "k"
    path.write_bytes(key.private_bytes(encoding, fmt, enc))
    args = ["pkey", "-in", str(path), "-inform", "PEM" if encoding is Encoding.PEM else "DER"]
    if password is not None:
        args += ["-passin", f"pass:{password.decode()}"]
    text = openssl(*args, "-noout", "-text").decode()
    assert "ASN1 OID: SM2" in text
    assert text_hex(text, "priv") == key.private_value
    assert text_hex(text, "pub").to_bytes(65, "big") == key.public_key().public_bytes_raw()
    if password is not None:
        assert "Could not read" in openssl_fails(*args[:-1], "pass:wrong", "-noout")


def test_trustkit_pkcs8_is_byte_identical_to_openssl(
    openssl: Callable[..., bytes], tmp_path: Path, key: sm2.SM2PrivateKey
) -> None:
    path = tmp_path / "k.pem"
    path.write_bytes(
        key.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption())
    )
    theirs = openssl("pkcs8", "-topk8", "-nocrypt", "-in", str(path), "-outform", "DER")
    assert key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()) == theirs
    spki_der = openssl("pkey", "-in", str(path), "-pubout", "-outform", "DER")
    assert (
        key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo) == spki_der
    )


def test_trustkit_encrypted_pkcs8_parameters(
    openssl: Callable[..., bytes], tmp_path: Path, key: sm2.SM2PrivateKey
) -> None:
    path = tmp_path / "k.pem"
    enc = BestAvailableEncryption(PASSWORD)
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, enc))
    dump = openssl("asn1parse", "-in", str(path)).decode()
    for name in ("PBES2", "PBKDF2", "hmacWithSHA256", "aes-256-cbc"):
        assert f":{name}" in dump
    iterations = re.search(r"prim: INTEGER\s+:([0-9A-F]+)", dump)
    assert iterations is not None and int(iterations.group(1), 16) >= 600_000
    salt = re.search(r"d=5 .*OCTET STRING\s+\[HEX DUMP\]:([0-9A-F]+)", dump)
    assert salt is not None and len(salt.group(1)) == 32


@pytest.mark.parametrize("encoding", [Encoding.PEM, Encoding.DER])
def test_trustkit_spki_loads_in_openssl(
    openssl: Callable[..., bytes], tmp_path: Path, key: sm2.SM2PrivateKey, encoding: Encoding
) -> None:
    path = tmp_path / "pub"
    path.write_bytes(key.public_key().public_bytes(encoding, PublicFormat.SubjectPublicKeyInfo))
    inform = "PEM" if encoding is Encoding.PEM else "DER"
    text = openssl(
        "pkey", "-pubin", "-inform", inform, "-in", str(path), "-noout", "-text"
    ).decode()
    assert text_hex(text, "pub").to_bytes(65, "big") == key.public_key().public_bytes_raw()


# --- signatures across the boundary -----------------------------------------------------------


def test_trustkit_signature_verifies_in_openssl(
    openssl: Callable[..., bytes], tmp_path: Path, key: sm2.SM2PrivateKey
) -> None:
    msg, sig, pub = tmp_path / "msg", tmp_path / "sig", tmp_path / "pub.pem"
    msg.write_bytes(b"trustkit key written for OpenSSL")
    sig.write_bytes(key.sign(msg.read_bytes()))
    pub.write_bytes(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    out = openssl(
        "dgst", "-sm3", "-verify", str(pub), "-sigopt", UID_OPT, "-signature", str(sig), str(msg)
    )
    assert out.strip() == b"Verified OK"
    msg.write_bytes(b"trustkit key written for OpenSSL!")
    fails = openssl_fails(
        "dgst", "-sm3", "-verify", str(pub), "-sigopt", UID_OPT, "-signature", str(sig), str(msg)
    )
    assert "Verification failure" in fails


@pytest.mark.parametrize("fmt", [PrivateFormat.PKCS8, PrivateFormat.TraditionalOpenSSL])
def test_openssl_signature_with_trustkit_key_verifies(
    openssl: Callable[..., bytes], tmp_path: Path, key: sm2.SM2PrivateKey, fmt: PrivateFormat
) -> None:
    msg, sig, path = tmp_path / "msg", tmp_path / "sig", tmp_path / "k.pem"
    msg.write_bytes(b"OpenSSL signs with a trustkit-written key")
    path.write_bytes(key.private_bytes(Encoding.PEM, fmt, NoEncryption()))
    openssl("dgst", "-sm3", "-sign", str(path), "-sigopt", UID_OPT, "-out", str(sig), str(msg))
    key.public_key().verify(sig.read_bytes(), msg.read_bytes())


def test_openssl_key_and_signature_verify_in_trustkit(
    openssl: Callable[..., bytes], tmp_path: Path
) -> None:
    path, msg, sig = tmp_path / "k.pem", tmp_path / "msg", tmp_path / "sig"
    openssl("genpkey", "-algorithm", "SM2", "-out", str(path))
    msg.write_bytes(b"signed by OpenSSL")
    openssl("dgst", "-sm3", "-sign", str(path), "-sigopt", UID_OPT, "-out", str(sig), str(msg))
    pub = sm2.load_pem_public_key(openssl("pkey", "-in", str(path), "-pubout"))
    pub.verify(sig.read_bytes(), msg.read_bytes())
    assert sm2.load_pem_private_key(path.read_bytes()).public_key() == pub
    with pytest.raises(InvalidSignature):
        pub.verify(sig.read_bytes(), msg.read_bytes() + b"!")
