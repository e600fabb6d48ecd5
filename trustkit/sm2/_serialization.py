"""SM2 key containers: PKCS#8 (plain and PBES2-encrypted), SEC1, SubjectPublicKeyInfo, X9.62 points.

Writers emit strict DER in the layouts OpenSSL 3 writes (spec §8.1). Readers accept what OpenSSL and
common SM2 tools write, insist on strict DER and the SM2 curve, and return raw key material; the key
classes in ``_keys`` validate it (scalar range, point on the curve, embedded point = [d]G).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, Final

from asn1crypto import algos, core, keys
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import BlockCipherAlgorithm, Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    KeySerializationEncryption,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from trustkit import oids
from trustkit.exceptions import InvalidKey, MalformedInput, TrustkitError, UnsupportedAlgorithm

if TYPE_CHECKING:
    from trustkit.sm2._keys import SM2PrivateKey, SM2PublicKey

__all__ = [
    "load_der_private_key",
    "load_der_public_key",
    "load_pem_private_key",
    "load_pem_public_key",
    "load_private_key_material",
    "load_public_key_material",
    "private_key_to_bytes",
    "public_key_to_bytes",
]

MAX_INPUT_SIZE: Final = 1 << 20  # 1 MiB: far above any key file, small enough to parse safely
PBKDF2_ITERATIONS: Final = 600_000  # OWASP 2023 figure for PBKDF2-HMAC-SHA256
MAX_PBKDF2_ITERATIONS: Final = 10_000_000  # refuse files that would pin the CPU for minutes
_SCALAR_LEN: Final = 32
_MAX_DER_DEPTH: Final = 16
_SM4_CBC: Final = oids.SM4_CBC

_LABEL_PKCS8: Final = "PRIVATE KEY"
_LABEL_ENCRYPTED: Final = "ENCRYPTED PRIVATE KEY"
_LABEL_SEC1: Final = "EC PRIVATE KEY"
_LABEL_SEC1_OPENSSL_SM2: Final = "SM2 PRIVATE KEY"  # written by OpenSSL 3.0 `openssl ec`
_LABEL_PUBLIC: Final = "PUBLIC KEY"

_PEM_RE: Final = re.compile(
    rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END ([A-Z0-9 ]+)-----", re.DOTALL
)

_PRF_HASHES: Final[dict[str, Callable[[], hashes.HashAlgorithm]]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_CBC_CIPHERS: Final[dict[str, tuple[int, Callable[[bytes], BlockCipherAlgorithm]]]] = {
    "aes128_cbc": (16, algorithms.AES),
    "aes192_cbc": (24, algorithms.AES),
    "aes256_cbc": (32, algorithms.AES),
    _SM4_CBC: (16, algorithms.SM4),
}


# --- ASN.1 declarations (RFC 5280, RFC 5958, SEC 1) -------------------------------------------


class _AlgorithmIdentifier(core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("algorithm", core.ObjectIdentifier),
        ("parameters", core.Any, {"optional": True}),
    ]


class _ECPrivateKey(core.Sequence):  # type: ignore[misc]
    """SEC 1 ECPrivateKey."""

    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("version", core.Integer),
        ("private_key", core.OctetString),
        ("parameters", keys.ECDomainParameters, {"explicit": 0, "optional": True}),
        ("public_key", core.OctetBitString, {"explicit": 1, "optional": True}),
    ]


class _OneAsymmetricKey(core.Sequence):  # type: ignore[misc]
    """PKCS#8 PrivateKeyInfo (version 0) / RFC 5958 OneAsymmetricKey (version 1)."""

    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("version", core.Integer),
        ("algorithm", _AlgorithmIdentifier),
        ("private_key", core.OctetString),
        ("attributes", keys.Attributes, {"implicit": 0, "optional": True}),
        ("public_key", core.OctetBitString, {"implicit": 1, "optional": True}),
    ]


class _SubjectPublicKeyInfo(core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("algorithm", _AlgorithmIdentifier),
        ("public_key", core.OctetBitString),
    ]


# --- strict DER and PEM framing ---------------------------------------------------------------


def _header(buf: bytes, pos: int, end: int, what: str) -> tuple[int, int, int]:
    """Read the DER header at ``pos``; return (tag, content start, content end)."""
    if end - pos < 2:
        raise MalformedInput(f"{what}: truncated DER at offset {pos}")
    tag, first = buf[pos], buf[pos + 1]
    if tag & 0x1F == 0x1F:
        raise MalformedInput(f"{what}: unexpected multi-byte tag at offset {pos}")
    start, length = pos + 2, first
    if first == 0x80:
        raise MalformedInput(f"{what}: indefinite length (BER) at offset {pos} is not DER")
    if first > 0x80:
        count = first & 0x7F
        if count > 3 or end - start < count:
            raise MalformedInput(f"{what}: truncated or oversized length at offset {pos}")
        length = int.from_bytes(buf[start : start + count], "big")
        if length < 0x80 or buf[start] == 0:
            raise MalformedInput(f"{what}: non-minimal length encoding at offset {pos}")
        start += count
    if end - start < length:
        raise MalformedInput(f"{what}: truncated DER (element at offset {pos} runs past the end)")
    return tag, start, start + length


def _check_primitive(tag: int, content: bytes, pos: int, what: str) -> None:
    if tag == 0x02 and (
        not content
        or (len(content) > 1 and content[0] == 0x00 and content[1] < 0x80)
        or (len(content) > 1 and content[0] == 0xFF and content[1] >= 0x80)
    ):
        raise MalformedInput(f"{what}: INTEGER at offset {pos} is not minimally encoded")
    if tag == 0x03 and (not content or content[0] != 0):
        raise MalformedInput(f"{what}: BIT STRING at offset {pos} must have zero unused bits")
    if tag == 0x05 and content:
        raise MalformedInput(f"{what}: NULL at offset {pos} has contents")


def _check_element(buf: bytes, pos: int, end: int, what: str, depth: int) -> tuple[int, int]:
    """Check one element (recursively); return (tag, end offset)."""
    tag, start, stop = _header(buf, pos, end, what)
    if tag & 0x20:
        if tag in (0x23, 0x24):
            raise MalformedInput(f"{what}: constructed string at offset {pos} is not DER")
        if depth >= _MAX_DER_DEPTH:
            raise MalformedInput(f"{what}: DER nested too deeply")
        child = start
        while child < stop:
            child = _check_element(buf, child, stop, what, depth + 1)[1]
    else:
        _check_primitive(tag, buf[start:stop], pos, what)
    return tag, stop


def _check_der(der: bytes, what: str) -> list[int]:
    """Check that ``der`` is exactly one strict-DER SEQUENCE; return its children's tags."""
    if not der:
        raise MalformedInput(f"{what}: empty input")
    tag, start, stop = _header(der, 0, len(der), what)
    if tag != 0x30:
        raise MalformedInput(f"{what}: expected a DER SEQUENCE, found tag 0x{tag:02x}")
    if stop != len(der):
        raise MalformedInput(f"{what}: {len(der) - stop} trailing bytes after the DER structure")
    tags, child = [], start
    while child < stop:
        child_tag, child = _check_element(der, child, stop, what, 1)
        tags.append(child_tag)
    return tags


@contextmanager
def _asn1_errors(what: str) -> Iterator[None]:
    """asn1crypto parses lazily and raises ValueError/TypeError on field access: map those."""
    try:
        yield
    except TrustkitError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as exc:
        raise MalformedInput(f"{what}: {str(exc)[:200]}") from exc


def _load(spec: type[core.Sequence], der: bytes, what: str) -> Any:
    """Parse strict DER with an asn1crypto spec and require an exact round trip."""
    _check_der(der, what)
    with _asn1_errors(what):
        parsed = spec.load(der, strict=True)
        # asn1crypto keeps unknown or misplaced elements aside instead of failing: a full
        # re-encode must reproduce the input exactly.
        if parsed.dump(force=True) != der:
            raise MalformedInput(f"{what}: unexpected, misplaced or default-valued fields")
    return parsed


def _pem_decode(data: bytes, labels: tuple[str, ...]) -> tuple[str, bytes]:
    match = _PEM_RE.fullmatch(data.strip())
    if match is None:
        raise MalformedInput("not a single PEM block (-----BEGIN ...----- to -----END ...-----)")
    begin, body, end = match.group(1).decode(), match.group(2), match.group(3).decode()
    if begin != end:
        raise MalformedInput(f"PEM BEGIN label {begin!r} does not match END label {end!r}")
    if begin not in labels:
        raise MalformedInput(f"unexpected PEM label {begin!r}; expected one of {list(labels)}")
    if b"-----" in body:
        raise MalformedInput("more than one PEM block; pass exactly one key")
    if b":" in body:
        raise UnsupportedAlgorithm(
            "PEM headers (legacy Proc-Type/DEK-Info encryption) are not supported; "
            "convert the key to encrypted PKCS#8"
        )
    try:
        der = base64.b64decode(b"".join(body.split()), validate=True)
    except binascii.Error as exc:
        raise MalformedInput(f"PEM body is not valid base64: {exc}") from exc
    if not der:
        raise MalformedInput("PEM body is empty")
    return begin, der


def _pem_encode(label: str, der: bytes) -> bytes:
    b64 = base64.b64encode(der)
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    head, tail = f"-----BEGIN {label}-----\n", f"-----END {label}-----\n"
    return head.encode() + b"\n".join(lines) + b"\n" + tail.encode()


def _as_bytes(value: object, name: str) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"{name} must be bytes, not {type(value).__name__}")
    data = bytes(value)
    if len(data) > MAX_INPUT_SIZE:
        raise MalformedInput(f"{name} is {len(data)} bytes; key files over 1 MiB are refused")
    return data


# --- algorithm and curve checks ---------------------------------------------------------------


def _named_curve(params: Any, what: str) -> str:
    """Return the dotted OID of a named-curve ECDomainParameters choice."""
    if params.name != "named":
        raise UnsupportedAlgorithm(
            f"{what}: explicit or implicit EC domain parameters are not supported; "
            "the key must name the SM2 curve"
        )
    return str(params.chosen.dotted)


def _require_sm2_curve(oid: str, what: str) -> None:
    if oid != oids.SM2_CURVE:
        name = keys.NamedCurve(oid).native
        label = f"{name} ({oid})" if name != oid else oid
        raise UnsupportedAlgorithm(f"{what}: curve {label} is not SM2 ({oids.SM2_CURVE})")


def _check_algorithm(alg: Any, what: str) -> None:
    """Accept id-ecPublicKey + SM2 curve, or the SM2 OID itself (params absent, NULL or SM2)."""
    algorithm, params = alg["algorithm"].dotted, alg["parameters"]
    if algorithm not in (oids.EC_PUBLIC_KEY, oids.SM2_CURVE):
        raise UnsupportedAlgorithm(f"{what}: key algorithm {algorithm} is not an SM2 or EC key")
    if isinstance(params, core.Void) and algorithm == oids.EC_PUBLIC_KEY:
        raise MalformedInput(f"{what}: id-ecPublicKey without curve parameters")
    if algorithm == oids.SM2_CURVE and (
        isinstance(params, core.Void) or params.dump() == b"\x05\x00"
    ):
        return  # the SM2 OID as algorithm already names the curve
    _require_sm2_curve(_named_curve(params.parse(keys.ECDomainParameters), what), what)


def _bit_string_bytes(value: Any, what: str) -> bytes:
    contents = value.contents
    if not contents or contents[0] != 0:
        raise MalformedInput(f"{what}: public key BIT STRING must have zero unused bits")
    return bytes(contents[1:])


# --- private key parsing ----------------------------------------------------------------------


def _parse_ec_private_key(der: bytes, *, curve_required: bool) -> tuple[int, bytes | None]:
    what = "SEC1 ECPrivateKey"
    key = _load(_ECPrivateKey, der, what)
    with _asn1_errors(what):
        if key["version"].native != 1:
            raise MalformedInput(f"{what}: version must be 1, got {key['version'].native}")
        scalar = key["private_key"].native
        if len(scalar) != _SCALAR_LEN:
            raise MalformedInput(f"{what}: private key must be 32 bytes, got {len(scalar)}")
        params = key["parameters"]
        if isinstance(params, core.Void):
            if curve_required:
                raise MalformedInput(f"{what}: the key does not name its curve ([0] missing)")
        else:
            _require_sm2_curve(_named_curve(params, what), what)
        public = key["public_key"]
        point = None if isinstance(public, core.Void) else _bit_string_bytes(public, what)
    return int.from_bytes(scalar, "big"), point


def _parse_pkcs8(der: bytes) -> tuple[int, bytes | None]:
    what = "PKCS#8 PrivateKeyInfo"
    info = _load(_OneAsymmetricKey, der, what)
    with _asn1_errors(what):
        version = info["version"].native
        if version not in (0, 1):
            raise MalformedInput(f"{what}: unsupported version {version}")
        _check_algorithm(info["algorithm"], what)
        outer = info["public_key"]
        if not isinstance(outer, core.Void) and version == 0:
            raise MalformedInput(f"{what}: version 0 must not carry a [1] public key")
        outer_point = None if isinstance(outer, core.Void) else _bit_string_bytes(outer, what)
        inner = info["private_key"].native
    d, point = _parse_ec_private_key(inner, curve_required=False)
    if point is not None and outer_point is not None and point != outer_point:
        raise InvalidKey(f"{what}: the two embedded public keys differ")
    return d, point if point is not None else outer_point


# --- PBES2 ------------------------------------------------------------------------------------


def _pbes2_cipher(scheme: Any) -> tuple[int, Callable[[bytes], BlockCipherAlgorithm], bytes]:
    name = scheme["algorithm"].native
    if name not in _CBC_CIPHERS:
        raise UnsupportedAlgorithm(f"PBES2 cipher {scheme['algorithm'].dotted} is not supported")
    params = scheme["parameters"]
    iv = params.parse(core.OctetString).native if isinstance(params, core.Any) else params.native
    if not isinstance(iv, bytes) or len(iv) != 16:
        raise MalformedInput("PBES2 cipher IV must be a 16-byte OCTET STRING")
    key_len, factory = _CBC_CIPHERS[name]
    return key_len, factory, iv


def _pbkdf2(kdf: Any, password: bytes, key_len: int) -> bytes:
    if kdf["algorithm"].native != "pbkdf2":
        raise UnsupportedAlgorithm(
            f"PBES2 key derivation {kdf['algorithm'].dotted} is not supported"
        )
    params = kdf["parameters"]
    salt, iterations = params["salt"], params["iteration_count"].native
    if salt.name != "specified":
        raise UnsupportedAlgorithm("PBKDF2 salt from another source is not supported")
    if not 1 <= iterations <= MAX_PBKDF2_ITERATIONS:
        raise MalformedInput(f"PBKDF2 iteration count {iterations} is out of range")
    declared = params["key_length"].native
    if declared is not None and declared != key_len:
        raise MalformedInput(f"PBKDF2 key length {declared} does not match the cipher ({key_len})")
    prf = params["prf"]["algorithm"].native
    if prf not in _PRF_HASHES:
        raise UnsupportedAlgorithm(
            f"PBKDF2 PRF {params['prf']['algorithm'].dotted} is not supported"
        )
    kdf_impl = PBKDF2HMAC(_PRF_HASHES[prf](), key_len, salt.chosen.native, iterations)
    return kdf_impl.derive(password)


def _decrypt_pkcs8(der: bytes, password: bytes) -> bytes:
    what = "encrypted PKCS#8"
    info = _load(keys.EncryptedPrivateKeyInfo, der, what)
    with _asn1_errors(what):
        scheme = info["encryption_algorithm"]
        if scheme["algorithm"].native != "pbes2":
            raise UnsupportedAlgorithm(
                f"{what}: key encryption {scheme['algorithm'].dotted} is not supported (use PBES2)"
            )
        params = scheme["parameters"]
        key_len, factory, iv = _pbes2_cipher(params["encryption_scheme"])
        key = _pbkdf2(params["key_derivation_func"], password, key_len)
        ciphertext = info["encrypted_data"].native
    return _cbc_decrypt(factory(key), iv, ciphertext)


def _cbc_decrypt(cipher: BlockCipherAlgorithm, iv: bytes, ciphertext: bytes) -> bytes:
    wrong = "cannot decrypt the private key: wrong password or corrupted data"
    if not ciphertext or len(ciphertext) % 16:
        raise MalformedInput("encrypted PKCS#8: ciphertext is not a whole number of blocks")
    decryptor = Cipher(cipher, modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        plaintext = unpadder.update(padded) + unpadder.finalize()
        _check_der(plaintext, "decrypted key")
    except ValueError as exc:  # includes MalformedInput from _check_der
        raise MalformedInput(wrong) from exc
    return plaintext


def _encrypt_pkcs8(der: bytes, password: bytes) -> bytes:
    if not password:
        raise MalformedInput("the encryption password must not be empty")
    salt, iv = os.urandom(16), os.urandom(16)
    key = PBKDF2HMAC(hashes.SHA256(), 32, salt, PBKDF2_ITERATIONS).derive(password)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    padded = padder.update(der) + padder.finalize()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    kdf_params = {
        "salt": algos.Pbkdf2Salt(name="specified", value=salt),
        "iteration_count": PBKDF2_ITERATIONS,
        "prf": {"algorithm": "sha256", "parameters": core.Null()},
    }
    scheme = {
        "algorithm": "pbes2",
        "parameters": {
            "key_derivation_func": {"algorithm": "pbkdf2", "parameters": kdf_params},
            "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv},
        },
    }
    info = keys.EncryptedPrivateKeyInfo(
        {"encryption_algorithm": scheme, "encrypted_data": ciphertext}
    )
    return bytes(info.dump())


# --- writers ----------------------------------------------------------------------------------


def _check_point(point: bytes) -> None:
    if len(point) != 65 or point[0] != 0x04:
        raise MalformedInput("public point must be 65 bytes 04 || X || Y")


def _scalar_bytes(d: int) -> bytes:
    if not 0 < d < 1 << 256:
        raise MalformedInput("private scalar does not fit in 32 bytes")
    return d.to_bytes(_SCALAR_LEN, "big")


def _sm2_algorithm() -> _AlgorithmIdentifier:
    return _AlgorithmIdentifier(
        {"algorithm": oids.EC_PUBLIC_KEY, "parameters": core.ObjectIdentifier(oids.SM2_CURVE)}
    )


def _ec_private_key_der(d: int, point: bytes, *, with_curve: bool) -> bytes:
    fields: dict[str, object] = {"version": 1, "private_key": _scalar_bytes(d)}
    if with_curve:
        fields["parameters"] = keys.ECDomainParameters(name="named", value=oids.SM2_CURVE)
    fields["public_key"] = point
    return bytes(_ECPrivateKey(fields).dump())


def _pkcs8_der(d: int, point: bytes) -> bytes:
    inner = _ec_private_key_der(d, point, with_curve=False)
    info = _OneAsymmetricKey({"version": 0, "algorithm": _sm2_algorithm(), "private_key": inner})
    return bytes(info.dump())


def _spki_der(point: bytes) -> bytes:
    spki = _SubjectPublicKeyInfo({"algorithm": _sm2_algorithm(), "public_key": point})
    return bytes(spki.dump())


def _password(encryption_algorithm: KeySerializationEncryption) -> bytes | None:
    if isinstance(encryption_algorithm, NoEncryption):
        return None
    if isinstance(encryption_algorithm, BestAvailableEncryption):
        return bytes(encryption_algorithm.password)
    raise UnsupportedAlgorithm(
        f"{type(encryption_algorithm).__name__} is not supported; "
        "use BestAvailableEncryption or NoEncryption"
    )


def private_key_to_bytes(
    d: int,
    point: bytes,
    encoding: Encoding,
    format: PrivateFormat,
    encryption_algorithm: KeySerializationEncryption,
) -> bytes:
    """Serialise an SM2 private key ``d`` with public point ``point`` (65 bytes 04 || X || Y)."""
    _check_point(point)
    password = _password(encryption_algorithm)
    if encoding is Encoding.Raw or format is PrivateFormat.Raw:
        if encoding is not Encoding.Raw or format is not PrivateFormat.Raw:
            raise MalformedInput("Encoding.Raw and PrivateFormat.Raw must be used together")
        if password is not None:
            raise MalformedInput("a raw private key cannot be encrypted; use NoEncryption")
        return _scalar_bytes(d)
    if encoding not in (Encoding.PEM, Encoding.DER):
        raise UnsupportedAlgorithm(f"{encoding} is not supported for SM2 private keys")
    if format is PrivateFormat.PKCS8:
        der, label = _pkcs8_der(d, point), _LABEL_PKCS8
        if password is not None:
            der, label = _encrypt_pkcs8(der, password), _LABEL_ENCRYPTED
    elif format is PrivateFormat.TraditionalOpenSSL:
        if password is not None:
            raise UnsupportedAlgorithm(
                "encrypted TraditionalOpenSSL keys are not supported (legacy PEM encryption); "
                "use PrivateFormat.PKCS8 with BestAvailableEncryption"
            )
        der, label = _ec_private_key_der(d, point, with_curve=True), _LABEL_SEC1
    else:
        raise UnsupportedAlgorithm(f"{format} is not supported for SM2 private keys")
    return _pem_encode(label, der) if encoding is Encoding.PEM else der


def public_key_to_bytes(point: bytes, encoding: Encoding, format: PublicFormat) -> bytes:
    """Serialise an SM2 public point (65 bytes 04 || X || Y) as SPKI or an X9.62 point."""
    _check_point(point)
    if format is PublicFormat.SubjectPublicKeyInfo:
        if encoding not in (Encoding.PEM, Encoding.DER):
            raise MalformedInput("SubjectPublicKeyInfo needs Encoding.PEM or Encoding.DER")
        der = _spki_der(point)
        return _pem_encode(_LABEL_PUBLIC, der) if encoding is Encoding.PEM else der
    if format in (PublicFormat.UncompressedPoint, PublicFormat.CompressedPoint):
        if encoding is not Encoding.X962:
            raise MalformedInput(f"{format} needs Encoding.X962")
        if format is PublicFormat.UncompressedPoint:
            return point
        return bytes([0x02 | (point[64] & 1)]) + point[1:33]
    raise UnsupportedAlgorithm(f"{format} is not supported for SM2 public keys")


# --- readers ----------------------------------------------------------------------------------


def _private_kind(der: bytes) -> str:
    """Tell encrypted PKCS#8, PKCS#8 and SEC1 apart by the tags of their first two fields."""
    tags = _check_der(der, "private key")
    if tags[:2] == [0x30, 0x04]:
        return _LABEL_ENCRYPTED
    if tags[:3] == [0x02, 0x30, 0x04]:
        return _LABEL_PKCS8
    if tags[:2] == [0x02, 0x04]:
        return _LABEL_SEC1
    raise MalformedInput("not a PKCS#8, encrypted PKCS#8 or SEC1 private key")


def load_private_key_material(
    data: bytes, password: bytes | None, *, pem: bool
) -> tuple[int, bytes | None]:
    """Return (d, embedded public point or None) from a PEM or DER SM2 private key."""
    raw = _as_bytes(data, "data")
    secret = None if password is None else _as_bytes(password, "password")
    if pem:
        labels = (_LABEL_PKCS8, _LABEL_ENCRYPTED, _LABEL_SEC1, _LABEL_SEC1_OPENSSL_SM2)
        kind, der = _pem_decode(raw, labels)
    else:
        der = raw
        kind = _private_kind(der)
    if kind == _LABEL_ENCRYPTED:
        if secret is None:
            raise MalformedInput("the private key is encrypted: a password is required")
        return _parse_pkcs8(_decrypt_pkcs8(der, secret))
    if secret is not None:
        raise MalformedInput("a password was given but the private key is not encrypted")
    if kind == _LABEL_PKCS8:
        return _parse_pkcs8(der)
    return _parse_ec_private_key(der, curve_required=True)


def load_public_key_material(data: bytes, *, pem: bool) -> bytes:
    """Return the encoded point, as found, from a PEM or DER SubjectPublicKeyInfo."""
    raw = _as_bytes(data, "data")
    der = _pem_decode(raw, (_LABEL_PUBLIC,))[1] if pem else raw
    what = "SubjectPublicKeyInfo"
    spki = _load(_SubjectPublicKeyInfo, der, what)
    with _asn1_errors(what):
        _check_algorithm(spki["algorithm"], what)
        return _bit_string_bytes(spki["public_key"], what)


# --- public loaders ---------------------------------------------------------------------------


def _private_key(d: int, point: bytes | None) -> SM2PrivateKey:
    from trustkit.sm2._keys import SM2PrivateKey, SM2PublicKey

    key = SM2PrivateKey.from_private_value(d)
    if point is not None and SM2PublicKey.from_encoded_point(point) != key.public_key():
        raise InvalidKey("the embedded public key does not match the private key")
    return key


def _public_key(point: bytes) -> SM2PublicKey:
    from trustkit.sm2._keys import SM2PublicKey

    return SM2PublicKey.from_encoded_point(point)


def load_pem_private_key(data: bytes, password: bytes | None = None) -> SM2PrivateKey:
    """Load a PEM SM2 private key (PKCS#8, encrypted PKCS#8 or SEC1)."""
    return _private_key(*load_private_key_material(data, password, pem=True))


def load_der_private_key(data: bytes, password: bytes | None = None) -> SM2PrivateKey:
    """Load a DER SM2 private key (PKCS#8, encrypted PKCS#8 or SEC1)."""
    return _private_key(*load_private_key_material(data, password, pem=False))


def load_pem_public_key(data: bytes) -> SM2PublicKey:
    """Load a PEM SubjectPublicKeyInfo ("PUBLIC KEY") holding an SM2 key."""
    return _public_key(load_public_key_material(data, pem=True))


def load_der_public_key(data: bytes) -> SM2PublicKey:
    """Load a DER SubjectPublicKeyInfo holding an SM2 key."""
    return _public_key(load_public_key_material(data, pem=False))
