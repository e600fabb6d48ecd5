"""SM2 key objects: a small typed facade over the native engine (trustkit._sm2).

Keys are validated when built (GB/T 32918.1 §6.2: coordinates below p, point on the curve,
private scalar in [1, n-2]); signing uses the Z_A form of GB/T 32918.2 with a per-call ID that
defaults to ``1234567812345678``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from trustkit import _sm2
from trustkit._types import BytesLike
from trustkit.exceptions import InvalidKey, InvalidSignature, MalformedInput
from trustkit.sm2._curve import DEFAULT_UID, MAX_UID_LENGTH, N
from trustkit.sm2._signature import der_to_raw, raw_to_der

if TYPE_CHECKING:
    from trustkit.sm2._encryption import CiphertextFormat

__all__ = ["SM2PrivateKey", "SM2PublicKey", "generate_private_key"]

_ZA_CACHE_LIMIT = 8


def _check_uid(uid: bytes) -> bytes:
    if uid is DEFAULT_UID:  # the common case, already known to be valid
        return uid
    if not isinstance(uid, bytes | bytearray | memoryview):
        raise TypeError("uid must be bytes")
    if len(uid) > MAX_UID_LENGTH:
        raise MalformedInput(f"SM2 ID is {len(uid)} bytes; at most {MAX_UID_LENGTH} are allowed")
    return bytes(uid)


def _check_digest(e: bytes) -> bytes:
    if len(e) != 32:
        raise MalformedInput(f"SM2 digest e must be 32 bytes, got {len(e)}")
    return bytes(e)


def _raise_for(signature: bytes, message: str) -> NoReturn:
    """Raise the precise error for a signature the engine rejected (slow path, failures only)."""
    der_to_raw(signature)  # raises MalformedSignature for bad DER or r, s outside [1, n-1]
    raise InvalidSignature(message)


class SM2PublicKey:
    """A validated SM2 public key. Verification raises; it never returns a bool."""

    __slots__ = ("__weakref__", "_core", "_za")

    def __init__(self, core: _sm2.PublicCore) -> None:
        self._core = core
        self._za: dict[bytes, bytes] = {}

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_point(cls, x: int, y: int) -> SM2PublicKey:
        """Build from affine coordinates; both must lie in [0, p) and on the curve."""
        if not (0 <= x < 1 << 256 and 0 <= y < 1 << 256):
            raise InvalidKey("public key coordinates must be 256-bit non-negative integers")
        return cls._from_xy(x.to_bytes(32, "big") + y.to_bytes(32, "big"))

    @classmethod
    def from_encoded_point(cls, data: bytes) -> SM2PublicKey:
        """Decode an X9.62 / GB/T 32918.1 point: 04‖X‖Y, 02/03‖X, or hybrid 06/07‖X‖Y."""
        data = bytes(data)
        if len(data) == 65 and data[0] == 0x04:
            return cls._from_xy(data[1:])
        if len(data) == 33 and data[0] in (0x02, 0x03):
            try:
                xy = _sm2.decompress(data[1:], data[0] == 0x03)
            except ValueError as exc:
                raise InvalidKey(f"compressed SM2 point is invalid: {exc}") from None
            return cls._from_xy(xy)
        if len(data) == 65 and data[0] in (0x06, 0x07):
            if (data[-1] & 1) != (data[0] & 1):
                raise InvalidKey("hybrid SM2 point: prefix parity disagrees with Y")
            return cls._from_xy(data[1:])
        if data == b"\x00":
            raise InvalidKey("the point at infinity is not a valid public key")
        raise InvalidKey(f"unrecognised SM2 point encoding ({len(data)} bytes)")

    @classmethod
    def _from_xy(cls, xy: bytes) -> SM2PublicKey:
        try:
            return cls(_sm2.PublicCore(xy))
        except ValueError as exc:
            raise InvalidKey(f"invalid SM2 public key: {exc}") from None

    # -- accessors ------------------------------------------------------------------------------

    @property
    def x(self) -> int:
        return int.from_bytes(self._core.point()[:32], "big")

    @property
    def y(self) -> int:
        return int.from_bytes(self._core.point()[32:], "big")

    def public_bytes_raw(self) -> bytes:
        """Uncompressed point 04 ‖ X ‖ Y (65 bytes)."""
        return b"\x04" + self._core.point()

    def public_bytes(self, encoding: Any, format: Any) -> bytes:
        """Serialise with cryptography's ``Encoding`` and ``PublicFormat`` enums."""
        from trustkit.sm2._serialization import public_key_to_bytes

        return public_key_to_bytes(self.public_bytes_raw(), encoding, format)

    def z_a(self, uid: bytes = DEFAULT_UID) -> bytes:
        """Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ Gx ‖ Gy ‖ x ‖ y), cached per ID."""
        uid = _check_uid(uid)
        za = self._za.get(uid)
        if za is None:
            za = self._core.za(uid)
            if len(self._za) >= _ZA_CACHE_LIMIT:
                self._za.clear()
            self._za[uid] = za
        return za

    # -- operations ----------------------------------------------------------------------------

    def verify(self, signature: bytes, data: BytesLike, *, uid: bytes = DEFAULT_UID) -> None:
        """Verify a DER signature over ``data``; raise InvalidSignature when it does not hold."""
        if self._core.verify_der(self.z_a(uid), data, bytes(signature)) != 1:
            _raise_for(signature, "SM2 signature does not match the data, ID and key")

    def verify_digest(self, signature: bytes, e: bytes) -> None:
        """Verify a DER signature over a precomputed e = SM3(Z_A ‖ M)."""
        if self._core.verify_der(None, _check_digest(e), bytes(signature)) != 1:
            _raise_for(signature, "SM2 signature does not match the digest and key")

    def encrypt(self, plaintext: bytes, *, format: CiphertextFormat | None = None) -> bytes:
        """SM2 public-key encryption (GB/T 32918.4); C1C3C2 unless another format is named."""
        from trustkit.sm2._encryption import CiphertextFormat, encrypt

        return encrypt(self._core, bytes(plaintext), format or CiphertextFormat.C1C3C2)

    def precompute(self) -> bool:
        """Build this key's fixed-base table (148 KiB) so verification runs about 4x faster.

        Returns False when the table already existed.
        """
        return bool(self._core.precompute())

    @property
    def has_table(self) -> bool:
        return bool(self._core.has_table)

    # -- identity ------------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SM2PublicKey):
            return NotImplemented
        return self._core.point() == other._core.point()

    def __hash__(self) -> int:
        return hash(self._core.point())

    def __repr__(self) -> str:
        return f"<SM2PublicKey x={self._core.point()[:8].hex()}…>"


class SM2PrivateKey:
    """An SM2 private key. Signing and decryption run in constant time in the native engine."""

    __slots__ = ("_core", "_public")

    def __init__(self, core: _sm2.PrivateCore) -> None:
        self._core = core
        self._public: SM2PublicKey | None = None

    @classmethod
    def from_private_value(cls, d: int | bytes) -> SM2PrivateKey:
        """Build from the scalar d (int or 32 big-endian bytes); d must lie in [1, n-2]."""
        if isinstance(d, int):
            if not 0 < d < N - 1:
                raise InvalidKey("SM2 private scalar must lie in [1, n-2]")
            raw = d.to_bytes(32, "big")
        else:
            raw = bytes(d)
            if len(raw) != 32:
                raise InvalidKey(f"SM2 private scalar must be 32 bytes, got {len(raw)}")
        try:
            return cls(_sm2.PrivateCore(raw))
        except ValueError:
            raise InvalidKey("SM2 private scalar must lie in [1, n-2]") from None

    @property
    def private_value(self) -> int:
        return int.from_bytes(self._core.private_bytes(), "big")

    def private_bytes_raw(self) -> bytes:
        """d as 32 big-endian bytes."""
        return bytes(self._core.private_bytes())

    def private_bytes(self, encoding: Any, format: Any, encryption_algorithm: Any) -> bytes:
        """Serialise with cryptography's ``Encoding``/``PrivateFormat``/encryption objects."""
        from trustkit.sm2._serialization import private_key_to_bytes

        return private_key_to_bytes(
            self.private_value,
            self.public_key().public_bytes_raw(),
            encoding,
            format,
            encryption_algorithm,
        )

    def public_key(self) -> SM2PublicKey:
        if self._public is None:
            self._public = SM2PublicKey(_sm2.PublicCore(self._core.public_point()))
        return self._public

    def sign(self, data: BytesLike, *, uid: bytes = DEFAULT_UID) -> bytes:
        """Sign ``data`` (e = SM3(Z_A ‖ M)) and return a DER ``SEQUENCE { r, s }``."""
        za = self.public_key().z_a(uid)
        return self._core.sign(za, data, der=True)

    def sign_digest(self, e: bytes) -> bytes:
        """Sign a precomputed 32-byte e = SM3(Z_A ‖ M); DER output."""
        return raw_to_der(self._core.sign_digest(_check_digest(e)))

    def decrypt(self, ciphertext: bytes, *, format: CiphertextFormat | None = None) -> bytes:
        """SM2 decryption (GB/T 32918.4); raises DecryptionFailed without saying why."""
        from trustkit.sm2._encryption import CiphertextFormat, decrypt

        return decrypt(self._core, bytes(ciphertext), format or CiphertextFormat.C1C3C2)

    def __repr__(self) -> str:
        return "<SM2PrivateKey>"


def generate_private_key() -> SM2PrivateKey:
    """A fresh key pair: d drawn by rejection sampling from getrandom(), d in [1, n-2]."""
    while True:
        d = _sm2.random_scalar()  # uniform in [1, n-1]
        try:
            return SM2PrivateKey(_sm2.PrivateCore(d))
        except ValueError:  # d == n-1: outside [1, n-2], draw again
            continue
