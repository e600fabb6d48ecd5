"""JSON Web Keys with SM2 (``{"kty":"EC","crv":"SM2"}``) alongside the standard key types.

SM2 coordinates must be exactly 32 bytes and the point must lie on the curve. Key IDs default
to the RFC 7638 thumbprint (SHA-256). PyJWT's own JWK classes drop SM2 keys, so this module
is the one JWK model trustkit uses.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from trustkit import sm2
from trustkit.exceptions import InvalidKey, UnsupportedAlgorithm
from trustkit.sso._encoding import b64u_decode, b64u_encode, dumps
from trustkit.sso._errors import TokenRejected

__all__ = ["JWK", "sm2_key_from_dict", "sm2_key_to_dict", "thumbprint"]

_EC_CURVES = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_REQUIRED = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")
MAX_KID_LENGTH = 256


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) over the required public members."""
    kty = jwk.get("kty")
    if kty == "oct":
        members: tuple[str, ...] = ("k", "kty")
    elif isinstance(kty, str) and kty in _REQUIRED:
        members = _REQUIRED[kty]
    else:
        raise UnsupportedAlgorithm(f"no thumbprint rule for key type {kty!r}")
    canonical = dumps({name: jwk[name] for name in members})  # members sorted, no whitespace
    return b64u_encode(hashlib.sha256(canonical).digest()).decode()


def _coordinate(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise InvalidKey(f"SM2 JWK member {name!r} must be a base64url string")
    try:
        raw = b64u_decode(value.encode("ascii"), f"SM2 JWK member {name!r}")
    except (TokenRejected, UnicodeEncodeError):
        raise InvalidKey(f"SM2 JWK member {name!r} is not base64url") from None
    if len(raw) != 32:
        raise InvalidKey(f"SM2 JWK member {name!r} must decode to 32 bytes, got {len(raw)}")
    return raw


def sm2_key_from_dict(jwk: Mapping[str, Any]) -> sm2.SM2PublicKey | sm2.SM2PrivateKey:
    """An SM2 key from ``{"kty":"EC","crv":"SM2","x","y"[,"d"]}``; the point is validated."""
    if jwk.get("kty") != "EC" or jwk.get("crv") != "SM2":
        raise InvalidKey("not an SM2 JWK (expected kty EC and crv SM2)")
    public = sm2.SM2PublicKey.from_encoded_point(
        b"\x04" + _coordinate(jwk, "x") + _coordinate(jwk, "y")
    )
    if "d" not in jwk:
        return public
    private = sm2.SM2PrivateKey.from_private_value(_coordinate(jwk, "d"))
    if private.public_key() != public:
        raise InvalidKey("SM2 JWK: d does not match x and y")
    return private


def sm2_key_to_dict(key: sm2.SM2PublicKey | sm2.SM2PrivateKey) -> dict[str, Any]:
    public = key.public_key() if isinstance(key, sm2.SM2PrivateKey) else key
    if not isinstance(public, sm2.SM2PublicKey):
        raise InvalidKey(f"not an SM2 key: {type(key).__name__}")
    point = public.public_bytes_raw()
    out = {"kty": "EC", "crv": "SM2", "x": _b64(point[1:33]), "y": _b64(point[33:])}
    if isinstance(key, sm2.SM2PrivateKey):
        out["d"] = _b64(key.private_bytes_raw())
    return out


def _b64(data: bytes) -> str:
    return b64u_encode(data).decode()


@dataclass(frozen=True, eq=False)
class JWK:
    """One key: its JWK members (public part), the usable key object, and its key ID.

    ``key`` is an ``SM2PublicKey``/``SM2PrivateKey``, a cryptography key, or ``bytes`` for
    ``oct``. ``private`` is True when ``key`` can sign.
    """

    kid: str
    kty: str
    crv: str | None
    key: Any
    alg: str | None = None
    use: str | None = "sig"
    private: bool = False

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, allow_private: bool = False) -> JWK:
        """Parse one JWK. Private members are refused unless ``allow_private``."""
        if not isinstance(data, Mapping):
            raise InvalidKey("a JWK must be a JSON object")
        kty, crv = data.get("kty"), data.get("crv")
        has_private = any(m in data for m in _PRIVATE_MEMBERS)
        if has_private and not allow_private:
            raise InvalidKey("private key material where only a public key is allowed")
        key = _key_object(data, kty, crv)
        return cls(
            kid=_kid(data),
            kty=str(kty),
            crv=crv if isinstance(crv, str) else None,
            key=key,
            alg=_optional_str(data, "alg"),
            use=_optional_str(data, "use"),
            private=has_private,
        )

    @classmethod
    def from_key(
        cls, key: Any, *, kid: str | None = None, alg: str | None = None, use: str | None = "sig"
    ) -> JWK:
        """Wrap an SM2 key, a cryptography EC/RSA/Ed25519 key or an HMAC secret."""
        members = _public_members(key)
        return cls(
            kid=kid or thumbprint(members),
            kty=members["kty"],
            crv=members.get("crv"),
            key=key,
            alg=alg,
            use=use,
            private=_is_private(key),
        )

    # -- views -----------------------------------------------------------------------------

    @property
    def public_key(self) -> Any:
        """The key object used to verify (the public half of a private key)."""
        if isinstance(self.key, bytes):
            return self.key
        return self.key.public_key() if self.private else self.key

    def public(self) -> JWK:
        if self.kty == "oct":
            raise InvalidKey("a symmetric key has no public half")
        return JWK(self.kid, self.kty, self.crv, self.public_key, self.alg, self.use, False)

    def to_dict(self) -> dict[str, Any]:
        """The public JWK members (never private ones), with kid, and alg/use when set."""
        if self.kty == "oct":
            raise InvalidKey("refusing to serialise a symmetric key")
        out = _public_members(self.public_key)
        out["kid"] = self.kid
        for name in ("alg", "use"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    def thumbprint(self) -> str:
        return thumbprint(_public_members(self.public_key))

    def same_key(self, other: JWK) -> bool:
        return hmac.compare_digest(self.thumbprint(), other.thumbprint())

    def __repr__(self) -> str:
        return f"<JWK kid={self.kid!r} kty={self.kty} crv={self.crv} private={self.private}>"


def _optional_str(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidKey(f"JWK member {name!r} must be a string")
    return value


def _kid(data: Mapping[str, Any]) -> str:
    kid = data.get("kid")
    if kid is None:
        return thumbprint(data)
    if not isinstance(kid, str) or not kid or len(kid) > MAX_KID_LENGTH:
        raise InvalidKey(f"JWK kid must be a non-empty string of at most {MAX_KID_LENGTH} chars")
    return kid


def _key_object(data: Mapping[str, Any], kty: Any, crv: Any) -> Any:
    try:
        if kty == "EC" and crv == "SM2":
            return sm2_key_from_dict(data)
        if kty == "EC" and crv in _EC_CURVES:
            return ECAlgorithm.from_jwk(dict(data))
        if kty == "RSA":
            return RSAAlgorithm.from_jwk(dict(data))
        if kty == "OKP" and crv in ("Ed25519", "Ed448"):
            return OKPAlgorithm.from_jwk(dict(data))
        if kty == "oct":
            return _oct_secret(data)
    except InvalidKey:
        raise
    except Exception as exc:  # PyJWT raises its own InvalidKeyError / ValueError variants
        raise InvalidKey(f"invalid {kty} JWK: {exc}") from None
    raise UnsupportedAlgorithm(f"unsupported JWK key type {kty!r} / curve {crv!r}")


def _oct_secret(data: Mapping[str, Any]) -> bytes:
    value = data.get("k")
    if not isinstance(value, str):
        raise InvalidKey("oct JWK member 'k' must be a string")
    try:
        return b64u_decode(value.encode("ascii"), "oct JWK member 'k'")
    except (TokenRejected, UnicodeEncodeError):
        raise InvalidKey("oct JWK member 'k' is not base64url") from None


def _is_private(key: Any) -> bool:
    return isinstance(
        key,
        sm2.SM2PrivateKey
        | ec.EllipticCurvePrivateKey
        | rsa.RSAPrivateKey
        | ed25519.Ed25519PrivateKey
        | ed448.Ed448PrivateKey
        | bytes,
    )


def _public_members(key: Any) -> dict[str, Any]:
    """The RFC 7638 required members of ``key``'s public half (for oct: k and kty)."""
    if isinstance(key, sm2.SM2PublicKey | sm2.SM2PrivateKey):
        out = sm2_key_to_dict(key)
        out.pop("d", None)
        return out
    if isinstance(key, bytes):
        return {"kty": "oct", "k": _b64(key)}
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if key.curve.name not in _CURVE_NAMES:
            raise UnsupportedAlgorithm(f"unsupported EC curve {key.curve.name}")
        full = ECAlgorithm.to_jwk(_public_of(key), as_dict=True)
    elif isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        full = RSAAlgorithm.to_jwk(_public_of(key), as_dict=True)
    elif isinstance(
        key,
        ed25519.Ed25519PrivateKey
        | ed25519.Ed25519PublicKey
        | ed448.Ed448PrivateKey
        | ed448.Ed448PublicKey,
    ):
        full = OKPAlgorithm.to_jwk(_public_of(key), as_dict=True)
    else:
        raise InvalidKey(f"unsupported key object {type(key).__name__}")
    return {name: full[name] for name in _REQUIRED[str(full["kty"])]}


def _public_of(key: Any) -> Any:
    return key.public_key() if hasattr(key, "private_bytes") else key


def algorithms_for(jwk: JWK) -> tuple[str, ...]:
    """The standard JWS algorithm names a key of this type and curve may verify."""
    if jwk.kty == "EC" and jwk.crv == "SM2":
        return ("SM2",)
    if jwk.kty == "EC" and jwk.crv in _EC_CURVES:
        return (_EC_CURVES[jwk.crv],)
    if jwk.kty == "RSA":
        return ("RS256", "RS384", "RS512", "PS256", "PS384")
    if jwk.kty == "OKP":
        return ("EdDSA",)
    if jwk.kty == "oct":
        return ("HS256", "HS384", "HS512")
    return ()
