"""What the CLI prints: one-line errors on stderr, reports as text or JSON on stdout."""

from __future__ import annotations

import json
from typing import IO, Any

import click

from trustkit.report import Report, Status

__all__ = ["CliError", "emit_json", "emit_report", "exit_with"]


class CliError(click.ClickException):
    """A problem the user can fix (bad file, bad option); shown as one ``error:`` line."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(_one_line(message))
        self.exit_code = exit_code

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", file=file, err=file is None)


def emit_report(report: Report, *, as_json: bool) -> None:
    """Print ``report`` and exit with its status's exit code (0, 1 or 3)."""
    click.echo(report.to_json() if as_json else report.to_text())
    exit_with(report.status)


def emit_json(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def exit_with(status: Status) -> None:
    """Return normally on PASSED; otherwise leave with the status's exit code."""
    if status is not Status.PASSED:
        raise click.exceptions.Exit(status.exit_code)
    return None


def _one_line(message: str) -> str:
    """Fold a multi-line message (some parsers produce them) into one line."""
    return "; ".join(part.strip() for part in message.splitlines() if part.strip())
