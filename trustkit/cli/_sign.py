"""``trustkit sign`` and ``trustkit verify``: SM2 signatures over files."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import click

from trustkit import sm2, x509
from trustkit.cli._dates import parse_moment
from trustkit.cli._io import check_writable, read_bytes, write_bytes
from trustkit.cli._load import (
    load_certificate_files,
    load_certificates,
    load_private_key,
    load_public_key,
    load_trust_anchors,
)
from trustkit.cli._options import (
    debug_option,
    force_option,
    json_option,
    password_file_option,
    resolve_uid,
    uid_options,
)
from trustkit.cli._output import emit_report
from trustkit.exceptions import InvalidSignature
from trustkit.report import Check, Report, Status

__all__ = ["sign", "verify"]


@click.command()
@click.argument("input_path", metavar="INPUT")
@click.option("--key", "key_path", required=True, metavar="KEY.pem", help="SM2 private key.")
@click.option("--out", required=True, metavar="SIG", help="Signature file, - for stdout.")
@click.option("--raw", is_flag=True, help="Write 64-byte r‖s instead of DER.")
@uid_options
@password_file_option
@force_option
@debug_option
def sign(
    input_path: str,
    key_path: str,
    out: str,
    raw: bool,
    uid: str | None,
    uid_hex: str | None,
    password_file: str | None,
    force: bool,
) -> None:
    """Sign INPUT (- for stdin) with SM2/SM3.

    The signature is DER (GM/T 0009 SM2Signature) unless --raw asks for 64-byte r‖s.
    """
    signer_id = resolve_uid(uid, uid_hex)
    check_writable([out], force=force)
    private = load_private_key(key_path, password_file)
    signature = private.sign(read_bytes(input_path, "input"), uid=signer_id)
    write_bytes(out, sm2.der_to_raw(signature) if raw else signature, force=force)


@click.command()
@click.argument("input_path", metavar="INPUT")
@click.option("--public-key", "public_key_path", metavar="PUB.pem", help="Signer's public key.")
@click.option("--cert", "cert_path", metavar="CERT.pem", help="Signer's certificate.")
@click.option("--signature", "signature_path", required=True, metavar="SIG", help="Signature.")
@click.option("--raw", is_flag=True, help="The signature is 64-byte r‖s, not DER.")
@click.option("--trust", multiple=True, metavar="ROOT.pem", help="With --cert: trust anchors.")
@click.option("--chain", multiple=True, metavar="CA.pem", help="With --trust: intermediates.")
@click.option("--at", metavar="TIME", help="With --trust: validation time (ISO 8601).")
@uid_options
@json_option
@debug_option
def verify(
    input_path: str,
    public_key_path: str | None,
    cert_path: str | None,
    signature_path: str,
    raw: bool,
    trust: Sequence[str],
    chain: Sequence[str],
    at: str | None,
    uid: str | None,
    uid_hex: str | None,
    as_json: bool,
) -> None:
    """Verify an SM2 signature over INPUT (- for stdin).

    Exit 0 when it verifies, 1 when it does not, 3 when --trust is given and the
    certificate does not chain to it.
    """
    _check_key_options(public_key_path, cert_path, trust, chain, at)
    signer_id = resolve_uid(uid, uid_hex)
    moment = parse_moment(at)
    signature = _signature_der(read_bytes(signature_path, "signature"), raw)
    if cert_path is not None:
        public_key, facts, chain_checks = _from_certificate(cert_path, trust, chain, moment)
    else:
        public_key, facts, chain_checks = load_public_key(public_key_path or ""), {}, ()
    data = read_bytes(input_path, "input")
    checks = (_signature_check(public_key, signature, data, signer_id), *chain_checks)
    facts = {"uid": signer_id.hex(), "signature_format": "raw" if raw else "der", **facts}
    name = "stdin" if input_path == "-" else input_path
    emit_report(Report(f"SM2 signature over {name}", checks, facts), as_json=as_json)


def _check_key_options(
    public_key_path: str | None,
    cert_path: str | None,
    trust: Sequence[str],
    chain: Sequence[str],
    at: str | None,
) -> None:
    if (public_key_path is None) == (cert_path is None):
        raise click.UsageError("give exactly one of --public-key or --cert")
    if trust and cert_path is None:
        raise click.UsageError("--trust needs --cert")
    if (chain or at is not None) and not trust:
        raise click.UsageError("--chain and --at need --trust")


def _from_certificate(
    cert_path: str, trust: Sequence[str], chain: Sequence[str], moment: datetime | None
) -> tuple[sm2.SM2PublicKey, dict[str, Any], tuple[Check, ...]]:
    """The signer's key, facts about its certificate, and the chain checks if --trust is given."""
    certs = load_certificates(cert_path)
    facts = {
        "certificate_subject": certs[0].subject,
        "certificate_sm3_fingerprint": certs[0].fingerprint_sm3,
        "certificate_trust": "checked" if trust else "not checked (use --trust)",
    }
    checks = _chain_checks(certs, trust, chain, moment) if trust else ()
    return certs[0].public_key(), facts, checks


def _signature_der(data: bytes, raw: bool) -> bytes:
    """Strict decoding first, so a malformed signature is bad input (exit 2), not a failure."""
    if raw:
        return sm2.raw_to_der(data)
    sm2.der_to_raw(data)
    return data


def _signature_check(
    public_key: sm2.SM2PublicKey, signature: bytes, data: bytes, uid: bytes
) -> Check:
    try:
        public_key.verify(signature, data, uid=uid)
    except InvalidSignature:
        return Check("signature", Status.FAILED, "bad-signature", "does not verify with this key")
    return Check("signature", Status.PASSED)


def _chain_checks(
    certs: list[x509.Certificate],
    trust: Sequence[str],
    chain: Sequence[str],
    moment: datetime | None,
) -> tuple[Check, ...]:
    report = x509.validate_chain(
        certs[0],
        trust=load_trust_anchors(trust),
        intermediates=[*certs[1:], *load_certificate_files(chain)],
        at=moment,
    )
    return tuple(Check(f"chain.{c.name}", c.status, c.reason, c.detail) for c in report.checks)
