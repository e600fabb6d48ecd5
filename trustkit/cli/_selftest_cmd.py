"""``trustkit selftest``: run the engine's known-answer tests."""

from __future__ import annotations

import click

from trustkit.cli._options import debug_option, json_option
from trustkit.cli._output import emit_report
from trustkit.report import Check, Report, Status

__all__ = ["selftest"]


@click.command()
@json_option
@debug_option
def selftest(as_json: bool) -> None:
    """Run the known-answer tests of the SM2/SM3 engine.

    Exit 0 when every test passes, 1 otherwise.
    """
    emit_report(Report("trustkit selftest", _run_kats()), as_json=as_json)


def _run_kats() -> tuple[Check, ...]:
    from trustkit import selftest as kats  # imported late: a broken engine is a failed test

    try:
        results = kats.run()
    except Exception as exc:  # a KAT that blows up is a failed self-test, reported as such
        return (Check("selftest", Status.FAILED, "error", f"{type(exc).__name__}: {exc}"),)
    return tuple(
        Check(r.name, Status.PASSED) if r.passed else Check(r.name, Status.FAILED, "kat-mismatch")
        for r in results
    )
