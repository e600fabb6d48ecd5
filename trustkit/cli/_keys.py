"""``trustkit key``: generate SM2 key pairs and extract public keys."""

from __future__ import annotations

import click
from cryptography.hazmat.primitives import serialization

from trustkit import sm2
from trustkit.cli._io import check_writable, read_password, write_bytes
from trustkit.cli._load import load_private_key
from trustkit.cli._options import debug_option, force_option, password_file_option

__all__ = ["key"]


@click.group()
@debug_option
def key() -> None:
    """Generate and convert SM2 keys."""


@key.command("generate")
@click.option("--out", required=True, metavar="KEY.pem", help="Private key (PKCS#8 PEM, 0600).")
@click.option("--public-out", metavar="PUB.pem", help="Also write the public key (SPKI PEM).")
@password_file_option
@force_option
@debug_option
def generate(out: str, public_out: str | None, password_file: str | None, force: bool) -> None:
    """Generate an SM2 private key.

    The key is encrypted when a password is given with --password-file or
    $TRUSTKIT_KEY_PASSWORD.
    """
    check_writable([out, public_out], force=force)
    private = sm2.generate_private_key()
    write_bytes(out, _pkcs8_pem(private, read_password(password_file)), force=force, secret=True)
    if public_out is not None:
        write_bytes(public_out, _spki_pem(private.public_key()), force=force)


@key.command("public")
@click.option("--key", "key_path", required=True, metavar="KEY.pem", help="Private key.")
@click.option(
    "--out", required=True, metavar="PUB.pem", help="Public key (SPKI PEM), - for stdout."
)
@password_file_option
@force_option
@debug_option
def public(key_path: str, out: str, password_file: str | None, force: bool) -> None:
    """Write the public key of a private key."""
    check_writable([out], force=force)
    private = load_private_key(key_path, password_file)
    write_bytes(out, _spki_pem(private.public_key()), force=force)


def _pkcs8_pem(private: sm2.SM2PrivateKey, password: bytes | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def _spki_pem(public_key: sm2.SM2PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
