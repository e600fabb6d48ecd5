"""Known-answer self-tests of the engine (GB/T 32905 Annex A, GB/T 32918.5 Annexes A and C)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from trustkit import _sm2
from trustkit.sm2._encryption import CiphertextFormat, encrypt_with_nonce
from trustkit.sm2._keys import SM2PrivateKey
from trustkit.sm3 import sm3

__all__ = ["SelfTestResult", "run"]


def _h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


_D = _h("3945208F 7B2144B1 3F36E38A C6D39F95 88939369 2860B51A 42FB81EF 4DF7C5B8")
_XY = _h(
    "09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020"
    "CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13"
)
_K = _h("59276E27 D506861A 16680F3A D9C02DCC EF3CC1FA 3CDBE4CE 6D54B80D EAC1BC21")
_ZA = _h("B2E14C5C 79C6DF5B 85F4FE7E D8DB7A26 2B9DA7E0 7CCB0EA9 F4747B8C CDA8A4F3")
_RS = _h(
    "F5A03B06 48D2C463 0EEAC513 E1BB81A1 5944DA38 27D5B741 43AC7EAC EEE720B3"
    "B1B6AA29 DF212FD8 763182BC 0D421CA1 BB9038FD 1F7F42D4 840B69C4 85BBC1AA"
)
_CIPHER = _h(
    "04 04EBFC71 8E8D1798 62043226 8E77FEB6 415E2EDE 0E073C0F 4F640ECD 2E149A73"
    "E858F9D8 1E5430A5 7B36DAAB 8F950A3C 64E6EE6A 63094D99 283AFF76 7E124DF0"
    "59983C18 F809E262 923C53AE C295D303 83B54E39 D609D160 AFCB1908 D0BD8766"
    "21886CA9 89CA9C7D 58087307 CA93092D 651EFA"
)


@dataclass(frozen=True)
class SelfTestResult:
    name: str
    passed: bool


def _sm3_abc() -> bool:
    want = _h("66C7F0F4 62EEEDD9 D1F2D46B DC10E4E2 4167C487 5CF2F7A2 297DA02B 8F4BA8E0")
    return _sm2.sm3(b"abc") == want and sm3(b"abc") == want


def _sm3_abcd16() -> bool:
    want = _h("DEBE9FF9 2275B8A1 38604889 C18E5A4D 6FDB70E5 387E5765 293DCBA3 9C0C5732")
    return _sm2.sm3(b"abcd" * 16) == want


def _public_key() -> bool:
    return _sm2.PrivateCore(_D).public_point() == _XY


def _z_a() -> bool:
    return _sm2.PublicCore(_XY).za(b"1234567812345678") == _ZA


def _sign() -> bool:
    e = sm3(_ZA + b"message digest")
    return _sm2.PrivateCore(_D).sign_digest(e, _K) == _RS


def _verify() -> bool:
    core = _sm2.PublicCore(_XY)
    good = core.verify(_ZA, b"message digest", _RS)
    bad = core.verify(_ZA, b"message digesu", _RS)
    return good and not bad


def _encrypt() -> bool:
    pub = SM2PrivateKey.from_private_value(_D).public_key()
    out = encrypt_with_nonce(pub._core, b"encryption standard", _K, CiphertextFormat.C1C3C2)
    return out == _CIPHER


def _decrypt() -> bool:
    key = SM2PrivateKey.from_private_value(_D)
    return key.decrypt(_CIPHER) == b"encryption standard"


def _round_trip() -> bool:
    from trustkit.sm2 import generate_private_key

    key = generate_private_key()
    sig = key.sign(b"trustkit self-test")
    key.public_key().verify(sig, b"trustkit self-test")
    return True


_TESTS: tuple[tuple[str, Callable[[], bool]], ...] = (
    ("SM3 'abc' (GB/T 32905 A.1)", _sm3_abc),
    ("SM3 'abcd'x16 (GB/T 32905 A.2)", _sm3_abcd16),
    ("SM2 public key [d]G (GB/T 32918.5 A)", _public_key),
    ("SM2 Z_A default ID (GB/T 32918.5 A)", _z_a),
    ("SM2 signature r, s (GB/T 32918.5 A)", _sign),
    ("SM2 verification (GB/T 32918.5 A)", _verify),
    ("SM2 encryption C1C3C2 (GB/T 32918.5 C)", _encrypt),
    ("SM2 decryption (GB/T 32918.5 C)", _decrypt),
    ("SM2 random-key round trip", _round_trip),
)


def run() -> list[SelfTestResult]:
    """Run every known-answer test; a test that raises counts as failed."""
    results = []
    for name, test in _TESTS:
        try:
            passed = bool(test())
        except Exception:  # a self-test reports, it does not crash
            passed = False
        results.append(SelfTestResult(name, passed))
    return results
