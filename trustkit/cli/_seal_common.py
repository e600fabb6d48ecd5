"""Helpers shared by ``trustkit seal`` and ``trustkit ofd``: trust options and report output."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from trustkit import x509
from trustkit.cli._load import load_certificate_files, load_crl, load_trust_anchors
from trustkit.cli._output import exit_with
from trustkit.seal import DocumentReport

__all__ = ["TrustOptions", "emit_document", "trust_options"]

F = TypeVar("F", bound=Callable[..., Any])


def trust_options(func: F) -> F:
    """``--trust``, ``--chain``, ``--crl`` and ``--at``."""
    func = click.option("--at", metavar="TIME", help="Validation time, ISO 8601 (default: now).")(
        func
    )
    func = click.option("--crl", multiple=True, metavar="CRL", help="Revocation lists.")(func)
    func = click.option(
        "--chain", multiple=True, metavar="CA.pem", help="Intermediate certificates."
    )(func)
    return click.option(
        "--trust",
        multiple=True,
        metavar="ROOT.pem",
        help="Trust anchors (repeatable). Without any, valid files are INDETERMINATE.",
    )(func)


class TrustOptions:
    """The loaded ``--trust``/``--chain``/``--crl`` files."""

    def __init__(self, trust: Sequence[str], chain: Sequence[str], crl: Sequence[str]) -> None:
        self.anchors = load_trust_anchors(trust)
        self.intermediates: list[x509.Certificate] = load_certificate_files(chain)
        self.crls = [load_crl(path) for path in crl]


def emit_document(report: DocumentReport, *, as_json: bool) -> None:
    """Print the report and exit 0 (passed), 1 (failed) or 3 (indeterminate)."""
    click.echo(report.to_json() if as_json else report.to_text())
    exit_with(report.status)
