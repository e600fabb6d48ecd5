"""Keys, certificates and CRLs from files (PEM or DER, detected by the PEM armour)."""

from __future__ import annotations

from collections.abc import Iterable

from trustkit import sm2, x509
from trustkit.cli._io import read_bytes, read_password
from trustkit.cli._output import CliError

__all__ = [
    "load_certificate_files",
    "load_certificates",
    "load_crl",
    "load_private_key",
    "load_public_key",
    "load_subject_key",
    "load_trust_anchors",
]

_PEM = b"-----BEGIN "
_PUBLIC_PEM = b"-----BEGIN PUBLIC KEY-----"


def load_private_key(path: str, password_file: str | None = None) -> sm2.SM2PrivateKey:
    return _private_from(read_bytes(path, "private key"), password_file)


def load_public_key(path: str) -> sm2.SM2PublicKey:
    data = read_bytes(path, "public key")
    if _PEM in data:
        return sm2.load_pem_public_key(data)
    return sm2.load_der_public_key(data)


def load_subject_key(path: str, password_file: str | None) -> sm2.SM2PublicKey | sm2.SM2PrivateKey:
    """The key a certificate is issued for: a private key, or a PEM public key."""
    data = read_bytes(path, "key")
    if _PUBLIC_PEM in data:
        return sm2.load_pem_public_key(data)
    return _private_from(data, password_file)


def _private_from(data: bytes, password_file: str | None) -> sm2.SM2PrivateKey:
    password = read_password(password_file)
    if _PEM in data:
        return sm2.load_pem_private_key(data, password)
    return sm2.load_der_private_key(data, password)


def load_certificates(path: str) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle, or the one certificate of a DER file."""
    data = read_bytes(path, "certificate")
    if _PEM not in data:
        return [x509.load_der_certificate(data)]
    certs = list(x509.load_pem_certificates(data))
    if not certs:
        raise CliError(f"no certificate found in '{path}'")
    return certs


def load_certificate_files(paths: Iterable[str]) -> list[x509.Certificate]:
    return [c for path in paths for c in load_certificates(path)]


def load_trust_anchors(paths: Iterable[str]) -> x509.TrustAnchors:
    return x509.TrustAnchors(load_certificate_files(paths))


def load_crl(path: str) -> x509.CertificateRevocationList:
    data = read_bytes(path, "CRL")
    if _PEM in data:
        return x509.load_pem_crl(data)
    return x509.load_der_crl(data)
