"""The ``trustkit`` command line, driven through click's CliRunner and as a real console script.

Every invocation is checked for its exit code (0 ok, 1 failed, 2 bad input, 3 indeterminate)
and for the absence of a Python traceback. OpenSSL 3 is the independent oracle for signatures.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from trustkit import sm2, x509
from trustkit.cli import cli

OPENSSL = shutil.which("openssl")
Require = Callable[[str], None]
DISTID = "distid:" + sm2.DEFAULT_UID.decode()


# --- helpers -------------------------------------------------------------------------------------


def run(*args: str | Path, stdin: bytes | None = None, env: dict[str, str] | None = None) -> Result:
    """Invoke the CLI in-process; never tolerate a traceback or an escaped exception."""
    result = CliRunner().invoke(cli, [str(a) for a in args], input=stdin, env=env)
    assert "Traceback" not in result.output, result.output
    assert "Traceback" not in result.stderr, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def expect(code: int, *args: str | Path, stdin: bytes | None = None) -> Result:
    result = run(*args, stdin=stdin)
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def one_error_line(result: Result) -> str:
    """The stderr of a failed command: exactly one ``error: ...`` line."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def console(*args: str | Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the installed ``trustkit`` console script (or ``python -m trustkit.cli`` without it)."""
    script = Path(sys.executable).with_name("trustkit")
    command: list[str] = (
        [str(script)] if script.exists() else [sys.executable, "-m", "trustkit.cli"]
    )
    proc = subprocess.run(
        [*command, *map(str, args)], input=stdin, capture_output=True, check=False
    )
    assert b"Traceback" not in proc.stderr, proc.stderr
    return proc


def openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The OpenSSL command line; tests using it first call ``require_oracle("openssl-cli")``."""
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *map(str, args)], capture_output=True, text=True, check=False)


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    key, pub = tmp_path / "k.pem", tmp_path / "p.pem"
    expect(0, "key", "generate", "--out", key, "--public-out", pub)
    return key, pub


@pytest.fixture
def message(tmp_path: Path) -> Path:
    path = tmp_path / "m.txt"
    path.write_bytes(b"hello, trustkit\n")
    return path


def sign(key: Path, msg: Path, out: Path, *extra: str) -> bytes:
    expect(0, "sign", "--key", key, *extra, msg, "--out", out)
    return out.read_bytes()


def verify_json(code: int, pub: Path, sig: Path, msg: Path, *extra: str) -> dict[str, object]:
    result = expect(code, "verify", "--public-key", pub, "--signature", sig, *extra, "--json", msg)
    report: dict[str, object] = json.loads(result.stdout)
    return report


# --- keys ----------------------------------------------------------------------------------------


def test_key_generate_writes_pkcs8_0600_and_matching_spki(keys: tuple[Path, Path]) -> None:
    key, pub = keys
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert pub.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    private = sm2.load_pem_private_key(key.read_bytes())
    assert private.public_key() == sm2.load_pem_public_key(pub.read_bytes())


def test_key_public_derives_the_same_public_key(keys: tuple[Path, Path], tmp_path: Path) -> None:
    key, pub = keys
    expect(0, "key", "public", "--key", key, "--out", tmp_path / "again.pem")
    assert (tmp_path / "again.pem").read_bytes() == pub.read_bytes()


def test_existing_output_is_kept_without_force(keys: tuple[Path, Path]) -> None:
    key, pub = keys
    before = key.read_bytes(), pub.read_bytes()
    result = expect(2, "key", "generate", "--out", key, "--public-out", pub)
    assert "already exists" in one_error_line(result)
    assert (key.read_bytes(), pub.read_bytes()) == before


def test_existing_public_out_stops_before_the_private_key_is_written(tmp_path: Path) -> None:
    pub = tmp_path / "p.pem"
    pub.write_bytes(b"keep me")
    expect(2, "key", "generate", "--out", tmp_path / "k.pem", "--public-out", pub)
    assert not (tmp_path / "k.pem").exists()
    assert pub.read_bytes() == b"keep me"


def test_force_overwrites_a_key_with_mode_0600(tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    key.write_bytes(b"old")
    key.chmod(0o644)
    expect(0, "key", "generate", "--out", key, "--force")
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_private_key_is_never_written_to_stdout() -> None:
    result = expect(2, "key", "generate", "--out", "-")
    assert "stdout" in one_error_line(result)
    assert "PRIVATE KEY" not in result.stdout


def test_encrypted_key_with_password_file_and_env(tmp_path: Path, message: Path) -> None:
    key, pw = tmp_path / "k.pem", tmp_path / "pw"
    pw.write_bytes(b"correct horse\n")
    expect(0, "key", "generate", "--out", key, "--password-file", pw)
    assert key.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert sm2.load_pem_private_key(key.read_bytes(), b"correct horse").private_value > 0

    expect(0, "sign", "--key", key, "--password-file", pw, message, "--out", tmp_path / "a.sig")
    env = {"TRUSTKIT_KEY_PASSWORD": "correct horse"}
    by_env = run("sign", "--key", key, message, "--out", tmp_path / "b.sig", env=env)
    assert by_env.exit_code == 0, by_env.stderr
    public = sm2.load_pem_private_key(key.read_bytes(), b"correct horse").public_key()
    for name in ("a.sig", "b.sig"):
        public.verify((tmp_path / name).read_bytes(), message.read_bytes())


def test_encrypted_key_without_password_is_bad_input(tmp_path: Path, message: Path) -> None:
    key, pw = tmp_path / "k.pem", tmp_path / "pw"
    pw.write_bytes(b"secret")
    expect(0, "key", "generate", "--out", key, "--password-file", pw)
    wrong = tmp_path / "wrong"
    wrong.write_bytes(b"not the secret")
    for extra in ((), ("--password-file", str(wrong))):
        result = expect(2, "sign", "--key", key, *extra, message, "--out", tmp_path / "s.sig")
        one_error_line(result)
        assert not (tmp_path / "s.sig").exists()


# --- sign / verify -------------------------------------------------------------------------------


def test_der_round_trip(keys: tuple[Path, Path], message: Path, tmp_path: Path) -> None:
    key, pub = keys
    sig = sign(key, message, tmp_path / "m.sig")
    assert len(sm2.der_to_raw(sig)) == 64  # strict DER SEQUENCE{r, s}
    sm2.load_pem_public_key(pub.read_bytes()).verify(sig, message.read_bytes())
    text = expect(0, "verify", "--public-key", pub, "--signature", tmp_path / "m.sig", message)
    assert text.stdout.startswith("PASSED")
    report = verify_json(0, pub, tmp_path / "m.sig", message)
    assert report["status"] == "PASSED"
    assert report["checks"] == [{"name": "signature", "status": "PASSED", "reason": "ok"}]


def test_raw_round_trip(keys: tuple[Path, Path], message: Path, tmp_path: Path) -> None:
    key, pub = keys
    raw = sign(key, message, tmp_path / "m.raw", "--raw")
    assert len(raw) == 64
    sm2.load_pem_public_key(pub.read_bytes()).verify(sm2.raw_to_der(raw), message.read_bytes())
    assert verify_json(0, pub, tmp_path / "m.raw", message, "--raw")["status"] == "PASSED"
    # the same bytes read as DER are malformed input, not a failed verification
    one_error_line(
        expect(2, "verify", "--public-key", pub, "--signature", tmp_path / "m.raw", message)
    )


def test_tampered_message_fails_with_exit_1(
    keys: tuple[Path, Path], message: Path, tmp_path: Path
) -> None:
    key, pub = keys
    sign(key, message, tmp_path / "m.sig")
    message.write_bytes(b"hello, trustkit!\n")
    report = verify_json(1, pub, tmp_path / "m.sig", message)
    assert report["status"] == "FAILED"
    assert report["checks"] == [
        {
            "name": "signature",
            "status": "FAILED",
            "reason": "bad-signature",
            "detail": "does not verify with this key",
        }
    ]
    text = expect(1, "verify", "--public-key", pub, "--signature", tmp_path / "m.sig", message)
    assert text.stdout.startswith("FAILED")


def test_other_key_fails(keys: tuple[Path, Path], message: Path, tmp_path: Path) -> None:
    key, _ = keys
    other = tmp_path / "other.pub"
    expect(0, "key", "generate", "--out", tmp_path / "o.pem", "--public-out", other)
    sign(key, message, tmp_path / "m.sig")
    assert verify_json(1, other, tmp_path / "m.sig", message)["status"] == "FAILED"


def test_uid_must_match(keys: tuple[Path, Path], message: Path, tmp_path: Path) -> None:
    key, pub = keys
    sig = tmp_path / "m.sig"
    sign(key, message, sig, "--uid", "alice@例え.cn")
    assert verify_json(1, pub, sig, message)["status"] == "FAILED"
    assert verify_json(1, pub, sig, message, "--uid", "bob@例え.cn")["status"] == "FAILED"
    assert verify_json(0, pub, sig, message, "--uid", "alice@例え.cn")["status"] == "PASSED"
    as_hex = "alice@例え.cn".encode().hex()
    report = verify_json(0, pub, sig, message, "--uid-hex", as_hex)
    assert report["facts"] == {"uid": as_hex, "signature_format": "der"}
    public = sm2.load_pem_public_key(pub.read_bytes())
    public.verify(sig.read_bytes(), message.read_bytes(), uid="alice@例え.cn".encode())


def test_default_uid_is_the_gmt_0009_default(
    keys: tuple[Path, Path], message: Path, tmp_path: Path
) -> None:
    key, pub = keys
    sig = tmp_path / "m.sig"
    sign(key, message, sig)
    assert verify_json(0, pub, sig, message, "--uid", "1234567812345678")["status"] == "PASSED"
    assert verify_json(1, pub, sig, message, "--uid-hex", "")["status"] == "FAILED"


def test_stdin_input(keys: tuple[Path, Path], message: Path, tmp_path: Path) -> None:
    key, pub = keys
    expect(0, "sign", "--key", key, "-", "--out", tmp_path / "s.sig", stdin=message.read_bytes())
    result = expect(
        0,
        "verify",
        "--public-key",
        pub,
        "--signature",
        tmp_path / "s.sig",
        "-",
        stdin=message.read_bytes(),
    )
    assert "stdin" in result.stdout
    assert verify_json(0, pub, tmp_path / "s.sig", message)["status"] == "PASSED"


def test_signature_and_public_key_to_stdout(keys: tuple[Path, Path], message: Path) -> None:
    key, pub = keys
    raw = console("sign", "--key", key, "--raw", message, "--out", "-")
    assert raw.returncode == 0 and len(raw.stdout) == 64
    public = sm2.load_pem_public_key(pub.read_bytes())
    public.verify(sm2.raw_to_der(raw.stdout), message.read_bytes())
    der = CliRunner().invoke(cli, ["sign", "--key", str(key), str(message), "--out", "-"])
    assert der.exit_code == 0
    public.verify(der.stdout_bytes, message.read_bytes())
    assert expect(0, "key", "public", "--key", key, "--out", "-").stdout == pub.read_text()


@pytest.mark.parametrize(
    "signature",
    [b"", b"not a signature", b"\x30\x00", b"\x30\x06\x02\x01\x01\x02\x01"],
    ids=["empty", "text", "empty-sequence", "truncated"],
)
def test_malformed_signature_is_exit_2(
    keys: tuple[Path, Path], message: Path, tmp_path: Path, signature: bytes
) -> None:
    _, pub = keys
    (tmp_path / "bad.sig").write_bytes(signature)
    result = expect(2, "verify", "--public-key", pub, "--signature", tmp_path / "bad.sig", message)
    one_error_line(result)
    assert result.stdout == ""


def test_well_formed_but_wrong_signature_is_exit_1(
    keys: tuple[Path, Path], message: Path, tmp_path: Path
) -> None:
    _, pub = keys
    (tmp_path / "one.sig").write_bytes(sm2.encode_der_signature(1, 1))
    report = verify_json(1, pub, tmp_path / "one.sig", message)
    assert report["status"] == "FAILED"


def test_der_signature_with_trailing_byte_is_exit_2(
    keys: tuple[Path, Path], message: Path, tmp_path: Path
) -> None:
    key, pub = keys
    sig = sign(key, message, tmp_path / "m.sig")
    (tmp_path / "m.sig").write_bytes(sig + b"\x00")
    one_error_line(
        expect(2, "verify", "--public-key", pub, "--signature", tmp_path / "m.sig", message)
    )


def test_raw_signature_of_wrong_length_is_exit_2(
    keys: tuple[Path, Path], message: Path, tmp_path: Path
) -> None:
    key, pub = keys
    raw = sign(key, message, tmp_path / "m.raw", "--raw")
    (tmp_path / "m.raw").write_bytes(raw[:63])
    result = expect(
        2, "verify", "--raw", "--public-key", pub, "--signature", tmp_path / "m.raw", message
    )
    one_error_line(result)


def test_missing_files_are_exit_2(keys: tuple[Path, Path], message: Path, tmp_path: Path) -> None:
    key, pub = keys
    nowhere = tmp_path / "nowhere"
    sig = tmp_path / "m.sig"
    sign(key, message, sig)
    cases: list[tuple[str | Path, ...]] = [
        ("sign", "--key", nowhere, message, "--out", tmp_path / "x.sig"),
        ("sign", "--key", key, nowhere, "--out", tmp_path / "x.sig"),
        ("verify", "--public-key", nowhere, "--signature", sig, message),
        ("verify", "--public-key", pub, "--signature", nowhere, message),
        ("verify", "--public-key", pub, "--signature", sig, nowhere),
        ("cert", "show", nowhere),
    ]
    for args in cases:
        line = one_error_line(expect(2, *args))
        assert str(nowhere) in line and "No such file" in line, line
    assert not (tmp_path / "x.sig").exists()


def test_garbage_key_file_is_exit_2(message: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    one_error_line(expect(2, "sign", "--key", junk, message, "--out", tmp_path / "s.sig"))
    one_error_line(expect(2, "verify", "--public-key", junk, "--signature", junk, message))


def test_existing_signature_is_kept_without_force(
    keys: tuple[Path, Path], message: Path, tmp_path: Path
) -> None:
    key, _ = keys
    out = tmp_path / "m.sig"
    out.write_bytes(b"precious")
    one_error_line(expect(2, "sign", "--key", key, message, "--out", out))
    assert out.read_bytes() == b"precious"
    expect(0, "sign", "--key", key, message, "--out", out, "--force")
    assert len(sm2.der_to_raw(out.read_bytes())) == 64


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("sign", "m.txt", "--out", "x.sig"),
        ("verify", "--signature", "s", "m.txt"),
        ("verify", "--public-key", "p", "--cert", "c", "--signature", "s", "m.txt"),
        ("verify", "--public-key", "p", "--signature", "s", "--uid", "a", "--uid-hex", "61", "m"),
        ("verify", "--public-key", "p", "--signature", "s", "--uid-hex", "zz", "m"),
        ("verify", "--public-key", "p", "--signature", "s", "--trust", "r", "m"),
        ("verify", "--cert", "c", "--signature", "s", "--at", "2025-01-01", "m"),
        ("verify", "--cert", "c", "--signature", "s", "--trust", "r", "--at", "soon", "m"),
        ("cert", "issue", "--subject", "CN=x", "--key", "k", "--out", "c.pem"),
        ("cert", "verify", "c.pem"),
        ("no-such-command",),
    ],
)
def test_usage_errors_are_exit_2(args: Sequence[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)


def test_unexpected_errors_are_one_line_unless_debug(
    keys: tuple[Path, Path], message: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("trustkit.cli._sign.load_private_key", boom)
    key, _ = keys
    args = ("sign", "--key", key, message, "--out", tmp_path / "s.sig")
    line = one_error_line(expect(2, *args))
    assert "internal error" in line and "boom" in line
    debug = CliRunner().invoke(cli, ["--debug", *map(str, args)])
    assert debug.exit_code == 2
    assert "Traceback" in debug.stderr and "RuntimeError: boom" in debug.stderr
    late = CliRunner().invoke(cli, [*map(str, args), "--debug"])
    assert late.exit_code == 2 and "Traceback" in late.stderr


# --- certificates --------------------------------------------------------------------------------


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Path]:
    """A self-signed root CA and a leaf it issued, made through the CLI."""
    p = {n: tmp_path / f"{n}.pem" for n in ("ca_key", "ca", "leaf_key", "leaf_pub", "leaf")}
    expect(0, "key", "generate", "--out", p["ca_key"])
    expect(0, "key", "generate", "--out", p["leaf_key"], "--public-out", p["leaf_pub"])
    expect(
        0,
        "cert",
        "issue",
        "--subject",
        "CN=Test Root,O=trustkit,C=CN",
        "--key",
        p["ca_key"],
        "--self-signed",
        "--ca",
        "--days",
        "30",
        "--out",
        p["ca"],
    )
    expect(
        0,
        "cert",
        "issue",
        "--subject",
        "CN=Leaf,O=trustkit,C=CN",
        "--key",
        p["leaf_pub"],
        "--issuer-cert",
        p["ca"],
        "--issuer-key",
        p["ca_key"],
        "--out",
        p["leaf"],
    )
    return p


def test_cert_show(pki: dict[str, Path]) -> None:
    text = expect(0, "cert", "show", pki["leaf"]).stdout
    assert "CN=Leaf" in text and "CN=Test Root" in text
    shown = json.loads(expect(0, "cert", "show", "--json", pki["ca"]).stdout)["certificates"]
    assert len(shown) == 1
    root = shown[0]
    assert root["subject"] == root["issuer"]
    assert "CN=Test Root" in root["subject"]
    assert root["is_ca"] is True
    ca_public = sm2.load_pem_private_key(pki["ca_key"].read_bytes()).public_key()
    assert root["public_key"] == ca_public.public_bytes_raw().hex()
    leaf = json.loads(expect(0, "cert", "show", "--json", pki["leaf"]).stdout)["certificates"][0]
    assert leaf["is_ca"] is False
    assert (
        leaf["public_key"]
        == sm2.load_pem_public_key(pki["leaf_pub"].read_bytes()).public_bytes_raw().hex()
    )


def test_cert_verify_passes_to_its_root(pki: dict[str, Path]) -> None:
    expect(0, "cert", "verify", pki["leaf"], "--trust", pki["ca"])
    result = expect(0, "cert", "verify", "--json", pki["leaf"], "--trust", pki["ca"])
    assert json.loads(result.stdout)["status"] == "PASSED"


def test_cert_verify_unrelated_root_is_indeterminate(pki: dict[str, Path], tmp_path: Path) -> None:
    other_key, other = tmp_path / "o.key", tmp_path / "o.pem"
    expect(0, "key", "generate", "--out", other_key)
    expect(
        0,
        "cert",
        "issue",
        "--subject",
        "CN=Other Root",
        "--key",
        other_key,
        "--self-signed",
        "--ca",
        "--out",
        other,
    )
    result = expect(3, "cert", "verify", "--json", pki["leaf"], "--trust", other)
    assert json.loads(result.stdout)["status"] == "INDETERMINATE"


def test_cert_verify_after_expiry_fails(pki: dict[str, Path]) -> None:
    result = expect(
        1,
        "cert",
        "verify",
        "--json",
        pki["leaf"],
        "--trust",
        pki["ca"],
        "--at",
        "2999-01-01T00:00:00Z",
    )
    assert json.loads(result.stdout)["status"] == "FAILED"


def test_cert_verify_with_crl(pki: dict[str, Path], tmp_path: Path) -> None:
    ca_key = sm2.load_pem_private_key(pki["ca_key"].read_bytes())
    ca = x509.load_pem_certificate(pki["ca"].read_bytes())
    leaf = x509.load_pem_certificate(pki["leaf"].read_bytes())
    now = datetime.now(UTC)
    start, end = now - timedelta(hours=1), now + timedelta(days=7)
    revoked_leaf = [(leaf.serial_number, now - timedelta(minutes=5))]
    revoking = x509.build_crl(ca, ca_key, revoked_leaf, this_update=start, next_update=end)
    empty = x509.build_crl(ca, ca_key, [], this_update=start, next_update=end)
    (tmp_path / "revoked.crl").write_bytes(revoking.to_pem())
    (tmp_path / "empty.crl").write_bytes(empty.der)  # DER, to exercise the other loader
    base = ("cert", "verify", "--json", pki["leaf"], "--trust", pki["ca"])
    revoked = json.loads(expect(1, *base, "--crl", tmp_path / "revoked.crl").stdout)
    assert revoked["status"] == "FAILED"
    fine = json.loads(expect(0, *base, "--crl", tmp_path / "empty.crl").stdout)
    assert fine["status"] == "PASSED"
    unknown = json.loads(expect(3, *base, "--require-revocation").stdout)
    assert unknown["status"] == "INDETERMINATE"
    (tmp_path / "junk.crl").write_bytes(b"\x30\x03\x02\x01\x01")
    one_error_line(expect(2, *base, "--crl", tmp_path / "junk.crl"))


def test_verify_with_certificate(pki: dict[str, Path], message: Path, tmp_path: Path) -> None:
    sig = tmp_path / "m.sig"
    sign(pki["leaf_key"], message, sig)
    base = ("verify", "--cert", pki["leaf"], "--signature", sig, "--json")
    report = json.loads(expect(0, *base, message).stdout)
    assert report["status"] == "PASSED"
    assert "CN=Leaf" in report["facts"]["certificate_subject"]
    trusted = json.loads(expect(0, *base, "--trust", pki["ca"], message).stdout)
    assert trusted["status"] == "PASSED"
    assert len(trusted["checks"]) > 1
    assert all(c["status"] == "PASSED" for c in trusted["checks"])
    untrusted = json.loads(expect(3, *base, "--trust", pki["leaf"], message).stdout)
    assert untrusted["status"] == "INDETERMINATE"
    by_root = json.loads(
        expect(1, "verify", "--cert", pki["ca"], "--signature", sig, "--json", message).stdout
    )
    assert by_root["status"] == "FAILED"


def test_cert_issue_argument_rules(pki: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "x.pem"
    base = ("cert", "issue", "--subject", "CN=x", "--out", out)
    expect(2, *base, "--key", pki["leaf_key"])  # neither --self-signed nor an issuer
    expect(
        2,
        *base,
        "--key",
        pki["leaf_key"],
        "--self-signed",
        "--issuer-cert",
        pki["ca"],
        "--issuer-key",
        pki["ca_key"],
    )
    expect(2, *base, "--key", pki["leaf_key"], "--issuer-cert", pki["ca"])
    one_error_line(expect(2, *base, "--key", pki["leaf_pub"], "--self-signed"))
    one_error_line(
        expect(
            2,
            *base,
            "--key",
            pki["leaf_key"],
            "--issuer-cert",
            pki["leaf_key"],
            "--issuer-key",
            pki["ca_key"],
        )
    )
    assert not out.exists()
    before = pki["leaf"].read_bytes()
    one_error_line(
        expect(
            2,
            "cert",
            "issue",
            "--subject",
            "CN=x",
            "--key",
            pki["leaf_pub"],
            "--issuer-cert",
            pki["ca"],
            "--issuer-key",
            pki["ca_key"],
            "--out",
            pki["leaf"],
        )
    )
    assert pki["leaf"].read_bytes() == before


# --- selftest, version ---------------------------------------------------------------------------


def test_selftest_passes() -> None:
    text = expect(0, "selftest").stdout
    assert text.startswith("PASSED")
    report = json.loads(expect(0, "selftest", "--json").stdout)
    assert report["status"] == "PASSED"
    assert len(report["checks"]) >= 1
    assert all(c["status"] == "PASSED" for c in report["checks"])


def test_selftest_failure_is_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    from trustkit import selftest

    results = [selftest.SelfTestResult("sm3-abc", True), selftest.SelfTestResult("sm2-sign", False)]
    monkeypatch.setattr(selftest, "run", lambda: results)
    report = json.loads(expect(1, "selftest", "--json").stdout)
    assert report["status"] == "FAILED"
    assert [(c["name"], c["status"]) for c in report["checks"]] == [
        ("sm3-abc", "PASSED"),
        ("sm2-sign", "FAILED"),
    ]


def test_version() -> None:
    from importlib.metadata import version

    assert expect(0, "version").stdout.strip() == f"trustkit {version('trustkit')}"
    assert expect(0, "--version").stdout.strip() == f"trustkit {version('trustkit')}"


def test_readme_python_examples_run() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert len(blocks) >= 2
    for block in blocks:
        if "not executed by the README test" in block:
            continue
        exec(compile(block, "README.md", "exec"), {})


# --- the real console script and OpenSSL as an oracle ---------------------------------------------


def test_console_script_round_trip_and_exit_codes(tmp_path: Path) -> None:
    key, pub, msg, sig = (tmp_path / n for n in ("k.pem", "p.pem", "m.txt", "m.sig"))
    msg.write_bytes(b"console\n")
    assert console("key", "generate", "--out", key, "--public-out", pub).returncode == 0
    assert console("sign", "--key", key, msg, "--out", sig).returncode == 0
    ok = console("verify", "--public-key", pub, "--signature", sig, "--json", msg)
    assert ok.returncode == 0 and json.loads(ok.stdout)["status"] == "PASSED"
    bad = console("verify", "--public-key", pub, "--signature", sig, "-", stdin=b"other\n")
    assert bad.returncode == 1 and bad.stdout.startswith(b"FAILED")
    missing = console("verify", "--public-key", pub, "--signature", tmp_path / "none", msg)
    assert missing.returncode == 2 and missing.stderr.startswith(b"error: ")
    assert console("selftest").returncode == 0


def test_openssl_verifies_a_trustkit_signature(
    keys: tuple[Path, Path], message: Path, tmp_path: Path, require_oracle: Require
) -> None:
    require_oracle("openssl-cli")
    key, pub = keys
    sig = tmp_path / "m.sig"
    assert console("sign", "--key", key, message, "--out", sig).returncode == 0
    ok = openssl("dgst", "-sm3", "-verify", pub, "-sigopt", DISTID, "-signature", sig, message)
    assert ok.returncode == 0 and "Verified OK" in ok.stdout, ok.stderr
    message.write_bytes(b"tampered")
    bad = openssl("dgst", "-sm3", "-verify", pub, "-sigopt", DISTID, "-signature", sig, message)
    assert bad.returncode != 0 and "Verification failure" in bad.stdout + bad.stderr


def test_trustkit_verifies_an_openssl_signature_and_key(
    message: Path, tmp_path: Path, require_oracle: Require
) -> None:
    require_oracle("openssl-cli")
    key, pub, sig = tmp_path / "ossl.pem", tmp_path / "ossl.pub", tmp_path / "ossl.sig"
    assert openssl("genpkey", "-algorithm", "SM2", "-out", key).returncode == 0
    assert openssl("pkey", "-in", key, "-pubout", "-out", pub).returncode == 0
    signed = openssl("dgst", "-sm3", "-sign", key, "-sigopt", DISTID, "-out", sig, message)
    assert signed.returncode == 0, signed.stderr
    assert verify_json(0, pub, sig, message)["status"] == "PASSED"
    # and a trustkit signature made with the OpenSSL-generated key
    mine = tmp_path / "mine.sig"
    sign(key, message, mine)
    ok = openssl("dgst", "-sm3", "-verify", pub, "-sigopt", DISTID, "-signature", mine, message)
    assert ok.returncode == 0, ok.stderr
