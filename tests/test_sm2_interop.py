"""Differential tests: trustkit against OpenSSL 3 libcrypto (EVP, ID set explicitly), gmalglib
and the OpenSSL CLI, on random keys, messages and IDs, in both signature encodings.
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from cryptography.hazmat.primitives import serialization
from oracles import reference as ref

from trustkit import sm2
from trustkit.exceptions import InvalidSignature

PAIRS = 400  # per direction
KEYS = 20
DEFAULT = sm2.DEFAULT_UID


def _cases(seed: int, count: int = PAIRS) -> Iterator[tuple[int, bytes, bytes]]:
    """(key index, message, uid): mostly the default ID, sometimes another one."""
    rng = random.Random(seed)
    for n in range(count):
        msg = rng.randbytes(rng.choice([0, 1, 31, 32, 33, 64, rng.randrange(0, 2000)]))
        uid = DEFAULT if n % 4 else rng.choice([b"", b"ALICE123@YAHOO.COM", rng.randbytes(40)])
        yield n % KEYS, msg, uid


@pytest.fixture(scope="module")
def keys() -> list[sm2.SM2PrivateKey]:
    return [sm2.generate_private_key() for _ in range(KEYS)]


@pytest.fixture(scope="module")
def tabled(keys: list[sm2.SM2PrivateKey]) -> list[sm2.SM2PublicKey]:
    """The same public keys with per-key precomputed tables (the other verification path)."""
    out = []
    for key in keys:
        pub = sm2.SM2PublicKey.from_encoded_point(key.public_key().public_bytes_raw())
        assert pub.precompute() and pub.has_table
        out.append(pub)
    return out


def _ossl_pub(openssl: ModuleType, key: sm2.SM2PrivateKey) -> object:
    pub = key.public_key()
    return openssl.load_public_der(ref.spki_der((pub.x, pub.y)))


def _ossl_priv(openssl: ModuleType, key: sm2.SM2PrivateKey) -> object:
    return openssl.load_private_der(ref.pkcs8_der(key.private_value))


# ============================================================ signatures


def test_trustkit_signs_openssl_and_gmalglib_verify(
    keys: list[sm2.SM2PrivateKey], openssl: ModuleType, gmalglib: ModuleType
) -> None:
    ossl_keys = [_ossl_pub(openssl, k) for k in keys]
    for idx, msg, uid in _cases(1):
        key = keys[idx]
        sig = key.sign(msg, uid=uid)
        raw = sm2.der_to_raw(sig)
        assert openssl.verify(ossl_keys[idx], sig, msg, uid), (idx, msg.hex(), uid)
        assert gmalglib.verify(key.public_key().public_bytes_raw(), msg, raw, uid), (idx, msg.hex())
        assert not openssl.verify(ossl_keys[idx], sig, msg + b"x", uid)


def test_trustkit_sign_digest_is_standard(
    keys: list[sm2.SM2PrivateKey], gmalglib: ModuleType
) -> None:
    for idx, msg, uid in _cases(2, 50):
        key = keys[idx]
        e = ref.sm3(key.public_key().z_a(uid) + msg)
        sig = key.sign_digest(e)
        assert gmalglib.verify(key.public_key().public_bytes_raw(), msg, sm2.der_to_raw(sig), uid)


def test_openssl_signs_trustkit_verifies(
    keys: list[sm2.SM2PrivateKey], tabled: list[sm2.SM2PublicKey], openssl: ModuleType
) -> None:
    ossl_keys = [_ossl_priv(openssl, k) for k in keys]
    for idx, msg, uid in _cases(3):
        sig = openssl.sign(ossl_keys[idx], msg, uid)
        assert sm2.raw_to_der(sm2.der_to_raw(sig)) == sig  # OpenSSL writes strict DER too
        for pub in (keys[idx].public_key(), tabled[idx]):
            pub.verify(sig, msg, uid=uid)
            with pytest.raises(InvalidSignature):
                pub.verify(sig, msg, uid=uid + b"!")


def test_gmalglib_signs_trustkit_verifies(
    keys: list[sm2.SM2PrivateKey],
    tabled: list[sm2.SM2PublicKey],
    openssl: ModuleType,
    gmalglib: ModuleType,
) -> None:
    ossl_keys = [_ossl_pub(openssl, k) for k in keys]
    for idx, msg, uid in _cases(4):
        raw = gmalglib.sign(keys[idx].private_bytes_raw(), msg, uid)
        assert len(raw) == 64
        der = sm2.raw_to_der(raw)
        assert sm2.decode_der_signature(der) == (
            int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        )  # fmt: skip
        keys[idx].public_key().verify(der, msg, uid=uid)
        tabled[idx].verify(der, msg, uid=uid)
        assert openssl.verify(ossl_keys[idx], der, msg, uid)  # our DER is OpenSSL's DER


def test_signers_agree_with_reference_classifier(
    keys: list[sm2.SM2PrivateKey], openssl: ModuleType, gmalglib: ModuleType
) -> None:
    key = keys[0]
    pub = key.public_key()
    point = (pub.x, pub.y)
    assert ref.SM2_CURVE.on_curve(point)
    assert ref.SM2_CURVE.mul(ref.SM2_CURVE.n, point) is None  # [n]P = O (spec §5.2, item 4)
    msg = b"classify me"
    signatures = {
        "trustkit": sm2.decode_der_signature(key.sign(msg)),
        "openssl": sm2.decode_der_signature(openssl.sign(_ossl_priv(openssl, key), msg)),
        "gmalglib": sm2.decode_der_signature(
            sm2.raw_to_der(gmalglib.sign(key.private_bytes_raw(), msg))
        ),
    }
    for name, (r, s) in signatures.items():
        assert ref.classify(point, msg, r, s) is ref.DigestKind.STANDARD, name


def test_large_message(
    keys: list[sm2.SM2PrivateKey], openssl: ModuleType, gmalglib: ModuleType
) -> None:
    key = keys[1]
    msg = random.Random(7).randbytes(5 * 1024 * 1024 + 3)
    sig = key.sign(msg)
    assert openssl.verify(_ossl_pub(openssl, key), sig, msg)
    assert gmalglib.verify(key.public_key().public_bytes_raw(), msg, sm2.der_to_raw(sig))
    key.public_key().verify(openssl.sign(_ossl_priv(openssl, key), msg), msg)
    with pytest.raises(InvalidSignature):
        key.public_key().verify(sig, msg[:-1])


# ============================================================ encryption


def _plaintexts(seed: int, count: int = 60) -> Iterator[tuple[int, bytes]]:
    rng = random.Random(seed)
    for n in range(count):
        yield n % KEYS, rng.randbytes(rng.choice([1, 2, 31, 32, 33, 100, rng.randrange(1, 1500)]))


def test_trustkit_encrypts_openssl_and_gmalglib_decrypt(
    keys: list[sm2.SM2PrivateKey], openssl: ModuleType, gmalglib: ModuleType
) -> None:
    ossl_keys = [_ossl_priv(openssl, k) for k in keys]
    for idx, plain in _plaintexts(5):
        pub = keys[idx].public_key()
        asn1 = pub.encrypt(plain, format=sm2.CiphertextFormat.ASN1)
        assert openssl.decrypt(ossl_keys[idx], asn1) == plain
        raw = pub.encrypt(plain, format=sm2.CiphertextFormat.C1C3C2)
        assert len(raw) == 65 + 32 + len(plain)
        assert gmalglib.decrypt(keys[idx].private_bytes_raw(), raw) == plain
        c1c2c3 = pub.encrypt(plain, format=sm2.CiphertextFormat.C1C2C3)
        reordered = c1c2c3[:65] + c1c2c3[-32:] + c1c2c3[65:-32]
        assert gmalglib.decrypt(keys[idx].private_bytes_raw(), reordered) == plain


def test_openssl_and_gmalglib_encrypt_trustkit_decrypts(
    keys: list[sm2.SM2PrivateKey], openssl: ModuleType, gmalglib: ModuleType
) -> None:
    ossl_keys = [_ossl_pub(openssl, k) for k in keys]
    for idx, plain in _plaintexts(6):
        key = keys[idx]
        asn1 = openssl.encrypt(ossl_keys[idx], plain)
        assert key.decrypt(asn1, format=sm2.CiphertextFormat.ASN1) == plain
        raw = gmalglib.encrypt(key.public_key().public_bytes_raw(), plain)
        assert key.decrypt(raw, format=sm2.CiphertextFormat.C1C3C2) == plain
        assert key.decrypt(raw) == plain
        c1c2c3 = raw[:65] + raw[97:] + raw[65:97]
        assert key.decrypt(c1c2c3, format=sm2.CiphertextFormat.C1C2C3) == plain


def test_short_asn1_coordinates_from_openssl(
    keys: list[sm2.SM2PrivateKey], openssl: ModuleType
) -> None:
    """SM2Cipher INTEGERs may be shorter than 32 bytes; encrypt until one is, then decrypt."""
    key = keys[0]
    pkey = _ossl_pub(openssl, key)
    for _ in range(3000):
        ct = openssl.encrypt(pkey, b"short coordinate")
        assert ct[0] == 0x30 and ct[1] < 0x80 and ct[2] == 0x02  # short outer length, INTEGER x
        if ct[3] < 32:  # x has a zero top byte, dropped by DER
            break
    else:  # pragma: no cover - each try succeeds with probability 1/256
        pytest.skip("no short x coordinate in 3000 tries")
    assert key.decrypt(ct, format=sm2.CiphertextFormat.ASN1) == b"short coordinate"


# ============================================================ key containers


def test_key_containers_cross_load(keys: list[sm2.SM2PrivateKey], openssl: ModuleType) -> None:
    enc, pub_fmt = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    for key in keys[:5]:
        spki = key.public_key().public_bytes(enc, pub_fmt)
        pkcs8 = key.private_bytes(
            enc, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        ossl_pub = openssl.load_public_der(spki)
        ossl_priv = openssl.load_private_der(pkcs8)
        assert ossl_pub.is_sm2() and ossl_priv.is_sm2()
        assert openssl.verify(ossl_pub, openssl.sign(ossl_priv, b"m"), b"m")
        assert sm2.load_der_public_key(ossl_pub.spki_der()) == key.public_key()
        assert sm2.load_der_public_key(ossl_priv.spki_der()) == key.public_key()


# ============================================================ OpenSSL CLI, once


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["openssl", *args], capture_output=True, timeout=30, check=False)


def test_openssl_cli(tmp_path: Path, require_oracle: object) -> None:
    require_oracle("openssl-cli")  # type: ignore[operator]
    key = sm2.generate_private_key()
    pem_pub = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pem_priv = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "pub.pem").write_bytes(pem_pub)
    (tmp_path / "key.pem").write_bytes(pem_priv)
    msg = b"CLI interop \x00\xff" * 10
    (tmp_path / "msg").write_bytes(msg)
    (tmp_path / "sig.der").write_bytes(key.sign(msg))
    distid = "distid:1234567812345678"
    common = ["-rawin", "-digest", "sm3", "-in", str(tmp_path / "msg")]

    verify = ["pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "pub.pem"), *common]
    ok = _run(*verify, "-pkeyopt", distid, "-sigfile", str(tmp_path / "sig.der"))
    assert ok.returncode == 0, ok.stderr.decode()
    assert b"Signature Verified Successfully" in ok.stdout
    empty_id = _run(*verify, "-sigfile", str(tmp_path / "sig.der"))  # OpenSSL 3.0: empty ID
    assert empty_id.returncode != 0

    signed = _run(
        "pkeyutl", "-sign", "-inkey", str(tmp_path / "key.pem"), *common, "-pkeyopt", distid,
        "-out", str(tmp_path / "cli.sig"),
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr.decode()
    key.public_key().verify((tmp_path / "cli.sig").read_bytes(), msg)

    (tmp_path / "ct.der").write_bytes(
        key.public_key().encrypt(msg, format=sm2.CiphertextFormat.ASN1)
    )
    dec = _run(
        "pkeyutl", "-decrypt", "-inkey", str(tmp_path / "key.pem"), "-in", str(tmp_path / "ct.der")
    )
    assert dec.returncode == 0, dec.stderr.decode()
    assert dec.stdout == msg
