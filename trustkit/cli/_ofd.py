"""``trustkit ofd verify``: check every signature of a sealed OFD document."""

from __future__ import annotations

from collections.abc import Sequence

import click

from trustkit import seal
from trustkit.cli._dates import parse_moment
from trustkit.cli._io import read_bytes
from trustkit.cli._options import debug_option, json_option
from trustkit.cli._seal_common import TrustOptions, emit_document, trust_options

__all__ = ["ofd"]


@click.group()
@debug_option
def ofd() -> None:
    """OFD (GB/T 33190) documents with e-seals."""


@ofd.command("verify")
@click.argument("path", metavar="FILE.ofd")
@trust_options
@json_option
@debug_option
def verify(
    path: str,
    trust: Sequence[str],
    chain: Sequence[str],
    crl: Sequence[str],
    at: str | None,
    as_json: bool,
) -> None:
    """Verify every seal and signature in FILE.ofd.

    Exit 0 when all pass, 1 when one fails, 3 when the cryptography holds but no trust anchor
    vouches for a certificate, 2 when the file is not an OFD package.
    """
    options = TrustOptions(trust, chain, crl)
    report = seal.verify_ofd(
        read_bytes(path, "OFD document"),
        trust=options.anchors,
        intermediates=options.intermediates,
        crls=options.crls,
        at=parse_moment(at),
        subject=path,
    )
    emit_document(report, as_json=as_json)
