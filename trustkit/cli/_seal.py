"""``trustkit seal``: make, inspect, sign with and verify electronic seals (GB/T 38540)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import click

from trustkit import seal
from trustkit.cli._dates import parse_moment
from trustkit.cli._io import check_writable, read_bytes, write_bytes
from trustkit.cli._load import load_certificate_files, load_certificates, load_private_key
from trustkit.cli._options import debug_option, force_option, json_option, password_file_option
from trustkit.cli._output import CliError, emit_json
from trustkit.cli._seal_common import TrustOptions, emit_document, trust_options
from trustkit.cli._seal_inspect import describe, describe_text
from trustkit.exceptions import MalformedInput
from trustkit.x509 import Certificate

__all__ = ["seal_group"]


@click.group("seal")
@debug_option
def seal_group() -> None:
    """Electronic seals (SESeal) and seal signatures (SES_Signature)."""


@seal_group.command("make")
@click.option("--maker-key", required=True, metavar="KEY.pem", help="Seal maker's private key.")
@click.option("--maker-cert", required=True, metavar="CERT.pem", help="Seal maker's certificate.")
@click.option(
    "--signer-cert",
    multiple=True,
    required=True,
    metavar="SIGNER.pem",
    help="Certificate allowed to use the seal (repeatable).",
)
@click.option("--name", required=True, help="Seal name, e.g. ××公司合同专用章.")
@click.option("--picture", required=True, metavar="PICTURE.png", help="PNG, GIF or JPEG image.")
@click.option("--width-mm", required=True, type=click.IntRange(1, 1000), help="Width in mm.")
@click.option("--height-mm", required=True, type=click.IntRange(1, 1000), help="Height in mm.")
@click.option("--days", type=click.IntRange(min=1), default=365, show_default=True)
@click.option("--type", "seal_type", type=click.IntRange(min=0), default=1, show_default=True)
@click.option("--es-id", help="Seal code (default: random 32 hex digits).")
@click.option("--vid", default="trustkit", show_default=True, help="Vendor identifier.")
@click.option(
    "--seal-version",
    type=click.Choice(["4", "5"]),
    default="4",
    show_default=True,
    help="4: GB/T 38540-2020; 5: GM/T 0031-2025.",
)
@click.option("--cert-digests", is_flag=True, help="List SM3 digests, not certificates.")
@click.option("--out", required=True, metavar="SEAL.esl", help="Output seal (DER).")
@password_file_option
@force_option
@debug_option
def make(
    maker_key: str,
    maker_cert: str,
    signer_cert: Sequence[str],
    name: str,
    picture: str,
    width_mm: int,
    height_mm: int,
    days: int,
    seal_type: int,
    es_id: str | None,
    vid: str,
    seal_version: str,
    cert_digests: bool,
    out: str,
    password_file: str | None,
    force: bool,
) -> None:
    """Make a seal signed by the maker, listing the signers who may use it."""
    check_writable([out], force=force)
    created = datetime.now(UTC)
    made = seal.make_seal(
        load_private_key(maker_key, password_file),
        _one_certificate(maker_cert),
        name=name,
        picture=seal.SealPicture.from_image(read_bytes(picture, "picture"), width_mm, height_mm),
        signer_certs=load_certificate_files(signer_cert),
        seal_type=seal_type,
        es_id=es_id,
        vid=vid,
        created_at=created,
        valid_to=created + timedelta(days=days),
        cert_digests=cert_digests,
        version=int(seal_version),
    )
    write_bytes(out, made.der, force=force)


@seal_group.command("sign")
@click.option("--seal", "seal_path", required=True, metavar="SEAL.esl", help="The seal.")
@click.option("--key", "key_path", required=True, metavar="KEY.pem", help="Signer's key.")
@click.option("--cert", "cert_path", required=True, metavar="CERT.pem", help="Signer's cert.")
@click.option("--data", "data_path", required=True, metavar="FILE", help="The original.")
@click.option("--property-info", help="What the signature covers (default: the file name).")
@click.option("--out", required=True, metavar="SIG.dat", help="Output SES_Signature (DER).")
@password_file_option
@force_option
@debug_option
def sign(
    seal_path: str,
    key_path: str,
    cert_path: str,
    data_path: str,
    property_info: str | None,
    out: str,
    password_file: str | None,
    force: bool,
) -> None:
    """Seal-sign FILE: an SES_Signature whose dataHash is SM3(FILE)."""
    check_writable([out], force=force)
    signature = seal.sign_data(
        read_bytes(seal_path, "seal"),
        load_private_key(key_path, password_file),
        _one_certificate(cert_path),
        read_bytes(data_path, "data"),
        property_info=property_info or data_path,
    )
    write_bytes(out, signature.der, force=force)


@seal_group.command("inspect")
@click.argument("path", metavar="FILE")
@click.option("--picture-out", metavar="PATH", help="Write the seal picture to PATH.")
@json_option
@force_option
@debug_option
def inspect(path: str, picture_out: str | None, as_json: bool, force: bool) -> None:
    """Show the fields and certificates of a seal (.esl) or seal signature."""
    check_writable([picture_out], force=force)
    parsed = seal.load(read_bytes(path, "seal data"))
    if picture_out is not None:
        target = parsed if isinstance(parsed, seal.Seal) else parsed.seal
        write_bytes(picture_out, target.picture.data, force=force)
    described = describe(parsed)
    if as_json:
        emit_json(described)
    else:
        click.echo(describe_text(described))


@seal_group.command("verify")
@click.argument("path", metavar="FILE")
@click.option("--data", "data_path", metavar="FILE", help="The original a signature covers.")
@trust_options
@json_option
@debug_option
def verify(
    path: str,
    data_path: str | None,
    trust: Sequence[str],
    chain: Sequence[str],
    crl: Sequence[str],
    at: str | None,
    as_json: bool,
) -> None:
    """Verify a seal or a seal signature (exit 0 passed, 1 failed, 3 indeterminate)."""
    data = read_bytes(path, "seal data")
    opts = TrustOptions(trust, chain, crl)
    moment = parse_moment(at)
    report: seal.SignatureReport
    if _is_signature(data):
        report = seal.verify_seal_signature(
            data,
            data=read_bytes(data_path, "data") if data_path else None,
            trust=opts.anchors,
            intermediates=opts.intermediates,
            crls=opts.crls,
            at=moment,
            subject=path,
        )
    else:
        if data_path:
            raise CliError("--data applies to seal signatures, and FILE is not one")
        report = seal.verify_seal(
            data, trust=opts.anchors, intermediates=opts.intermediates, crls=opts.crls, at=moment
        )
    emit_document(seal.DocumentReport(path, (), (report,)), as_json=as_json)


def _is_signature(data: bytes) -> bool:
    """Unreadable data goes to the seal verifier, which reports it as malformed."""
    try:
        return isinstance(seal.load(data), seal.SealSignature)
    except MalformedInput:
        return False


def _one_certificate(path: str) -> Certificate:
    certs = load_certificates(path)
    if len(certs) != 1:
        raise CliError(f"'{path}' holds {len(certs)} certificates; expected one")
    return certs[0]
