"""The ``trustkit`` command group and the one place that turns exceptions into exit codes.

Exit codes: 0 passed/ok, 1 verification failed, 2 bad usage or malformed input,
3 indeterminate (trust not established). No traceback is shown unless ``--debug``.
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from importlib import metadata
from typing import Any

import click

from trustkit.cli._cert import cert
from trustkit.cli._demo import demo
from trustkit.cli._keys import key
from trustkit.cli._ofd import ofd
from trustkit.cli._options import DEBUG_KEY, debug_option
from trustkit.cli._output import CliError
from trustkit.cli._pdf import pdf_group
from trustkit.cli._seal import seal_group
from trustkit.cli._selftest_cmd import selftest
from trustkit.cli._sign import sign, verify
from trustkit.cli._token import jwks, token
from trustkit.exceptions import InvalidSignature, MalformedInput, TrustError, TrustkitError

__all__ = ["cli", "exit_code_for", "main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INDETERMINATE = 0, 1, 2, 3
EXIT_INTERRUPTED = 130


def exit_code_for(exc: TrustkitError) -> int:
    """1 for a signature that does not verify, 3 for missing trust, 2 for everything else.

    Malformed input wins over the rest: a ``MalformedSignature`` is also an ``InvalidSignature``.
    """
    if isinstance(exc, MalformedInput):
        return EXIT_USAGE
    if isinstance(exc, InvalidSignature):
        return EXIT_FAILED
    if isinstance(exc, TrustError):
        return EXIT_INDETERMINATE
    return EXIT_USAGE


class TrustkitGroup(click.Group):
    """A click group whose subcommands' exceptions become one-line ``error:`` messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except TrustkitError as exc:
            raise _error(ctx, exc, str(exc) or type(exc).__name__, exit_code_for(exc)) from exc
        except OSError as exc:
            raise _error(ctx, exc, _os_message(exc), EXIT_USAGE) from exc
        except KeyboardInterrupt as exc:
            raise CliError("interrupted", EXIT_INTERRUPTED) from exc
        except Exception as exc:
            message = f"internal error: {type(exc).__name__}: {exc}"
            if not ctx.meta.get(DEBUG_KEY):
                message += " (run with --debug for a traceback)"
            raise _error(ctx, exc, message, EXIT_USAGE) from exc


def _error(ctx: click.Context, exc: BaseException, message: str, code: int) -> CliError:
    if ctx.meta.get(DEBUG_KEY):
        traceback.print_exception(exc)
    return CliError(message, code)


def _os_message(exc: OSError) -> str:
    where = f" '{exc.filename}'" if exc.filename else ""
    return f"{exc.strerror or type(exc).__name__}{where}"


def _version() -> str:
    try:
        return metadata.version("trustkit")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


@click.group(cls=TrustkitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", prog_name="trustkit", message="%(prog)s %(version)s")
@debug_option
def cli() -> None:
    """trustkit: SM2/SM3 signatures, keys and certificates.

    Exit codes: 0 ok/passed, 1 verification failed, 2 bad usage or malformed
    input, 3 indeterminate (e.g. trust not established).
    """


@cli.command("version")
def version() -> None:
    """Print the trustkit version."""
    click.echo(f"trustkit {_version()}")


for _command in (demo, key, sign, verify, cert, selftest, token, jwks, seal_group, ofd, pdf_group):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``trustkit`` console script."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="trustkit")
