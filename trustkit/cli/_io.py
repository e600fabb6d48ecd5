"""Reading inputs and writing outputs: ``-`` for stdin/stdout, no silent overwrites, 0600 keys."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from trustkit.cli._output import CliError

__all__ = ["check_writable", "read_bytes", "read_password", "write_bytes"]

STDIO = "-"
PASSWORD_ENV = "TRUSTKIT_KEY_PASSWORD"


def read_bytes(path: str, what: str) -> bytes:
    """Return the content of ``path`` (stdin for ``-``); a missing file is a usage error."""
    if path == STDIO:
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {what} '{path}': {exc.strerror or exc}") from exc


def read_password(password_file: str | None) -> bytes | None:
    """The key password from ``--password-file`` or $TRUSTKIT_KEY_PASSWORD, else None."""
    if password_file is not None:
        data = read_bytes(password_file, "password file")
        return data.removesuffix(b"\n").removesuffix(b"\r")
    env = os.environ.get(PASSWORD_ENV)
    return env.encode("utf-8") if env else None


def check_writable(paths: Iterable[str | None], *, force: bool) -> None:
    """Fail before doing any work if an output exists and ``--force`` was not given."""
    for path in paths:
        if path is None or path == STDIO or force:
            continue
        if os.path.lexists(path):
            raise CliError(f"'{path}' already exists; pass --force to overwrite it")


def write_bytes(path: str, data: bytes, *, force: bool, secret: bool = False) -> None:
    """Write ``data`` to ``path`` (stdout for ``-``); secrets get 0600 and never go to stdout."""
    if path == STDIO:
        if secret:
            raise CliError("refusing to write a private key to stdout; give a file name")
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        if force:
            _replace(path, data, secret)
        else:
            _create(path, data, secret)
    except FileExistsError as exc:
        raise CliError(f"'{path}' already exists; pass --force to overwrite it") from exc
    except OSError as exc:
        raise CliError(f"cannot write '{path}': {exc.strerror or exc}") from exc


def _create(path: str, data: bytes, secret: bool) -> None:
    """Create a new file atomically-exclusively (O_EXCL), so a race cannot clobber one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if secret else 0o666)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _replace(path: str, data: bytes, secret: bool) -> None:
    """Overwrite: secrets go through a fresh 0600 file renamed into place; others are truncated."""
    if not secret:
        with open(path, "wb") as out:
            out.write(data)
        return
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".trustkit-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
