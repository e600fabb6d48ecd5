"""``trustkit seal make|sign|inspect|verify`` and ``trustkit ofd verify``: exit codes and output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from seal_support import FIXTURES, Pki, make_pki, png

from trustkit import seal
from trustkit.cli import cli


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture
def files(tmp_path: Path, pki: Pki) -> dict[str, Path]:
    from cryptography.hazmat.primitives import serialization

    out = {}
    for name, party in (("maker", pki.maker), ("signer", pki.signer)):
        key = party.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        (tmp_path / f"{name}.key").write_bytes(key)
        (tmp_path / f"{name}.pem").write_bytes(party.cert.to_pem())
        out[f"{name}_key"], out[f"{name}_cert"] = tmp_path / f"{name}.key", tmp_path / f"{name}.pem"
    (tmp_path / "root.pem").write_bytes(pki.root.cert.to_pem())
    (tmp_path / "seal.png").write_bytes(png())
    (tmp_path / "doc.xml").write_bytes(b"<doc/>")
    out.update(root=tmp_path / "root.pem", picture=tmp_path / "seal.png", doc=tmp_path / "doc.xml")
    out["dir"] = tmp_path
    return out


def make(files: dict[str, Path], *extra: str) -> Path:
    out = files["dir"] / "seal.esl"
    result = run(
        "seal", "make",
        "--maker-key", files["maker_key"], "--maker-cert", files["maker_cert"],
        "--signer-cert", files["signer_cert"], "--name", "命令行测试章",
        "--picture", files["picture"], "--width-mm", "40", "--height-mm", "38",
        "--days", "30", "--out", out, *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def test_make_inspect_sign_verify(files: dict[str, Path]) -> None:
    esl = make(files)
    parsed = seal.load_seal(esl.read_bytes())
    assert (parsed.name, parsed.picture.width_mm, parsed.picture.height_mm, parsed.generation) == (
        "命令行测试章",
        40,
        38,
        4,
    )
    shown = run("seal", "inspect", esl, "--json", "--picture-out", files["dir"] / "out.png")
    assert shown.exit_code == 0
    data = json.loads(shown.output)
    assert data["kind"] == "seal" and data["name"] == "命令行测试章"
    assert data["signer_certificates"][0]["subject"].startswith("CN=Seal Signer")
    assert (files["dir"] / "out.png").read_bytes() == png()
    assert "name: 命令行测试章" in run("seal", "inspect", esl).output

    sig = files["dir"] / "sig.dat"
    signed = run(
        "seal", "sign", "--seal", esl, "--key", files["signer_key"], "--cert", files["signer_cert"],
        "--data", files["doc"], "--property-info", "doc.xml", "--out", sig,
    )  # fmt: skip
    assert signed.exit_code == 0, signed.output
    ok = run("seal", "verify", sig, "--data", files["doc"], "--trust", files["root"], "--json")
    assert ok.exit_code == 0, ok.output
    report = json.loads(ok.output)
    assert report["status"] == "PASSED" and report["signatures"][0]["kind"] == "ses_signature"
    assert run("seal", "verify", sig, "--data", files["doc"]).exit_code == 3
    (files["dir"] / "other.xml").write_bytes(b"<other/>")
    assert (
        run(
            "seal", "verify", sig, "--data", files["dir"] / "other.xml", "--trust", files["root"]
        ).exit_code
        == 1
    )
    assert run("seal", "verify", esl, "--trust", files["root"]).exit_code == 0


def test_make_v5_and_digest_list(files: dict[str, Path]) -> None:
    esl = make(files, "--seal-version", "5", "--cert-digests", "--es-id", "33010600000009")
    parsed = seal.load_seal(esl.read_bytes())
    assert (parsed.generation, parsed.cert_list_type, parsed.es_id) == (5, 2, "33010600000009")


def test_make_refuses_overwrite_and_bad_picture(files: dict[str, Path]) -> None:
    make(files)
    again = run(
        "seal", "make", "--maker-key", files["maker_key"], "--maker-cert", files["maker_cert"],
        "--signer-cert", files["signer_cert"], "--name", "x", "--picture", files["doc"],
        "--width-mm", "40", "--height-mm", "40", "--out", files["dir"] / "seal.esl", "--force",
    )  # fmt: skip
    assert again.exit_code == 2 and "PNG, GIF or JPEG" in again.stderr


def test_ofd_verify_fixtures() -> None:
    one = run("ofd", "verify", FIXTURES / "1.ofd", "--json")
    assert one.exit_code == 3
    data = json.loads(one.output)
    assert data["status"] == "INDETERMINATE"
    assert {"status", "checks"} <= set(data["signatures"][0])
    assert run("ofd", "verify", FIXTURES / "n.ofd").exit_code == 1
    text = run("ofd", "verify", FIXTURES / "v4signed.ofd").output
    assert "INDETERMINATE" in text and "references: ok — 13/13 match" in text
    bad = run("ofd", "verify", FIXTURES / "LICENSE")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: not a ZIP")


def test_seal_verify_fixtures() -> None:
    assert run("seal", "verify", FIXTURES / "SESealData.DER", "--at", "2021-01-01").exit_code == 1
    assert run("seal", "verify", FIXTURES / "UserV4.esl", "--at", "2021-01-01").exit_code == 3
    signed = run("seal", "verify", FIXTURES / "SignedValueV4.dat", "--at", "2021-01-01", "--json")
    assert json.loads(signed.output)["signatures"][0]["kind"] == "ses_signature"
    garbage = run("seal", "verify", FIXTURES / "README.md")
    assert garbage.exit_code == 2
    with_data = run("seal", "verify", FIXTURES / "UserV4.esl", "--data", FIXTURES / "README.md")
    assert with_data.exit_code == 2
