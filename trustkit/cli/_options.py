"""Options shared by several commands, declared once."""

from __future__ import annotations

import binascii
from collections.abc import Callable
from typing import Any, TypeVar

import click

from trustkit import sm2

__all__ = [
    "DEBUG_KEY",
    "debug_option",
    "force_option",
    "json_option",
    "password_file_option",
    "resolve_uid",
    "uid_options",
]

F = TypeVar("F", bound=Callable[..., Any])
DEBUG_KEY = "trustkit.debug"


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[DEBUG_KEY] = True


def debug_option(func: F) -> F:
    """``--debug``: show full tracebacks; accepted before or after the subcommand."""
    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_debug,
        help="Show a full traceback when something goes wrong.",
    )(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")(func)


def force_option(func: F) -> F:
    return click.option("--force", is_flag=True, help="Overwrite output files that exist.")(func)


def password_file_option(func: F) -> F:
    return click.option(
        "--password-file",
        type=str,
        metavar="FILE",
        help="File holding the key's password (default: $TRUSTKIT_KEY_PASSWORD).",
    )(func)


def uid_options(func: F) -> F:
    """``--uid TEXT`` (UTF-8) or ``--uid-hex HEX``; resolve with :func:`resolve_uid`."""
    func = click.option("--uid-hex", metavar="HEX", help="Signer ID as hex.")(func)
    return click.option(
        "--uid",
        metavar="TEXT",
        help=f"Signer ID as UTF-8 text (default: {sm2.DEFAULT_UID.decode()}).",
    )(func)


def resolve_uid(uid: str | None, uid_hex: str | None) -> bytes:
    if uid is not None and uid_hex is not None:
        raise click.UsageError("give --uid or --uid-hex, not both")
    if uid_hex is not None:
        try:
            return binascii.unhexlify(uid_hex.strip())
        except (binascii.Error, ValueError) as exc:
            raise click.BadParameter("not a hex string", param_hint="--uid-hex") from exc
    return sm2.DEFAULT_UID if uid is None else uid.encode("utf-8")
