"""One exception hierarchy for all of trustkit.

Messages say what is wrong with the input; they never include key material.
"""

from __future__ import annotations

__all__ = [
    "CertificateError",
    "DecryptionFailed",
    "InvalidKey",
    "InvalidSignature",
    "MalformedInput",
    "MalformedSignature",
    "TrustError",
    "TrustkitError",
    "UnsupportedAlgorithm",
]


class TrustkitError(Exception):
    """Base class of every error trustkit raises on purpose."""


class InvalidSignature(TrustkitError):
    """A signature does not verify against the given key and data."""


class MalformedInput(TrustkitError, ValueError):
    """Input bytes or parameters are not well formed (bad DER, wrong length, out of range...)."""


class InvalidKey(MalformedInput):
    """A key is malformed or fails validation (off-curve point, scalar out of range...)."""


class MalformedSignature(InvalidSignature, MalformedInput):
    """A signature is not well formed (bad DER, wrong length, r or s out of range).

    It is both an ``InvalidSignature`` and a ``MalformedInput``, so callers catching either see it.
    """


class DecryptionFailed(TrustkitError):
    """SM2 decryption failed. Deliberately one generic error: it must not act as an oracle."""


class UnsupportedAlgorithm(TrustkitError):
    """The input uses an algorithm, curve or format trustkit does not implement."""


class CertificateError(TrustkitError):
    """A certificate or CRL could not be built, parsed or validated."""


class TrustError(CertificateError):
    """No trust anchor vouches for the presented certificate chain."""
