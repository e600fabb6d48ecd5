"""A thin ctypes shim over OpenSSL 3 libcrypto EVP for SM2 (sign/verify with SM3, encrypt/decrypt).

The SM2 ID is set explicitly (spec §10.1): OpenSSL 3.0 otherwise uses an EMPTY ID. ``uid=None``
leaves it unset, only to reproduce that default. OpenSSL refuses IDs of 8191 bytes or more.
Keys come in as DER SPKI / PKCS#8; OpenSSL types them SM2 from the curve OID.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from ctypes import POINTER, byref, c_char_p, c_int, c_long, c_size_t, c_ulong, c_void_p

DEFAULT_UID = b"1234567812345678"
_EVP_PKEY_CTRL_SET1_ID = 15  # <openssl/evp.h>


class OpenSSLError(Exception):
    """A libcrypto call failed; the message carries OpenSSL's error queue."""


def _load() -> ctypes.CDLL | None:
    for name in (ctypes.util.find_library("crypto"), "libcrypto.so.3"):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        if hasattr(lib, "EVP_DigestSignInit_ex"):  # OpenSSL 3.x only
            return lib
    return None


_lib = _load()
AVAILABLE = _lib is not None

_SIGNATURES: dict[str, tuple[list[object], object]] = {
    "ERR_get_error": ([], c_ulong),
    "ERR_clear_error": ([], None),
    "ERR_error_string_n": ([c_ulong, c_char_p, c_size_t], None),
    "d2i_PUBKEY": ([c_void_p, POINTER(c_char_p), c_long], c_void_p),
    "d2i_AutoPrivateKey": ([c_void_p, POINTER(c_char_p), c_long], c_void_p),
    "i2d_PUBKEY": ([c_void_p, POINTER(c_void_p)], c_int),
    "EVP_PKEY_free": ([c_void_p], None),
    "EVP_PKEY_is_a": ([c_void_p, c_char_p], c_int),
    "EVP_MD_CTX_new": ([], c_void_p),
    "EVP_MD_CTX_free": ([c_void_p], None),
    "EVP_DigestSignInit_ex": (
        [c_void_p, POINTER(c_void_p), c_char_p, c_void_p, c_char_p, c_void_p, c_void_p],
        c_int,
    ),
    "EVP_DigestVerifyInit_ex": (
        [c_void_p, POINTER(c_void_p), c_char_p, c_void_p, c_char_p, c_void_p, c_void_p],
        c_int,
    ),
    "EVP_DigestSign": ([c_void_p, c_char_p, POINTER(c_size_t), c_char_p, c_size_t], c_int),
    "EVP_DigestVerify": ([c_void_p, c_char_p, c_size_t, c_char_p, c_size_t], c_int),
    "EVP_PKEY_CTX_ctrl": ([c_void_p, c_int, c_int, c_int, c_int, c_void_p], c_int),
    "EVP_PKEY_CTX_new": ([c_void_p, c_void_p], c_void_p),
    "EVP_PKEY_CTX_free": ([c_void_p], None),
    "EVP_PKEY_encrypt_init": ([c_void_p], c_int),
    "EVP_PKEY_decrypt_init": ([c_void_p], c_int),
    "EVP_PKEY_encrypt": ([c_void_p, c_char_p, POINTER(c_size_t), c_char_p, c_size_t], c_int),
    "EVP_PKEY_decrypt": ([c_void_p, c_char_p, POINTER(c_size_t), c_char_p, c_size_t], c_int),
    "CRYPTO_free": ([c_void_p, c_char_p, c_int], None),
}

if _lib is not None:
    for _name, (_args, _res) in _SIGNATURES.items():
        _fn = getattr(_lib, _name)
        _fn.argtypes = _args
        _fn.restype = _res


def _errors() -> str:
    assert _lib is not None
    parts = []
    buf = ctypes.create_string_buffer(256)
    while code := _lib.ERR_get_error():
        _lib.ERR_error_string_n(code, buf, len(buf))
        parts.append(buf.value.decode(errors="replace"))
    return "; ".join(parts) or "no OpenSSL error queued"


def _check(ok: int, what: str) -> None:
    if ok <= 0:
        raise OpenSSLError(f"{what} failed: {_errors()}")


def _need() -> ctypes.CDLL:
    if _lib is None:
        raise OpenSSLError("libcrypto 3 not found")
    return _lib


class PKey:
    """Owns one EVP_PKEY*."""

    def __init__(self, ptr: int) -> None:
        self._ptr = ptr

    @property
    def ptr(self) -> int:
        return self._ptr

    def __del__(self) -> None:
        if _lib is not None and getattr(self, "_ptr", None):
            _lib.EVP_PKEY_free(self._ptr)
            self._ptr = 0

    def is_sm2(self) -> bool:
        return bool(_need().EVP_PKEY_is_a(self._ptr, b"SM2") == 1)

    def spki_der(self) -> bytes:
        lib = _need()
        out = c_void_p()
        n = lib.i2d_PUBKEY(self._ptr, byref(out))
        _check(n, "i2d_PUBKEY")
        try:
            return ctypes.string_at(out, n)
        finally:
            lib.CRYPTO_free(out, b"openssl_evp.py", 0)


def _d2i(fn_name: str, der: bytes) -> PKey:
    lib = _need()
    lib.ERR_clear_error()
    buf = ctypes.create_string_buffer(der, len(der))
    cursor = ctypes.cast(buf, c_char_p)
    ptr = getattr(lib, fn_name)(None, byref(cursor), len(der))
    if not ptr:
        raise OpenSSLError(f"{fn_name} failed: {_errors()}")
    return PKey(ptr)


def load_public_der(spki: bytes) -> PKey:
    """Load a DER SubjectPublicKeyInfo."""
    return _d2i("d2i_PUBKEY", spki)


def load_private_der(pkcs8: bytes) -> PKey:
    """Load a DER PKCS#8 (or SEC1) private key."""
    return _d2i("d2i_AutoPrivateKey", pkcs8)


def _digest_ctx(pkey: PKey, uid: bytes | None, *, signing: bool) -> int:
    """A fresh EVP_MD_CTX for SM3 with the SM2 ID set on its pkey ctx (None: leave it unset)."""
    lib = _need()
    lib.ERR_clear_error()
    mctx = lib.EVP_MD_CTX_new()
    if not mctx:
        raise OpenSSLError("EVP_MD_CTX_new failed")
    pctx = c_void_p()
    init = lib.EVP_DigestSignInit_ex if signing else lib.EVP_DigestVerifyInit_ex
    try:
        _check(init(mctx, byref(pctx), b"SM3", None, None, pkey.ptr, None), "DigestInit_ex")
        if uid is None:  # OpenSSL 3.0 then uses the EMPTY ID (spec §10.1, row N20)
            return int(mctx)
        id_buf = ctypes.create_string_buffer(uid, max(len(uid), 1))
        _check(
            lib.EVP_PKEY_CTX_ctrl(pctx, -1, -1, _EVP_PKEY_CTRL_SET1_ID, len(uid), id_buf),
            "EVP_PKEY_CTX_set1_id",
        )
    except BaseException:
        lib.EVP_MD_CTX_free(mctx)
        raise
    return int(mctx)


def sign(pkey: PKey, msg: bytes, uid: bytes | None = DEFAULT_UID) -> bytes:
    """DER SM2 signature over SM3(Z_A ‖ msg)."""
    lib = _need()
    mctx = _digest_ctx(pkey, uid, signing=True)
    try:
        out = ctypes.create_string_buffer(128)
        size = c_size_t(len(out))
        _check(lib.EVP_DigestSign(mctx, out, byref(size), msg, len(msg)), "EVP_DigestSign")
        return out.raw[: size.value]
    finally:
        lib.EVP_MD_CTX_free(mctx)


def verify(pkey: PKey, sig: bytes, msg: bytes, uid: bytes | None = DEFAULT_UID) -> bool:
    """True iff OpenSSL accepts the DER signature; a malformed signature is just False."""
    lib = _need()
    mctx = _digest_ctx(pkey, uid, signing=False)
    try:
        ok = lib.EVP_DigestVerify(mctx, sig, len(sig), msg, len(msg))
        lib.ERR_clear_error()
        return bool(ok == 1)
    finally:
        lib.EVP_MD_CTX_free(mctx)


def _pkey_crypt(pkey: PKey, data: bytes, *, encrypting: bool) -> bytes:
    lib = _need()
    lib.ERR_clear_error()
    ctx = lib.EVP_PKEY_CTX_new(pkey.ptr, None)
    if not ctx:
        raise OpenSSLError(f"EVP_PKEY_CTX_new failed: {_errors()}")
    init = lib.EVP_PKEY_encrypt_init if encrypting else lib.EVP_PKEY_decrypt_init
    op = lib.EVP_PKEY_encrypt if encrypting else lib.EVP_PKEY_decrypt
    try:
        _check(init(ctx), "EVP_PKEY_*crypt_init")
        size = c_size_t()
        _check(op(ctx, None, byref(size), data, len(data)), "EVP_PKEY_*crypt (size)")
        out = ctypes.create_string_buffer(max(size.value, 1))
        _check(op(ctx, out, byref(size), data, len(data)), "EVP_PKEY_*crypt")
        return out.raw[: size.value]
    finally:
        lib.EVP_PKEY_CTX_free(ctx)


def encrypt(pkey: PKey, plaintext: bytes) -> bytes:
    """SM2 encryption; returns GM/T 0009 SM2Cipher DER."""
    return _pkey_crypt(pkey, plaintext, encrypting=True)


def decrypt(pkey: PKey, ciphertext: bytes) -> bytes:
    """SM2 decryption of GM/T 0009 SM2Cipher DER; raises OpenSSLError on failure."""
    return _pkey_crypt(pkey, ciphertext, encrypting=False)
