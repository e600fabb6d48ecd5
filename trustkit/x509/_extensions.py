"""Certificate extensions: a neutral record per extension plus decoders for the ones trustkit uses.

Only the extensions that path validation relies on are decoded (basicConstraints, keyUsage,
extendedKeyUsage and the two key identifiers); any other value stays raw bytes, so a malformed
private or unusual extension (common in real SM2 certificates) never stops parsing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from asn1crypto import core
from asn1crypto import x509 as _x509

from trustkit.exceptions import MalformedInput

__all__ = [
    "HANDLED_CRITICAL",
    "KEY_USAGE_NAMES",
    "Extension",
    "KnownExtensions",
    "decode_known",
    "key_purpose_name",
]

# RFC 5280 keyUsage bit names (camelCase) <-> asn1crypto's names.
KEY_USAGE_NAMES: Final = {
    "digitalSignature": "digital_signature",
    "nonRepudiation": "non_repudiation",
    "contentCommitment": "non_repudiation",
    "keyEncipherment": "key_encipherment",
    "dataEncipherment": "data_encipherment",
    "keyAgreement": "key_agreement",
    "keyCertSign": "key_cert_sign",
    "cRLSign": "crl_sign",
    "encipherOnly": "encipher_only",
    "decipherOnly": "decipher_only",
}
_KEY_USAGE_CAMEL: Final = {v: k for k, v in KEY_USAGE_NAMES.items() if k != "contentCommitment"}

# RFC 5280 extended key usage names <-> asn1crypto's KeyPurposeId names.
KEY_PURPOSE_NAMES: Final = {
    "serverAuth": "server_auth",
    "clientAuth": "client_auth",
    "codeSigning": "code_signing",
    "emailProtection": "email_protection",
    "timeStamping": "time_stamping",
    "OCSPSigning": "ocsp_signing",
    "anyExtendedKeyUsage": "any_extended_key_usage",
}
_KEY_PURPOSE_CAMEL: Final = {v: k for k, v in KEY_PURPOSE_NAMES.items()}

# Extensions whose criticality trustkit honours (the rest, if critical, fail validation).
HANDLED_CRITICAL: Final = frozenset(
    {
        "basic_constraints",
        "key_usage",
        "extended_key_usage",
        "key_identifier",
        "authority_key_identifier",
        "subject_alt_name",
        "crl_distribution_points",
    }
)


@dataclass(frozen=True)
class Extension:
    """One extension as received: ``name`` is asn1crypto's name or the dotted OID."""

    oid: str
    name: str
    critical: bool
    value: bytes  # the DER inside extnValue


@dataclass(frozen=True)
class KnownExtensions:
    """Decoded values of the extensions path validation uses; None when absent."""

    ca: bool = False
    path_length: int | None = None
    key_usage: frozenset[str] | None = None
    extended_key_usage: tuple[str, ...] | None = None
    subject_key_identifier: bytes | None = None
    authority_key_identifier: bytes | None = None


def key_purpose_name(value: str) -> str:
    """Camel-case purpose name (e.g. ``serverAuth``) or the dotted OID for unknown ones."""
    return _KEY_PURPOSE_CAMEL.get(value, value)


def decode_known(extensions: Iterable[Extension]) -> KnownExtensions:
    """Decode the extensions trustkit relies on; MalformedInput if one of them is malformed."""
    fields: dict[str, object] = {}
    for ext in extensions:
        decoder = _DECODERS.get(ext.name)
        if decoder is None:
            continue
        try:
            fields.update(decoder(ext.value))
        except (ValueError, TypeError, KeyError) as exc:
            raise MalformedInput(f"certificate extension {ext.name} is malformed: {exc}") from exc
    return KnownExtensions(**fields)  # type: ignore[arg-type]


def _basic_constraints(value: bytes) -> dict[str, object]:
    bc = _x509.BasicConstraints.load(value, strict=True)
    ca = bool(bc["ca"].native)
    path_len = bc["path_len_constraint"].native
    if path_len is not None and (not ca or path_len < 0):
        raise ValueError("pathLenConstraint needs cA TRUE and a non-negative value")
    return {"ca": ca, "path_length": path_len}


def _key_usage(value: bytes) -> dict[str, object]:
    bits = _x509.KeyUsage.load(value, strict=True).native
    return {"key_usage": frozenset(_KEY_USAGE_CAMEL.get(b, str(b)) for b in bits)}


def _extended_key_usage(value: bytes) -> dict[str, object]:
    purposes = _x509.ExtKeyUsageSyntax.load(value, strict=True).native
    return {"extended_key_usage": tuple(key_purpose_name(p) for p in purposes)}


def _subject_key_identifier(value: bytes) -> dict[str, object]:
    return {"subject_key_identifier": core.OctetString.load(value, strict=True).native}


def _authority_key_identifier(value: bytes) -> dict[str, object]:
    aki = _x509.AuthorityKeyIdentifier.load(value, strict=True)
    return {"authority_key_identifier": aki["key_identifier"].native}


_DECODERS: Final = {
    "basic_constraints": _basic_constraints,
    "key_usage": _key_usage,
    "extended_key_usage": _extended_key_usage,
    "key_identifier": _subject_key_identifier,
    "authority_key_identifier": _authority_key_identifier,
}
