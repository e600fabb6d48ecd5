"""``trustkit pdf``: stamp seals on PDFs and verify them, in batches (thin shell over trustkit.pdf).

``stamp`` writes each output under ``--out-dir`` with its input's file name, resumably (a
manifest in the output directory); ``verify`` prints one report per file and a summary. Exit
codes: 0 all passed / all stamped, 1 some verification failed, 2 bad usage or some input could
not be stamped, 3 the cryptography holds but trust is not established.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from trustkit import pdf, seal
from trustkit.cli._dates import parse_moment
from trustkit.cli._io import read_bytes
from trustkit.cli._load import load_certificates, load_private_key
from trustkit.cli._options import debug_option, json_option, password_file_option
from trustkit.cli._output import CliError
from trustkit.cli._seal_common import TrustOptions, trust_options

__all__ = ["pdf_group"]


@click.group("pdf")
@debug_option
def pdf_group() -> None:
    """Seal PDFs (GB/T 35275 SignedData or GB/T 38540 SES_Signature) and verify them."""


def _placement(
    page: int | None,
    x: float | None,
    y: float | None,
    keyword: str | None,
    order: str,
    seq: int,
    dx: float,
    dy: float,
    riding: bool,
    first: int,
    last: int,
    invisible: bool,
) -> pdf.Placement:
    chosen = sum([x is not None or y is not None, keyword is not None, riding, invisible])
    if chosen > 1:
        raise click.UsageError("give one of --x/--y, --keyword, --riding-seam or --invisible")
    if keyword is not None:
        return pdf.Keyword(keyword, order, seq, dx, dy)  # type: ignore[arg-type]
    if riding:
        return pdf.RidingSeam(first, last)
    if invisible:
        return pdf.Invisible(page or 1)
    default = pdf.At(page or -1)
    return pdf.At(page or -1, default.x_mm if x is None else x, default.y_mm if y is None else y)


@pdf_group.command("stamp")
@click.argument("inputs", nargs=-1, required=True, metavar="IN.pdf...")
@click.option("--seal", "seal_path", required=True, metavar="SEAL.esl", help="The seal (DER).")
@click.option("--key", "key_path", required=True, metavar="KEY.pem", help="Signer's private key.")
@click.option(
    "--cert", "cert_path", required=True, metavar="CERT.pem", help="Signer's certificate."
)
@click.option("--out-dir", required=True, metavar="DIR", help="Where the stamped files go.")
@click.option("--page", type=int, help="Page (1 = first, -1 = last; default: last).")
@click.option("--x", type=float, help="Seal centre, mm from the left edge (default 150).")
@click.option("--y", type=float, help="Seal centre, mm from the top edge (default 240).")
@click.option("--keyword", help="Stamp on this phrase in the page text (关键字).")
@click.option(
    "--keyword-order",
    type=click.Choice(["first", "last", "all"]),
    default="last",
    show_default=True,
)
@click.option("--keyword-seq", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--dx", type=float, default=0.0, help="Move right from the keyword, mm.")
@click.option("--dy", type=float, default=0.0, help="Move down from the keyword, mm.")
@click.option("--riding-seam", is_flag=True, help="Cut the seal across page edges (骑缝章).")
@click.option(
    "--first-page", type=int, default=1, show_default=True, help="Riding seam: first page."
)
@click.option(
    "--last-page", type=int, default=-1, show_default=True, help="Riding seam: last page."
)
@click.option("--invisible", is_flag=True, help="A signature without a visible seal.")
@click.option(
    "--format", "fmt", type=click.Choice(["cms", "ses"]), default="cms", show_default=True
)
@click.option("--reason", help="Reason for signing.")
@click.option("--location", help="Where it was signed.")
@click.option("--name", "signer_name", help="Signer name for /Name.")
@click.option("--certify", type=click.IntRange(1, 3), help="Certify with DocMDP permission P.")
@click.option("--normalize", is_flag=True, help="Rewrite unsigned inputs qpdf had to repair.")
@click.option("--at", metavar="TIME", help="Signing time, ISO 8601 (default: now).")
@click.option("--workers", type=click.IntRange(min=0), help="Worker processes (default: cores).")
@click.option("--manifest", metavar="FILE", help="Manifest (default: DIR/trustkit-manifest.jsonl).")
@click.option("--progress/--no-progress", default=True, show_default=True)
@password_file_option
@json_option
@debug_option
def stamp(
    inputs: Sequence[str],
    seal_path: str,
    key_path: str,
    cert_path: str,
    out_dir: str,
    page: int | None,
    x: float | None,
    y: float | None,
    keyword: str | None,
    keyword_order: str,
    keyword_seq: int,
    dx: float,
    dy: float,
    riding_seam: bool,
    first_page: int,
    last_page: int,
    invisible: bool,
    fmt: str,
    reason: str | None,
    location: str | None,
    signer_name: str | None,
    certify: int | None,
    normalize: bool,
    at: str | None,
    workers: int | None,
    manifest: str | None,
    progress: bool,
    password_file: str | None,
    as_json: bool,
) -> None:
    """Stamp a seal on every IN.pdf; outputs keep their names inside --out-dir."""
    placement = _placement(
        page,
        x,
        y,
        keyword,
        keyword_order,
        keyword_seq,
        dx,
        dy,
        riding_seam,
        first_page,
        last_page,
        invisible,
    )
    options = pdf.StampOptions(
        format=fmt,  # type: ignore[arg-type]
        reason=reason,
        location=location,
        signer_name=signer_name,
        certify=certify,
        normalize=normalize,
    )
    seal_der = read_bytes(seal_path, "seal")
    seal.load_seal(seal_der)
    key = load_private_key(key_path, password_file)
    cert = load_certificates(cert_path)[0]
    batch = pdf.stamp_many(
        inputs,
        out_dir,
        seal=seal_der,
        key=key,
        cert=cert,
        placement=placement,
        options=options,
        at=parse_moment(at),
        workers=workers,
        manifest=manifest,
        progress=progress and not as_json,
    )
    if as_json:
        click.echo(json.dumps(_stamp_json(batch), indent=2, ensure_ascii=False))
    else:
        for record in batch.failed:
            click.echo(f"FAILED {record.input}: {record.reason}: {record.detail}", err=True)
        click.echo(batch.summary())
    if batch.exit_code:
        raise click.exceptions.Exit(batch.exit_code)


def _stamp_json(batch: pdf.StampBatch) -> dict[str, Any]:
    return {
        "status": "PASSED" if not batch.failed else "FAILED",
        "done": batch.done,
        "skipped": batch.skipped,
        "failed": len(batch.failed),
        "documents": [r.__dict__ for r in batch.records],
    }


@pdf_group.command("verify")
@click.argument("inputs", nargs=-1, required=True, metavar="IN.pdf...")
@trust_options
@click.option("--lenient", is_flag=True, help="Repaired or hybrid files warn instead of failing.")
@click.option("--workers", type=click.IntRange(min=0), help="Worker processes (default: cores).")
@click.option("--progress/--no-progress", default=True, show_default=True)
@json_option
@debug_option
def verify(
    inputs: Sequence[str],
    trust: Sequence[str],
    chain: Sequence[str],
    crl: Sequence[str],
    at: str | None,
    lenient: bool,
    workers: int | None,
    progress: bool,
    as_json: bool,
) -> None:
    """Verify every seal and signature in each IN.pdf."""
    loaded = TrustOptions(trust, chain, crl)
    if not inputs:
        raise CliError("no input files")
    printer = _StreamingPrinter(as_json)
    batch = pdf.verify_many(
        inputs,
        trust=loaded.anchors,
        intermediates=loaded.intermediates,
        crls=loaded.crls,
        at=parse_moment(at),
        strict=not lenient,
        workers=workers,
        progress=progress and not as_json and len(inputs) > 1,
        on_item=printer.item,
        keep_reports=False,  # reports are printed as they arrive: constant memory
    )
    printer.finish(batch)
    if batch.exit_code:
        raise click.exceptions.Exit(batch.exit_code)


class _StreamingPrinter:
    """Prints each document's report as it arrives; JSON stays one document, written in pieces."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.count = 0

    def item(self, item: pdf.VerifyItem) -> None:
        if self.as_json:
            body = json.dumps(item.to_dict(), indent=2, ensure_ascii=False, default=str)
            prefix = '{\n"documents": [\n' if self.count == 0 else ",\n"
            click.echo(prefix + body, nl=False)
        elif item.report is not None:
            click.echo(item.report.to_text())
        else:
            click.echo(f"FAILED: {item.path}: {item.error}")
        self.count += 1

    def finish(self, batch: pdf.VerifyBatch) -> None:
        if self.as_json:
            head = '{\n"documents": [' if self.count == 0 else ""
            tail = json.dumps(batch.status.value), json.dumps(batch.counts())
            click.echo(f'{head}\n],\n"status": {tail[0]},\n"counts": {tail[1]}\n}}')
        elif self.count > 1:
            click.echo(batch.summary())
