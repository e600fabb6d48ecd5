"""The ``trustkit`` command line: a thin shell over the library (see ``trustkit --help``)."""

from __future__ import annotations

from trustkit.cli._app import cli, exit_code_for, main

__all__ = ["cli", "exit_code_for", "main"]
