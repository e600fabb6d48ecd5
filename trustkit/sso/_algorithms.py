"""JWS algorithms: SM2 as a PyJWT ``Algorithm``, registered on a per-instance ``PyJWS``.

trustkit emits ``alg: "SM2"``: SM2 with SM3 over Z_A of the signer's ID (default
``1234567812345678``) and a raw 64-byte r‖s signature. Other names (``SM2SM3``, ``GmSM2`` ...)
and DER signatures are accepted only when an issuer's configuration says so. PyJWT's
process-global algorithm table is never touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import jwt
from jwt.algorithms import Algorithm

from trustkit import sm2
from trustkit.exceptions import InvalidKey, InvalidSignature, MalformedInput
from trustkit.sm2._curve import N
from trustkit.sm3 import sm3

__all__ = [
    "SM2",
    "SM2Algorithm",
    "SignatureEncoding",
    "algorithm_registry",
    "hash_for_alg",
]

SM2 = "SM2"
SignatureEncoding = Literal["raw", "der"]
_STANDARD = ("ES256", "ES384", "ES512", "EdDSA", "RS256", "RS384", "RS512", "PS256", "PS384")
_HMAC = ("HS256", "HS384", "HS512")


class _SM3Hash:
    """hashlib-style wrapper so PyJWT's ``compute_hash_digest`` hook works for SM2."""

    def __init__(self, data: bytes = b"") -> None:
        self._digest = sm3(data)

    def digest(self) -> bytes:
        return self._digest


def _raw_signature(sig: bytes) -> bytes:
    """Strict raw r‖s: exactly 64 bytes, 1 <= r, s <= n-1, (r + s) mod n != 0."""
    if len(sig) != 64:
        raise InvalidSignature(f"SM2 signature must be exactly 64 bytes, got {len(sig)}")
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    if not (0 < r < N and 0 < s < N) or (r + s) % N == 0:
        raise InvalidSignature("SM2 signature r or s is out of range")
    return sig


class SM2Algorithm(Algorithm):
    """SM2-with-SM3 for PyJWT, with the signature encoding and signer ID fixed at construction.

    Keys are trustkit ``SM2PrivateKey`` / ``SM2PublicKey`` objects (or PEM bytes, or an SM2
    JWK); any other key type, including cryptography's EC keys, raises ``InvalidKey``.
    """

    hash_alg = _SM3Hash

    def __init__(self, encoding: SignatureEncoding = "raw", uid: bytes = sm2.DEFAULT_UID) -> None:
        if encoding not in ("raw", "der"):
            raise ValueError("encoding must be 'raw' or 'der'")
        self.encoding: SignatureEncoding = encoding
        self.uid = bytes(uid)

    def prepare_key(self, key: Any) -> sm2.SM2PublicKey | sm2.SM2PrivateKey:
        if isinstance(key, sm2.SM2PublicKey | sm2.SM2PrivateKey):
            return key
        if isinstance(key, str | bytes) and b"-----BEGIN" in _as_bytes(key):
            return _load_pem(_as_bytes(key))
        if isinstance(key, dict):
            from trustkit.sso._jwk import sm2_key_from_dict

            return sm2_key_from_dict(key)
        raise InvalidKey(f"the SM2 algorithm needs an SM2 key, not {type(key).__name__}")

    def sign(self, msg: bytes, key: Any) -> bytes:
        if not isinstance(key, sm2.SM2PrivateKey):
            raise InvalidKey("signing with SM2 needs an SM2 private key")
        der = key.sign(msg, uid=self.uid)
        return der if self.encoding == "der" else sm2.der_to_raw(der)

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        public = key.public_key() if isinstance(key, sm2.SM2PrivateKey) else key
        if not isinstance(public, sm2.SM2PublicKey):
            raise InvalidKey("verifying with SM2 needs an SM2 public key")
        try:
            der = sm2.raw_to_der(_raw_signature(sig)) if self.encoding == "raw" else sig
            public.verify(der, msg, uid=self.uid)
        except (InvalidSignature, MalformedInput):
            return False
        return True

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
        from trustkit.sso._jwk import sm2_key_to_dict

        out = sm2_key_to_dict(key_obj)
        return out if as_dict else json.dumps(out)

    @staticmethod
    def from_jwk(jwk: str | Mapping[str, Any]) -> Any:
        from trustkit.sso._jwk import sm2_key_from_dict

        data = json.loads(jwk) if isinstance(jwk, str) else jwk
        return sm2_key_from_dict(data)


def _as_bytes(key: str | bytes) -> bytes:
    return key.encode() if isinstance(key, str) else key


def _load_pem(data: bytes) -> sm2.SM2PublicKey | sm2.SM2PrivateKey:
    if b"PRIVATE KEY" in data:
        return sm2.load_pem_private_key(data)
    return sm2.load_pem_public_key(data)


def algorithm_registry(
    algorithms: Iterable[str],
    *,
    sm2_aliases: Mapping[str, SignatureEncoding] | None = None,
    sm2_encoding: SignatureEncoding = "raw",
    uid: bytes = sm2.DEFAULT_UID,
) -> jwt.PyJWS:
    """A fresh ``PyJWS`` pruned to ``algorithms``, with SM2 (and configured aliases) registered.

    ``algorithms`` is the allowlist and may not be empty or contain ``none``. An alias such as
    ``{"SM2SM3": "der"}`` accepts that header name with that signature encoding for this
    registry only.
    """
    allowed = list(dict.fromkeys(algorithms))
    if not allowed:
        raise ValueError("an explicit, non-empty algorithm allowlist is required")
    aliases = dict(sm2_aliases or {})
    for name in allowed:
        if name.lower() == "none":
            raise ValueError("the 'none' algorithm can never be allowed")
        if name not in (SM2, *aliases, *_STANDARD, *_HMAC):
            raise ValueError(f"unsupported JWS algorithm {name!r}")
    registry = jwt.PyJWS(algorithms=[a for a in allowed if a in _STANDARD + _HMAC])
    if SM2 in allowed:
        registry.register_algorithm(SM2, SM2Algorithm(sm2_encoding, uid))
    for name, encoding in aliases.items():
        if name in allowed:
            registry.register_algorithm(name, SM2Algorithm(encoding, uid))
    return registry


def hash_for_alg(registry: jwt.PyJWS, alg: str, data: bytes) -> bytes:
    """The hash OIDC uses for at_hash / c_hash: the one of the token's ``alg`` (SM3 for SM2)."""
    if alg == "EdDSA":  # Ed25519: SHA-512, per common OIDC practice
        import hashlib

        return hashlib.sha512(data).digest()
    return registry.get_algorithm_by_name(alg).compute_hash_digest(data)
