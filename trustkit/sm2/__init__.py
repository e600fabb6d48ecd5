"""SM2 digital signatures and public-key encryption (GB/T 32918) over a native engine.

Guarantees: keys are validated on import; signing and decryption run in constant time;
verification accepts only strict DER and the Z_A form with an explicit ID (default
``1234567812345678``); every failure raises a ``trustkit.exceptions`` error.

>>> from trustkit import sm2
>>> key = sm2.generate_private_key()
>>> sig = key.sign(b"licence bytes")
>>> key.public_key().verify(sig, b"licence bytes")
"""

from __future__ import annotations

from trustkit.sm2._batch import (
    BatchVerificationError,
    verify_many,
    verify_many_digest,
    verify_many_strict,
)
from trustkit.sm2._cache import VerifierCache, default_cache
from trustkit.sm2._curve import DEFAULT_UID
from trustkit.sm2._encryption import CiphertextFormat
from trustkit.sm2._keys import SM2PrivateKey, SM2PublicKey, generate_private_key
from trustkit.sm2._serialization import (
    load_der_private_key,
    load_der_public_key,
    load_pem_private_key,
    load_pem_public_key,
)
from trustkit.sm2._signature import (
    decode_der_signature,
    der_to_raw,
    encode_der_signature,
    raw_to_der,
)

__all__ = [
    "DEFAULT_UID",
    "BatchVerificationError",
    "CiphertextFormat",
    "SM2PrivateKey",
    "SM2PublicKey",
    "VerifierCache",
    "decode_der_signature",
    "default_cache",
    "der_to_raw",
    "encode_der_signature",
    "generate_private_key",
    "load_der_private_key",
    "load_der_public_key",
    "load_pem_private_key",
    "load_pem_public_key",
    "raw_to_der",
    "verify_many",
    "verify_many_digest",
    "verify_many_strict",
]
