"""Known-answer tests: GB/T 32918.5 (recommended curve) through trustkit, GB/T 32918.2/.4
(example curve) through the pure-Python reference, and the oracles against the same values.

Values are spec §11 (recomputed from the published inputs, matching OpenSSL and gmalglib).
"""

from __future__ import annotations

from types import ModuleType

import pytest
from cryptography.hazmat.primitives import serialization
from oracles import reference as ref

from trustkit import sm2
from trustkit.exceptions import InvalidSignature, TrustkitError
from trustkit.sm3 import sm3


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", "").replace("\n", ""))


def i(text: str) -> int:
    return int.from_bytes(h(text), "big")


# --- §11.3 signature, SM2 recommended curve, default ID --------------------------------------
UID = b"1234567812345678"
MSG = b"message digest"
D = i("3945208F 7B2144B1 3F36E38A C6D39F95 88939369 2860B51A 42FB81EF 4DF7C5B8")
X = i("09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020")
Y = i("CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13")
Z_A = h("B2E14C5C 79C6DF5B 85F4FE7E D8DB7A26 2B9DA7E0 7CCB0EA9 F4747B8C CDA8A4F3")
E = h("F0B43E94 BA45ACCA ACE692ED 534382EB 17E6AB5A 19CE7B31 F4486FDF C0D28640")
K = i("59276E27 D506861A 16680F3A D9C02DCC EF3CC1FA 3CDBE4CE 6D54B80D EAC1BC21")
X1 = i("04EBFC71 8E8D1798 62043226 8E77FEB6 415E2EDE 0E073C0F 4F640ECD 2E149A73")
R = i("F5A03B06 48D2C463 0EEAC513 E1BB81A1 5944DA38 27D5B741 43AC7EAC EEE720B3")
S = i("B1B6AA29 DF212FD8 763182BC 0D421CA1 BB9038FD 1F7F42D4 840B69C4 85BBC1AA")
SIG_DER = h(
    "3046 022100 F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "     022100 B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)
SPKI = h(
    "3059301306072A8648CE3D020106082A811CCF5501822D0342000409F9DF311E5421A150DD7D161E4BC5C6"
    "72179FAD1833FC076BB08FF356F35020CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6"
    "072DA9AD13"
)

# --- §11.4 encryption, same key and k -------------------------------------------------------
PLAIN = b"encryption standard"
C1X = X1
C1Y = i("E858F9D8 1E5430A5 7B36DAAB 8F950A3C 64E6EE6A 63094D99 283AFF76 7E124DF0")
C3 = h("59983C18 F809E262 923C53AE C295D303 83B54E39 D609D160 AFCB1908 D0BD8766")
C2 = h("21886CA9 89CA9C7D 58087307 CA93092D 651EFA")
C1 = b"\x04" + ref.i2b(C1X) + ref.i2b(C1Y)
CT_C1C3C2 = C1 + C3 + C2
CT_C1C2C3 = C1 + C2 + C3
CT_ASN1 = h(
    "307C022004EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73022100E858F9D8"
    "1E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0042059983C18F809E262923C53AEC2"
    "95D30383B54E39D609D160AFCB1908D0BD8766041321886CA989CA9C7D58087307CA93092D651EFA"
)


@pytest.fixture
def kat_key() -> sm2.SM2PrivateKey:
    return sm2.SM2PrivateKey.from_private_value(D)


# ============================================================================ trustkit, §11.3


def test_public_key(kat_key: sm2.SM2PrivateKey) -> None:
    pub = kat_key.public_key()
    assert (pub.x, pub.y) == (X, Y)
    assert pub.public_bytes_raw() == b"\x04" + ref.i2b(X) + ref.i2b(Y)
    assert kat_key.private_value == D
    assert kat_key.private_bytes_raw() == ref.i2b(D)


def test_private_value_from_bytes(kat_key: sm2.SM2PrivateKey) -> None:
    other = sm2.SM2PrivateKey.from_private_value(ref.i2b(D))
    assert other.public_key() == kat_key.public_key()


def test_z_a(kat_key: sm2.SM2PrivateKey) -> None:
    pub = kat_key.public_key()
    assert pub.z_a() == Z_A
    assert pub.z_a(UID) == Z_A
    assert pub.z_a(b"1234567812345679") != Z_A


def test_e_is_sm3_of_za_and_message(kat_key: sm2.SM2PrivateKey) -> None:
    assert sm3(kat_key.public_key().z_a() + MSG) == E


def test_native_sign_with_fixed_k() -> None:
    from trustkit import _sm2

    rs = _sm2.PrivateCore(ref.i2b(D)).sign_digest(E, ref.i2b(K))
    assert rs == ref.i2b(R) + ref.i2b(S)


def test_verify_known_signature(kat_key: sm2.SM2PrivateKey) -> None:
    pub = kat_key.public_key()
    pub.verify(SIG_DER, MSG)
    pub.verify(SIG_DER, MSG, uid=UID)
    pub.verify_digest(SIG_DER, E)


def test_verify_known_signature_from_spki() -> None:
    pub = sm2.load_der_public_key(SPKI)
    assert (pub.x, pub.y) == (X, Y)
    pub.verify(SIG_DER, MSG)


def test_known_signature_rejected_with_other_id_or_message(kat_key: sm2.SM2PrivateKey) -> None:
    pub = kat_key.public_key()
    with pytest.raises(InvalidSignature):
        pub.verify(SIG_DER, MSG, uid=b"")
    with pytest.raises(InvalidSignature):
        pub.verify(SIG_DER, b"message digesT")


def test_signature_encodings() -> None:
    raw = ref.i2b(R) + ref.i2b(S)
    assert len(SIG_DER) == 72
    assert sm2.decode_der_signature(SIG_DER) == (R, S)
    assert sm2.encode_der_signature(R, S) == SIG_DER
    assert sm2.der_to_raw(SIG_DER) == raw
    assert sm2.raw_to_der(raw) == SIG_DER


def test_spki_encoding(kat_key: sm2.SM2PrivateKey) -> None:
    spki = kat_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert spki == SPKI


def test_sign_digest_verifies_and_is_randomised(kat_key: sm2.SM2PrivateKey) -> None:
    pub = kat_key.public_key()
    first, second = kat_key.sign_digest(E), kat_key.sign_digest(E)
    assert first != second  # fresh k every time
    for sig in (first, second):
        pub.verify_digest(sig, E)
        pub.verify(sig, MSG)
        r, s = sm2.decode_der_signature(sig)
        assert ref.verify(ref.SM2_CURVE.mul(D, ref.SM2_CURVE.g), MSG, r, s)


# ============================================================================ trustkit, §11.4


@pytest.mark.parametrize(
    ("fmt", "ciphertext"),
    [
        (sm2.CiphertextFormat.C1C3C2, CT_C1C3C2),
        (sm2.CiphertextFormat.C1C2C3, CT_C1C2C3),
        (sm2.CiphertextFormat.ASN1, CT_ASN1),
    ],
    ids=["C1C3C2", "C1C2C3", "ASN1"],
)
def test_decrypt_known_ciphertext(
    kat_key: sm2.SM2PrivateKey, fmt: sm2.CiphertextFormat, ciphertext: bytes
) -> None:
    assert kat_key.decrypt(ciphertext, format=fmt) == PLAIN


def test_decrypt_default_format_is_c1c3c2(kat_key: sm2.SM2PrivateKey) -> None:
    # Starts 04 04 EB..: a regression test for lstrip("04")-style prefix handling.
    assert CT_C1C3C2[:3] == b"\x04\x04\xeb"
    assert len(CT_C1C3C2) == 116
    assert kat_key.decrypt(CT_C1C3C2) == PLAIN


def test_known_ciphertext_in_wrong_layout_fails(kat_key: sm2.SM2PrivateKey) -> None:
    with pytest.raises(TrustkitError):
        kat_key.decrypt(CT_C1C2C3, format=sm2.CiphertextFormat.C1C3C2)
    with pytest.raises(TrustkitError):
        kat_key.decrypt(CT_C1C3C2, format=sm2.CiphertextFormat.ASN1)


@pytest.mark.parametrize(
    ("fmt", "ciphertext"),
    [
        (sm2.CiphertextFormat.C1C3C2, CT_C1C3C2),
        (sm2.CiphertextFormat.C1C2C3, CT_C1C2C3),
        (sm2.CiphertextFormat.ASN1, CT_ASN1),
    ],
    ids=["C1C3C2", "C1C2C3", "ASN1"],
)
def test_encrypt_with_fixed_k(fmt: sm2.CiphertextFormat, ciphertext: bytes) -> None:
    from trustkit import _sm2
    from trustkit.sm2._encryption import encrypt_with_nonce

    core = _sm2.PublicCore(ref.i2b(X) + ref.i2b(Y))
    assert encrypt_with_nonce(core, PLAIN, ref.i2b(K), fmt) == ciphertext


# ============================================================================ reference, §11


def test_reference_recommended_curve_signature() -> None:
    curve = ref.SM2_CURVE
    pub = curve.mul(D, curve.g)
    assert pub == (X, Y)
    assert ref.z_a(pub) == Z_A
    assert ref.digest(pub, MSG) == int.from_bytes(E, "big")
    assert curve.mul(K, curve.g)[0] == X1  # type: ignore[index]
    assert ref.sign_digest(D, int.from_bytes(E, "big"), K) == (R, S)
    assert ref.verify(pub, MSG, R, S)
    assert ref.der_signature(R, S) == SIG_DER
    assert ref.spki_der(pub) == SPKI


def test_reference_recommended_curve_encryption() -> None:
    pub = ref.SM2_CURVE.mul(D, ref.SM2_CURVE.g)
    c1, c3, c2 = ref.encrypt(pub, PLAIN, K)
    assert c1 == (C1X, C1Y)
    assert (c3, c2) == (C3, C2)
    assert ref.sm2_cipher_der(c1, c3, c2) == CT_ASN1
    assert ref.decrypt(D, c1, c3, c2) == PLAIN


def test_recommended_curve_properties() -> None:
    curve = ref.SM2_CURVE
    assert curve.on_curve(curve.g)
    assert curve.mul(curve.n, curve.g) is None
    assert curve.a == curve.p - 3
    assert curve.p % 4 == 3
    assert curve.n < curve.p
    assert curve.p == 2**256 - 2**224 - 2**96 + 2**64 - 1


def test_trustkit_curve_constants_match_spec() -> None:
    from trustkit.sm2 import _curve

    curve = ref.SM2_CURVE
    expected = (curve.p, curve.a, curve.b, curve.n, curve.gx, curve.gy)
    assert expected == (_curve.P, _curve.A, _curve.B, _curve.N, _curve.GX, _curve.GY)
    assert _curve.DEFAULT_UID == sm2.DEFAULT_UID == UID


EX_UID = b"ALICE123@YAHOO.COM"
EX_D = i("128B2FA8 BD433C6C 068C8D80 3DFF7979 2A519A55 171B1B65 0C23661D 15897263")
EX_XA = i("0AE4C779 8AA0F119 471BEE11 825BE462 02BB79E2 A5844495 E97C04FF 4DF2548A")
EX_YA = i("7C0240F8 8F1CD4E1 6352A73C 17B7F16F 07353E53 A176D684 A9FE0C6B B798E857")
EX_ZA = h("F4A38489 E32B45B6 F876E3AC 2168CA39 2362DC8F 23459C1D 1146FC3D BFB7BC9A")
EX_E = i("B524F552 CD82B8B0 28476E00 5C377FB1 9A87E6FC 682D48BB 5D42E3D9 B9EFFE76")
EX_K = i("6CB28D99 385C175C 94F94E93 4817663F C176D925 DD72B727 260DBAAE 1FB2F96F")
EX_X1 = i("110FCDA5 7615705D 5E7B9324 AC4B856D 23E6D918 8B2AE477 59514657 CE25D112")
EX_R = i("40F1EC59 F793D9F4 9E09DCEF 49130D41 94F79FB1 EED2CAA5 5BACDB49 C4E755D1")
EX_S = i("6FC6DAC3 2C5D5CF1 0C77DFB2 0F7C2EB6 67A45787 2FB09EC5 6327A67E C7DEEBE7")


def test_reference_example_curve_signature() -> None:
    curve = ref.EXAMPLE_CURVE
    assert curve.on_curve(curve.g)
    assert curve.mul(curve.n, curve.g) is None
    pub = curve.mul(EX_D, curve.g)
    assert pub == (EX_XA, EX_YA)
    assert len(EX_UID) * 8 == 0x90
    assert ref.z_a(pub, EX_UID, curve) == EX_ZA
    assert ref.digest(pub, MSG, EX_UID, curve) == EX_E
    assert curve.mul(EX_K, curve.g)[0] == EX_X1  # type: ignore[index]
    assert ref.sign_digest(EX_D, EX_E, EX_K, curve) == (EX_R, EX_S)
    assert ref.verify_digest(pub, EX_E, EX_R, EX_S, curve)
    assert not ref.verify_digest(pub, EX_E, EX_R, EX_S + 1, curve)


def test_reference_example_curve_encryption() -> None:
    curve = ref.EXAMPLE_CURVE
    d_b = i("1649AB77 A00637BD 5E2EFE28 3FBF3535 34AA7F7C B89463F2 08DDBC29 20BB0DA0")
    pub = curve.mul(d_b, curve.g)
    assert pub == (
        i("435B39CC A8F3B508 C1488AFC 67BE491A 0F7BA07E 581A0E48 49A5CF70 628A7E0A"),
        i("75DDBA78 F15FEECB 4C7895E2 C1CDF5FE 01DEBB2C DBADF453 99CCF77B BA076A42"),
    )
    k = i("4C62EEFD 6ECFC2B9 5B92FD6C 3D957514 8AFA1742 5546D490 18E5388D 49DD7B4F")
    c1, c3, c2 = ref.encrypt(pub, PLAIN, k, curve)
    assert c1 == (
        i("245C26FB 68B1DDDD B12C4B6B F9F2B6D5 FE60A383 B0D18D1C 4144ABF1 7F6252E7"),
        i("76CB9264 C2A7E88E 52B19903 FDC47378 F605E368 11F5C074 23A24B84 400F01B8"),
    )
    assert c3 == h("9C3D7360 C30156FA B7C80A02 76712DA9 D8094A63 4B766D3A 285E0748 0653426D")
    assert c2 == h("650053A8 9B41C418 B0C3AAD0 0D886C00 286467")
    assert ref.decrypt(d_b, c1, c3, c2, curve) == PLAIN


# ============================================================================ the oracles, §11


def test_openssl_verifies_kat_only_with_distid(openssl: ModuleType) -> None:
    pub = openssl.load_public_der(SPKI)
    assert pub.is_sm2()
    assert openssl.verify(pub, SIG_DER, MSG, UID)
    assert not openssl.verify(pub, SIG_DER, MSG, None)  # OpenSSL 3.0 default: empty ID
    assert not openssl.verify(pub, SIG_DER, MSG, b"")


def test_openssl_decrypts_kat_ciphertext(openssl: ModuleType) -> None:
    key = openssl.load_private_der(ref.pkcs8_der(D))
    assert openssl.decrypt(key, CT_ASN1) == PLAIN


def test_gmalglib_reproduces_kat(gmalglib: ModuleType) -> None:
    assert gmalglib.public_point(ref.i2b(D)) == b"\x04" + ref.i2b(X) + ref.i2b(Y)
    assert gmalglib.sign(ref.i2b(D), MSG, UID, k=K) == ref.i2b(R) + ref.i2b(S)
    assert gmalglib.encrypt(b"\x04" + ref.i2b(X) + ref.i2b(Y), PLAIN, k=K) == CT_C1C3C2
    assert gmalglib.decrypt(ref.i2b(D), CT_C1C3C2) == PLAIN
