"""``trustkit demo`` runs every main job end to end and leaves checkable artefacts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from trustkit import seal, x509
from trustkit.cli import _app
from trustkit.report import Status


def test_demo_passes_and_writes_artefacts(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(_app.cli, ["demo", "--out-dir", str(out), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["status"] == "PASSED"
    names = [s["name"] for s in payload["steps"]]
    assert {
        "make e-seal",
        "verify in another city",
        "tampered licence",
        "bulk verification",
    } <= set(names)
    assert all(s["ok"] for s in payload["steps"])
    for name in (
        "root.pem",
        "issuing-ca.pem",
        "department.esl",
        "licence.json",
        "licence.json.ses",
    ):
        assert (out / name).stat().st_size > 0
    # the artefacts verify again, independently of the demo run
    root = x509.load_pem_certificate((out / "root.pem").read_bytes())
    ca = x509.load_pem_certificate((out / "issuing-ca.pem").read_bytes())
    report = seal.verify_seal_signature(
        (out / "licence.json.ses").read_bytes(),
        data=(out / "licence.json").read_bytes(),
        trust=x509.TrustAnchors([root]),
        intermediates=[ca],
    )
    assert report.status is Status.PASSED


def test_demo_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(_app.cli, ["demo", "--out-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_openssl_accepts_the_demo_certificates(tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        if os.environ.get("CI") == "true":
            pytest.fail("openssl is required under CI")
        pytest.skip("openssl not installed")
    out = tmp_path / "demo"
    assert CliRunner().invoke(_app.cli, ["demo", "--out-dir", str(out)]).exit_code == 0
    # each link checked by OpenSSL with the SM2 ID (OpenSSL 3.0's -vfyopt reaches one level)
    for leaf, issuer in (("issuing-ca.pem", "root.pem"), ("department.pem", "issuing-ca.pem")):
        proc = subprocess.run(
            [
                openssl,
                "verify",
                "-partial_chain",
                "-vfyopt",
                "distid:1234567812345678",
                "-CAfile",
                str(out / issuer),
                str(out / leaf),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0 and ": OK" in proc.stdout, proc.stdout + proc.stderr
