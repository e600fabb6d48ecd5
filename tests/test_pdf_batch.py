"""Batches: stamp_many / verify_many, the manifest, resuming after a kill, and the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pdf_support as ps
import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization

from trustkit import pdf as tkpdf
from trustkit.cli import cli
from trustkit.pdf._manifest import Record
from trustkit.sm3 import sm3

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def kit() -> ps.SealKit:
    return ps.make_kit()


def _inputs(directory: Path, count: int, *, bad: bool = False) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = directory / f"licence-{index:04d}.pdf"
        path.write_bytes(ps.make_pdf(1, text=f"Licence No. {index:04d}"))
        paths.append(path)
    if bad:
        broken = directory / "broken.pdf"
        broken.write_bytes(b"%PDF-1.7\nthis is not a PDF body\n")
        paths.append(broken)
    return paths


def _tamper(data: bytes) -> bytes:
    """One byte changed inside the signed range (the document title, stored uncompressed)."""
    assert data.count(b"(trustkit test document)") == 1
    return data.replace(b"(trustkit test document)", b"(trustkit test Document)")


def _records(manifest: Path) -> list[Record]:
    return [
        Record(**json.loads(line)) for line in manifest.read_text().splitlines() if line.strip()
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_stamp_many_writes_each_output_once_and_leaves_inputs_alone(
    tmp_path: Path, kit: ps.SealKit, workers: int
) -> None:
    inputs = _inputs(tmp_path / "in", 6, bad=True)
    before = {p: sm3(p.read_bytes()) for p in inputs}
    out = tmp_path / "out"
    batch = tkpdf.stamp_many(
        inputs,
        out,
        seal=kit.seal.der,
        key=kit.key,
        cert=kit.cert,
        at=ps.SIGNING_TIME,
        workers=workers,
    )
    assert {p: sm3(p.read_bytes()) for p in inputs} == before
    assert batch.done == 6 and len(batch.failed) == 1 and batch.exit_code == 2
    assert batch.failed[0].input.endswith("broken.pdf")
    assert batch.failed[0].reason in ("pdf.structure_invalid", "pdf.unreadable")
    assert sorted(p.name for p in out.glob("*.pdf")) == sorted(p.name for p in inputs[:6])
    assert not list(out.glob(".*.tmp"))
    records = _records(out / tkpdf.MANIFEST_NAME)
    assert sorted(r.input for r in records if r.status == "done") == sorted(
        str(p) for p in inputs[:6]
    )
    for record in records:
        if record.status == "done":
            data = Path(record.output or "").read_bytes()
            assert sm3(data).hex() == record.output_sm3
            assert data.startswith(Path(record.input).read_bytes())
    batch_v = tkpdf.verify_many(
        sorted(out.glob("*.pdf")), trust=kit.anchors, at=ps.CHECK_TIME, workers=workers
    )
    assert batch_v.status.value == "PASSED" and batch_v.exit_code == 0
    assert batch_v.counts()["PASSED"] == 6


def test_a_second_run_skips_finished_documents(tmp_path: Path, kit: ps.SealKit) -> None:
    inputs = _inputs(tmp_path / "in", 4)
    out = tmp_path / "out"
    tkpdf.stamp_many(
        inputs, out, seal=kit.seal.der, key=kit.key, cert=kit.cert, at=ps.SIGNING_TIME, workers=1
    )
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("*.pdf")}
    inputs[1].write_bytes(ps.make_pdf(1, text="changed input"))
    again = tkpdf.stamp_many(
        inputs, out, seal=kit.seal.der, key=kit.key, cert=kit.cert, at=ps.SIGNING_TIME, workers=1
    )
    assert again.skipped == 3 and again.done == 4
    changed = out / inputs[1].name
    assert {p: p.stat().st_mtime_ns for p in out.glob("*.pdf") if p != changed} == {
        p: t for p, t in stamps.items() if p != changed
    }
    assert changed.read_bytes().startswith(inputs[1].read_bytes())


def test_output_over_the_input_is_refused(tmp_path: Path, kit: ps.SealKit) -> None:
    inputs = _inputs(tmp_path / "in", 1)
    batch = tkpdf.stamp_many(
        inputs, tmp_path / "in", seal=kit.seal.der, key=kit.key, cert=kit.cert, workers=1
    )
    assert batch.failed[0].reason == "batch.output_collision"
    assert inputs[0].read_bytes() == ps.make_pdf(1, text="Licence No. 0000")


def test_verify_many_reports_each_document(tmp_path: Path, kit: ps.SealKit) -> None:
    good = tkpdf.stamp_pdf(ps.make_pdf(1), kit.seal, kit.key, kit.cert, at=ps.SIGNING_TIME)
    files = {
        "good.pdf": good,
        "unsigned.pdf": ps.make_pdf(1),
        "junk.pdf": b"junk",
        "tampered.pdf": _tamper(good),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    batch = tkpdf.verify_many(
        [tmp_path / n for n in files], trust=kit.anchors, at=ps.CHECK_TIME, workers=1
    )
    status = {Path(i.path).name: i.status.value for i in batch.items}
    assert status == {
        "good.pdf": "PASSED",
        "unsigned.pdf": "FAILED",
        "junk.pdf": "FAILED",
        "tampered.pdf": "FAILED",
    }
    assert batch.exit_code == 1
    assert "not a PDF" in next(i.error for i in batch.items if i.path.endswith("junk.pdf"))
    untrusted = tkpdf.verify_many([tmp_path / "good.pdf"], at=ps.CHECK_TIME, workers=1)
    assert untrusted.exit_code == 3


def test_streamed_verification_keeps_only_verdicts(tmp_path: Path, kit: ps.SealKit) -> None:
    good = tkpdf.stamp_pdf(ps.make_pdf(1), kit.seal, kit.key, kit.cert, at=ps.SIGNING_TIME)
    (tmp_path / "a.pdf").write_bytes(good)
    (tmp_path / "b.pdf").write_bytes(_tamper(good))
    seen: list[tuple[str, str, bool]] = []
    batch = tkpdf.verify_many(
        [tmp_path / "a.pdf", tmp_path / "b.pdf"],
        trust=kit.anchors,
        at=ps.CHECK_TIME,
        workers=1,
        on_item=lambda i: seen.append((Path(i.path).name, i.status.value, i.report is not None)),
        keep_reports=False,
    )
    assert seen == [("a.pdf", "PASSED", True), ("b.pdf", "FAILED", True)]
    assert [(Path(i.path).name, i.status.value, i.report) for i in batch.items] == [
        ("a.pdf", "PASSED", None),
        ("b.pdf", "FAILED", None),
    ]
    assert batch.exit_code == 1


def test_stale_temporaries_are_removed_once_per_batch(tmp_path: Path, kit: ps.SealKit) -> None:
    """An interrupted run's temporaries go; other dot-files and targets stay (one dir scan)."""
    inputs = _inputs(tmp_path / "in", 2)
    out = tmp_path / "out"
    out.mkdir()
    stale = out / f".{inputs[0].name}.4242.tmp"
    stale.write_bytes(b"partial")
    unrelated = out / ".keep.tmp"
    unrelated.write_bytes(b"mine")
    batch = tkpdf.stamp_many(
        inputs, out, seal=kit.seal.der, key=kit.key, cert=kit.cert, at=ps.SIGNING_TIME, workers=1
    )
    assert batch.done == 2 and not stale.exists()
    assert unrelated.read_bytes() == b"mine"
    assert (out / inputs[0].name).read_bytes().startswith(inputs[0].read_bytes())


# --- the command line ---------------------------------------------------------------------------


def _files(tmp_path: Path, kit: ps.SealKit) -> dict[str, Path]:
    paths = {
        "seal": tmp_path / "seal.esl",
        "key": tmp_path / "key.pem",
        "cert": tmp_path / "cert.pem",
        "root": tmp_path / "root.pem",
    }
    paths["seal"].write_bytes(kit.seal.der)
    paths["key"].write_bytes(
        kit.key.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    for name, cert in (("cert", kit.cert), ("root", kit.pki.root.cert)):
        pem = cert.to_pem()
        paths[name].write_bytes(pem if isinstance(pem, bytes) else pem.encode())
    return paths


def _run(*args: object) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_cli_stamp_and_verify(tmp_path: Path, kit: ps.SealKit) -> None:
    files = _files(tmp_path, kit)
    inputs = _inputs(tmp_path / "in", 3, bad=True)
    out = tmp_path / "out"
    result = _run(
        "pdf",
        "stamp",
        "--seal",
        files["seal"],
        "--key",
        files["key"],
        "--cert",
        files["cert"],
        "--at",
        "2025-06-01T12:00:00Z",
        "--workers",
        "1",
        "--no-progress",
        "--keyword",
        "Licence",
        "--out-dir",
        out,
        *inputs,
    )
    assert result.exit_code == 2, result.output  # one input could not be stamped
    assert "3 stamped" in result.output and "1 failed" in result.output
    stamped = sorted(out.glob("*.pdf"))
    assert len(stamped) == 3
    ok = _run("pdf", "verify", "--trust", files["root"], "--at", "2025-07-01", "--json", *stamped)
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert data["status"] == "PASSED" and len(data["documents"]) == 3
    assert data["documents"][0]["signatures"][0]["status"] == "PASSED"
    untrusted = _run("pdf", "verify", "--at", "2025-07-01", stamped[0])
    assert untrusted.exit_code == 3
    (tmp_path / "bad.pdf").write_bytes(_tamper(stamped[0].read_bytes()))
    failed = _run(
        "pdf", "verify", "--trust", files["root"], "--at", "2025-07-01", tmp_path / "bad.pdf"
    )
    assert failed.exit_code == 1 and "FAILED" in failed.output


def test_cli_default_placement_is_the_last_page(tmp_path: Path, kit: ps.SealKit) -> None:
    files = _files(tmp_path, kit)
    source = tmp_path / "three.pdf"
    source.write_bytes(ps.make_pdf(3))
    result = _run(
        "pdf",
        "stamp",
        "--seal",
        files["seal"],
        "--key",
        files["key"],
        "--cert",
        files["cert"],
        "--workers",
        "0",
        "--no-progress",
        "--out-dir",
        tmp_path / "out",
        source,
    )
    assert result.exit_code == 0, result.output
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO((tmp_path / "out" / "three.pdf").read_bytes())) as pdf:
        assert [len(p.obj.get("/Annots", [])) for p in pdf.pages] == [0, 0, 1]


def test_cli_usage_errors(tmp_path: Path, kit: ps.SealKit) -> None:
    files = _files(tmp_path, kit)
    result = _run(
        "pdf",
        "stamp",
        "--seal",
        files["seal"],
        "--key",
        files["key"],
        "--cert",
        files["cert"],
        "--keyword",
        "x",
        "--riding-seam",
        "--out-dir",
        tmp_path / "o",
        tmp_path / "x.pdf",
    )
    assert result.exit_code == 2
    missing = _run(
        "pdf",
        "stamp",
        "--seal",
        tmp_path / "nope.esl",
        "--key",
        files["key"],
        "--cert",
        files["cert"],
        "--out-dir",
        tmp_path / "o",
        tmp_path / "x.pdf",
    )
    assert missing.exit_code == 2 and "error:" in missing.output


def test_killed_batch_resumes_without_redoing_or_duplicating(
    tmp_path: Path, kit: ps.SealKit
) -> None:
    files = _files(tmp_path, kit)
    count = 400
    inputs = tmp_path / "in"
    inputs.mkdir()
    base = ps.make_pdf(1, filler=60000)
    for index in range(count):
        (inputs / f"doc-{index:04d}.pdf").write_bytes(base)
    out = tmp_path / "out"
    manifest = out / tkpdf.MANIFEST_NAME
    command = [
        sys.executable,
        "-m",
        "trustkit.cli",
        "pdf",
        "stamp",
        "--seal",
        str(files["seal"]),
        "--key",
        str(files["key"]),
        "--cert",
        str(files["cert"]),
        "--at",
        "2025-06-01T12:00:00Z",
        "--workers",
        "1",
        "--no-progress",
        "--out-dir",
        str(out),
        *sorted(str(p) for p in inputs.glob("*.pdf")),
    ]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if manifest.exists() and manifest.read_text().count("\n") >= 20:
            break
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    first = [r for r in _records(manifest) if r.status == "done"]
    assert 20 <= len(first) < count, "the batch was not interrupted midway"
    finished = {r.input: Path(r.output or "").stat().st_mtime_ns for r in first}
    resumed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({len(first)} already done)" in resumed.stdout
    outputs = sorted(out.glob("*.pdf"))
    assert [p.name for p in outputs] == sorted(p.name for p in inputs.glob("*.pdf"))
    assert not list(out.glob(".*.tmp"))
    for source, stamp in finished.items():  # not redone
        assert (out / Path(source).name).stat().st_mtime_ns == stamp
    done = [r for r in _records(manifest) if r.status == "done"]
    assert sorted(r.input for r in done) == sorted(
        str(p) for p in inputs.glob("*.pdf")
    )  # each once
    batch = tkpdf.verify_many(outputs[::40], trust=kit.anchors, at=ps.CHECK_TIME, workers=1)
    assert batch.status.value == "PASSED"
