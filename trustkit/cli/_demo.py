"""``trustkit demo``: run the main jobs end to end on built-in defaults."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

from trustkit.demo import DemoStep, run_demo


@click.command("demo")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the certificates, seal, licence and reports (default: a new temp dir).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the steps as JSON.")
def demo(out_dir: Path | None, as_json: bool) -> None:
    """PKI, e-seal, sealed e-licence verified elsewhere, bulk verification and SSO, in seconds."""
    if out_dir is None:
        out_dir = Path(tempfile.mkdtemp(prefix="trustkit-demo-"))
    elif out_dir.exists() and any(out_dir.iterdir()):
        raise click.UsageError(f"{out_dir} exists and is not empty")

    def show(step: DemoStep) -> None:
        if not as_json:
            click.echo(f"[{'ok' if step.ok else 'FAILED'}] {step.name}: {step.detail}")

    steps = run_demo(out_dir, progress=show)
    passed = all(step.ok for step in steps)
    if as_json:
        payload = {
            "status": "PASSED" if passed else "FAILED",
            "out_dir": str(out_dir),
            "steps": [{"name": s.name, "ok": s.ok, "detail": s.detail, **s.facts} for s in steps],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{'PASSED' if passed else 'FAILED'}: artefacts in {out_dir}")
    if not passed:
        raise SystemExit(1)
