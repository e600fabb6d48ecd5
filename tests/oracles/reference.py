"""A small pure-Python SM2/SM3 reference, written from the spec (GB/T 32905, GB/T 32918).

Slow, variable-time and deliberately plain: affine coordinates, Python integers, no caching.
It exists only to compute expected values in tests and to classify which digest a signature
was made over. Never use it for real keys.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

Point = tuple[int, int] | None  # None is the point at infinity


# --------------------------------------------------------------------------- SM3 (GB/T 32905)

_IV = (0x7380166F, 0x4914B2B9, 0x172442D7, 0xDA8A0600,
       0xA96F30BC, 0x163138AA, 0xE38DEE4D, 0xB0FB0E4E)  # fmt: skip
_M32 = 0xFFFFFFFF


def _rotl(x: int, n: int) -> int:
    n %= 32
    return ((x << n) | (x >> (32 - n))) & _M32


def _p0(x: int) -> int:
    return x ^ _rotl(x, 9) ^ _rotl(x, 17)


def _p1(x: int) -> int:
    return x ^ _rotl(x, 15) ^ _rotl(x, 23)


def _expand(block: bytes) -> tuple[list[int], list[int]]:
    w = [int.from_bytes(block[i : i + 4], "big") for i in range(0, 64, 4)]
    for j in range(16, 68):
        w.append(_p1(w[j - 16] ^ w[j - 9] ^ _rotl(w[j - 3], 15)) ^ _rotl(w[j - 13], 7) ^ w[j - 6])
    return w, [w[j] ^ w[j + 4] for j in range(64)]


def _compress(v: tuple[int, ...], block: bytes) -> tuple[int, ...]:
    w, w1 = _expand(block)
    a, b, c, d, e, f, g, h = v
    for j in range(64):
        t = 0x79CC4519 if j < 16 else 0x7A879D8A
        ss1 = _rotl((_rotl(a, 12) + e + _rotl(t, j)) & _M32, 7)
        ss2 = ss1 ^ _rotl(a, 12)
        ff = a ^ b ^ c if j < 16 else (a & b) | (a & c) | (b & c)
        gg = e ^ f ^ g if j < 16 else (e & f) | (~e & g)
        tt1 = (ff + d + ss2 + w1[j]) & _M32
        tt2 = (gg + h + ss1 + w[j]) & _M32
        a, b, c, d = tt1, a, _rotl(b, 9), c
        e, f, g, h = _p0(tt2), e, _rotl(f, 19), g
    return tuple(x ^ y for x, y in zip((a, b, c, d, e, f, g, h), v, strict=True))


def sm3(data: bytes) -> bytes:
    """SM3 digest of ``data``, straight from the definition."""
    bits = len(data) * 8
    padded = data + b"\x80" + b"\x00" * ((55 - len(data)) % 64) + bits.to_bytes(8, "big")
    v: tuple[int, ...] = _IV
    for i in range(0, len(padded), 64):
        v = _compress(v, padded[i : i + 64])
    return b"".join(x.to_bytes(4, "big") for x in v)


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC (RFC 2104) over the reference SM3, block size 64."""
    if len(key) > 64:
        key = sm3(key)
    key = key.ljust(64, b"\x00")
    inner = sm3(bytes(k ^ 0x36 for k in key) + data)
    return sm3(bytes(k ^ 0x5C for k in key) + inner)


def kdf(z: bytes, length: int) -> bytes:
    """GB/T 32918.4 KDF: SM3(Z ‖ ct) for ct = 1, 2, ... (32-bit big-endian), truncated."""
    out = b""
    ct = 1
    while len(out) < length:
        out += sm3(z + ct.to_bytes(4, "big"))
        ct += 1
    return out[:length]


# --------------------------------------------------------------------------- curves


@dataclass(frozen=True)
class Curve:
    """Short Weierstrass curve y² = x³ + ax + b over GF(p) with base point G of order n."""

    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int

    @property
    def g(self) -> Point:
        return (self.gx, self.gy)

    def on_curve(self, pt: Point) -> bool:
        if pt is None:
            return False
        x, y = pt
        return (
            0 <= x < self.p
            and 0 <= y < self.p
            and (y * y - x**3 - self.a * x - self.b) % self.p == 0
        )

    def add(self, p1: Point, p2: Point) -> Point:
        if p1 is None:
            return p2
        if p2 is None:
            return p1
        (x1, y1), (x2, y2) = p1, p2
        if x1 == x2 and (y1 + y2) % self.p == 0:
            return None
        if p1 == p2:
            lam = (3 * x1 * x1 + self.a) * pow(2 * y1, -1, self.p)
        else:
            lam = (y2 - y1) * pow(x2 - x1, -1, self.p)
        x3 = (lam * lam - x1 - x2) % self.p
        return (x3, (lam * (x1 - x3) - y1) % self.p)

    def mul(self, k: int, pt: Point) -> Point:
        result: Point = None
        addend = pt
        while k > 0:
            if k & 1:
                result = self.add(result, addend)
            addend = self.add(addend, addend)
            k >>= 1
        return result

    def neg(self, pt: Point) -> Point:
        return None if pt is None else (pt[0], (-pt[1]) % self.p)

    def sqrt(self, v: int) -> int | None:
        """Square root mod p for p ≡ 3 (mod 4), or None."""
        assert self.p % 4 == 3
        r = pow(v, (self.p + 1) // 4, self.p)
        return r if r * r % self.p == v % self.p else None

    def lift_x(self, x: int) -> Point:
        """A point with this x (either y), or None if x is not an abscissa."""
        y = self.sqrt((x**3 + self.a * x + self.b) % self.p)
        return None if y is None else (x, y)


SM2_CURVE = Curve(
    p=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF,
    a=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC,
    b=0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93,
    gx=0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    gy=0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
    n=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123,
)

# GB/T 32918.2/.4 Annex A "Fp-256" example curve (not the SM2 curve).
EXAMPLE_CURVE = Curve(
    p=0x8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3,
    a=0x787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498,
    b=0x63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A,
    gx=0x421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D,
    gy=0x0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2,
    n=0x8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7,
)

DEFAULT_UID = b"1234567812345678"


def i2b(v: int, size: int = 32) -> bytes:
    return v.to_bytes(size, "big")


# --------------------------------------------------------------------------- signatures


def z_a(pub: Point, uid: bytes = DEFAULT_UID, curve: Curve = SM2_CURVE) -> bytes:
    """Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ Gx ‖ Gy ‖ xA ‖ yA)."""
    assert pub is not None and len(uid) <= 8191
    fields = (curve.a, curve.b, curve.gx, curve.gy, pub[0], pub[1])
    return sm3(i2b(len(uid) * 8, 2) + uid + b"".join(i2b(f) for f in fields))


def digest(pub: Point, msg: bytes, uid: bytes = DEFAULT_UID, curve: Curve = SM2_CURVE) -> int:
    """e = SM3(Z_A ‖ M) as an integer."""
    return int.from_bytes(sm3(z_a(pub, uid, curve) + msg), "big")


def sign_digest(d: int, e: int, k: int, curve: Curve = SM2_CURVE) -> tuple[int, int]:
    """Steps A4–A6 with a caller-chosen k (raises ValueError when k must be redrawn)."""
    x1 = curve.mul(k, curve.g)[0]  # type: ignore[index]
    r = (e + x1) % curve.n
    s = pow(1 + d, -1, curve.n) * (k - r * d) % curve.n
    if r == 0 or r + k == curve.n or s == 0:
        raise ValueError("k must be redrawn")
    return r, s


def verify_digest(pub: Point, e: int, r: int, s: int, curve: Curve = SM2_CURVE) -> bool:
    """Steps B1, B2, B5–B7 over an already computed e."""
    n = curve.n
    if not (1 <= r < n and 1 <= s < n) or not curve.on_curve(pub):
        return False
    t = (r + s) % n
    if t == 0:
        return False
    pt = curve.add(curve.mul(s, curve.g), curve.mul(t, pub))
    return pt is not None and (e + pt[0]) % n == r


def verify(pub: Point, msg: bytes, r: int, s: int, uid: bytes = DEFAULT_UID) -> bool:
    return verify_digest(pub, digest(pub, msg, uid), r, s)


class DigestKind(enum.Enum):
    """Which value a signature was computed over."""

    STANDARD = "SM3(Z_A(ID) ‖ M)"
    EMPTY_ID = "SM3(Z_A(empty ID) ‖ M)"
    NO_ZA = "SM3(M)"
    RAW = "M itself (32-byte M)"
    UNKNOWN = "none of the known digests"


def classify(pub: Point, msg: bytes, r: int, s: int, uid: bytes = DEFAULT_UID) -> DigestKind:
    """Name the digest the signature (r, s) verifies over, trying the common mistakes too."""
    candidates = [
        (DigestKind.STANDARD, digest(pub, msg, uid)),
        (DigestKind.EMPTY_ID, digest(pub, msg, b"")),
        (DigestKind.NO_ZA, int.from_bytes(sm3(msg), "big")),
    ]
    if len(msg) == 32:
        candidates.append((DigestKind.RAW, int.from_bytes(msg, "big")))
    for kind, e in candidates:
        if verify_digest(pub, e, r, s):
            return kind
    return DigestKind.UNKNOWN


# --------------------------------------------------------------------------- encryption


def encrypt(pub: Point, msg: bytes, k: int, curve: Curve = SM2_CURVE) -> tuple[Point, bytes, bytes]:
    """GB/T 32918.4 encryption with a caller-chosen k: returns (C1, C3, C2)."""
    c1 = curve.mul(k, curve.g)
    x2, y2 = curve.mul(k, pub)  # type: ignore[misc]
    t = kdf(i2b(x2) + i2b(y2), len(msg))
    if msg and not any(t):
        raise ValueError("k must be redrawn")
    c2 = bytes(m ^ b for m, b in zip(msg, t, strict=True))
    return c1, sm3(i2b(x2) + msg + i2b(y2)), c2


def decrypt(d: int, c1: Point, c3: bytes, c2: bytes, curve: Curve = SM2_CURVE) -> bytes:
    """GB/T 32918.4 decryption; raises ValueError on any failure."""
    if not curve.on_curve(c1):
        raise ValueError("C1 is not on the curve")
    x2, y2 = curve.mul(d, c1)  # type: ignore[misc]
    t = kdf(i2b(x2) + i2b(y2), len(c2))
    if c2 and not any(t):
        raise ValueError("KDF output is all zeros")
    msg = bytes(c ^ b for c, b in zip(c2, t, strict=True))
    if sm3(i2b(x2) + msg + i2b(y2)) != c3:
        raise ValueError("C3 mismatch")
    return msg


# --------------------------------------------------------------------------- DER helpers


def der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def der_int(v: int) -> bytes:
    """Minimal DER INTEGER of a non-negative int."""
    body = v.to_bytes(v.bit_length() // 8 + 1, "big")
    return b"\x02" + der_len(len(body)) + body


def der_seq(*items: bytes) -> bytes:
    body = b"".join(items)
    return b"\x30" + der_len(len(body)) + body


def der_octets(v: bytes) -> bytes:
    return b"\x04" + der_len(len(v)) + v


def der_signature(r: int, s: int) -> bytes:
    return der_seq(der_int(r), der_int(s))


def sm2_cipher_der(c1: Point, c3: bytes, c2: bytes) -> bytes:
    """GM/T 0009 SM2Cipher SEQUENCE{x INTEGER, y INTEGER, hash OCTET STRING, c OCTET STRING}."""
    assert c1 is not None
    return der_seq(der_int(c1[0]), der_int(c1[1]), der_octets(c3), der_octets(c2))


def spki_der(pub: Point) -> bytes:
    """SubjectPublicKeyInfo {id-ecPublicKey, sm2p256v1} for an uncompressed point (spec §8.1)."""
    assert pub is not None
    return (
        bytes.fromhex("3059301306072A8648CE3D020106082A811CCF5501822D03420004")
        + i2b(pub[0])
        + i2b(pub[1])
    )


def pkcs8_der(d: int, curve: Curve = SM2_CURVE) -> bytes:
    """PKCS#8 in OpenSSL 3's layout: ECPrivateKey{1, d, [1] public key} (spec §8.1)."""
    x, y = curve.mul(d, curve.g)  # type: ignore[misc]
    prefix = "308187020100301306072A8648CE3D020106082A811CCF5501822D046D306B0201010420"
    return bytes.fromhex(prefix) + i2b(d) + bytes.fromhex("A14403420004") + i2b(x) + i2b(y)
