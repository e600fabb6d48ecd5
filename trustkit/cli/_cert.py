"""``trustkit cert``: issue, show and verify SM2 certificates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from trustkit import sm2, x509
from trustkit.cli._dates import parse_moment
from trustkit.cli._io import check_writable, write_bytes
from trustkit.cli._load import (
    load_certificate_files,
    load_certificates,
    load_crl,
    load_private_key,
    load_subject_key,
    load_trust_anchors,
)
from trustkit.cli._options import debug_option, force_option, json_option, password_file_option
from trustkit.cli._output import CliError, emit_json, emit_report

__all__ = ["cert"]


@click.group()
@debug_option
def cert() -> None:
    """Issue, inspect and validate certificates."""


@cert.command("issue")
@click.option("--subject", required=True, metavar='"CN=…,O=…"', help="Subject name.")
@click.option(
    "--key",
    "key_path",
    required=True,
    metavar="KEY.pem",
    help="Subject's key (private key, or public key PEM when not self-signed).",
)
@click.option("--self-signed", is_flag=True, help="Sign with --key itself (a root).")
@click.option("--issuer-cert", metavar="CA.pem", help="Issuer's certificate.")
@click.option("--issuer-key", metavar="CA.key", help="Issuer's private key.")
@click.option("--issuer-password-file", metavar="FILE", help="Password file of --issuer-key.")
@click.option("--ca", is_flag=True, help="Make a CA certificate.")
@click.option("--path-length", type=click.IntRange(min=0), help="CA path length limit.")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=365,
    show_default=True,
    help="Validity in days, from now.",
)
@click.option("--serial", type=click.IntRange(min=1), help="Serial number (default: random).")
@click.option("--out", required=True, metavar="CERT.pem", help="Certificate (PEM), - for stdout.")
@password_file_option
@force_option
@debug_option
def issue(
    subject: str,
    key_path: str,
    self_signed: bool,
    issuer_cert: str | None,
    issuer_key: str | None,
    issuer_password_file: str | None,
    ca: bool,
    path_length: int | None,
    days: int,
    serial: int | None,
    out: str,
    password_file: str | None,
    force: bool,
) -> None:
    """Issue a certificate for --key, self-signed or by an issuer."""
    _check_issuer_options(self_signed, issuer_cert, issuer_key)
    check_writable([out], force=force)
    subject_key = load_subject_key(key_path, password_file)
    if self_signed:
        signer, signer_cert = _self_signer(subject_key), None
    else:
        signer = load_private_key(issuer_key or "", issuer_password_file)
        signer_cert = _single_certificate(issuer_cert or "")
    public_key = (
        subject_key.public_key() if isinstance(subject_key, sm2.SM2PrivateKey) else subject_key
    )
    certificate = x509.issue_certificate(
        subject,
        public_key,
        signer,
        signer_cert,
        ca=ca,
        path_length=path_length,
        days=days,
        serial=serial,
    )
    write_bytes(out, certificate.to_pem(), force=force)


@cert.command("show")
@click.argument("cert_path", metavar="CERT.pem")
@json_option
@debug_option
def show(cert_path: str, as_json: bool) -> None:
    """Print the main fields of every certificate in CERT.pem (PEM or DER)."""
    described = [_describe(c) for c in load_certificates(cert_path)]
    if as_json:
        emit_json({"certificates": described})
        return
    click.echo("\n\n".join(_as_text(d) for d in described))


@cert.command("verify")
@click.argument("cert_path", metavar="CERT.pem")
@click.option(
    "--trust",
    multiple=True,
    required=True,
    metavar="ROOT.pem",
    help="Trust anchors (repeatable; a file may hold several).",
)
@click.option("--chain", multiple=True, metavar="CA.pem", help="Intermediate certificates.")
@click.option("--crl", multiple=True, metavar="CRL", help="Revocation lists (PEM or DER).")
@click.option(
    "--require-revocation",
    is_flag=True,
    help="Without a usable CRL for every certificate, the result is INDETERMINATE.",
)
@click.option("--at", metavar="TIME", help="Validation time, ISO 8601 (default: now).")
@json_option
@debug_option
def verify(
    cert_path: str,
    trust: Sequence[str],
    chain: Sequence[str],
    crl: Sequence[str],
    require_revocation: bool,
    at: str | None,
    as_json: bool,
) -> None:
    """Validate CERT.pem up to a trust anchor.

    Exit 0 when the path validates, 1 when it fails, 3 when no anchor vouches for it.
    Extra certificates after the first one in CERT.pem count as intermediates.
    """
    moment = parse_moment(at)
    leaf, *rest = load_certificates(cert_path)
    report = x509.validate_chain(
        leaf,
        trust=load_trust_anchors(trust),
        intermediates=[*rest, *load_certificate_files(chain)],
        crls=[load_crl(path) for path in crl],
        at=moment,
        require_revocation=require_revocation,
    )
    emit_report(report, as_json=as_json)


def _check_issuer_options(
    self_signed: bool, issuer_cert: str | None, issuer_key: str | None
) -> None:
    has_issuer = issuer_cert is not None or issuer_key is not None
    if self_signed == has_issuer:
        raise click.UsageError("give --self-signed, or both --issuer-cert and --issuer-key")
    if has_issuer and (issuer_cert is None or issuer_key is None):
        raise click.UsageError("--issuer-cert and --issuer-key go together")


def _self_signer(subject_key: sm2.SM2PublicKey | sm2.SM2PrivateKey) -> sm2.SM2PrivateKey:
    if not isinstance(subject_key, sm2.SM2PrivateKey):
        raise CliError("--self-signed needs a private key in --key, not a public key")
    return subject_key


def _single_certificate(path: str) -> x509.Certificate:
    certs = load_certificates(path)
    if len(certs) != 1:
        raise CliError(f"'{path}' holds {len(certs)} certificates; the issuer needs one")
    return certs[0]


def _describe(certificate: x509.Certificate) -> dict[str, Any]:
    return {
        "subject": certificate.subject,
        "issuer": certificate.issuer,
        "serial_number": f"{certificate.serial_number:x}",
        "not_before": certificate.not_before.isoformat(),
        "not_after": certificate.not_after.isoformat(),
        "is_ca": certificate.is_ca,
        "sm3_fingerprint": certificate.fingerprint_sm3,
        "public_key": certificate.public_key().public_bytes_raw().hex(),
    }


def _as_text(described: dict[str, Any]) -> str:
    labels = {"serial_number": "serial (hex)", "is_ca": "CA", "sm3_fingerprint": "SM3 fingerprint"}
    rows = []
    for field, value in described.items():
        label = labels.get(field, field.replace("_", " "))
        shown = ("yes" if value else "no") if isinstance(value, bool) else value
        rows.append(f"{label + ':':<17}{shown}")
    return "\n".join(rows)
