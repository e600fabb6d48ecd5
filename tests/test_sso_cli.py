"""``trustkit token issue|verify`` and ``trustkit jwks``: exit codes 0 valid, 1 rejected,
2 bad usage; ``--json`` output has a top-level ``status``; the JWKS may be a file or a URL.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from trustkit import sm2
from trustkit.cli import cli
from trustkit.sso import JWK, JWKSet, RelyingParty

AT = "2026-03-01T08:00:00+00:00"


def run(*args: str | Path, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args], input=stdin)
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Any]:
    key = sm2.generate_private_key()
    key_path = tmp_path / "idp.pem"
    key_path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    jwks_path = tmp_path / "jwks.json"
    result = run("jwks", key_path)
    assert result.exit_code == 0, result.output
    jwks_path.write_text(result.stdout)
    return {"key": key, "key_path": key_path, "jwks": jwks_path, "tmp": tmp_path}


def issue(setup: dict[str, Any], *extra: str) -> str:
    result = run(
        "token",
        "issue",
        "--key",
        setup["key_path"],
        "--issuer",
        "https://idp",
        "--subject",
        "u1",
        "--audience",
        "city-a",
        "--at",
        AT,
        *extra,
    )
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def verify(setup: dict[str, Any], token: str, *extra: str | Path) -> Result:
    return run("token", "verify", token, "--jwks", setup["jwks"], "--at", AT, *extra)


def test_jwks_command_publishes_public_sm2_keys(setup: dict[str, Any]) -> None:
    published = json.loads(setup["jwks"].read_text())
    (entry,) = published["keys"]
    assert entry["kty"] == "EC" and entry["crv"] == "SM2" and "d" not in entry
    assert entry["kid"] == JWK.from_key(setup["key"]).kid
    assert JWKSet.from_dict(published).get_key(entry["kid"]).public_key == setup["key"].public_key()


def test_issue_then_verify(setup: dict[str, Any]) -> None:
    token = issue(setup, "--claim", "acr=urn:trustkit:loa:3", "--claim", 'amr=["pwd"]')
    result = verify(setup, token, "--issuer", "https://idp", "--audience", "city-a", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["status"] == "PASSED"
    assert report["facts"]["claims"]["acr"] == "urn:trustkit:loa:3"
    assert report["facts"]["claims"]["amr"] == ["pwd"]
    assert report["facts"]["alg"] == "SM2"
    # the library accepts what the CLI issued
    keys = JWKSet.from_json(setup["jwks"].read_bytes())
    rp = RelyingParty(issuer="https://idp", client_id="city-a", keys=keys, algorithms=["SM2"])
    from datetime import datetime

    assert rp.validate_id_token(token, nonce=None, at=datetime.fromisoformat(AT)).subject == "u1"


def test_verify_from_stdin_and_text_output(setup: dict[str, Any]) -> None:
    token = issue(setup)
    result = run("token", "verify", "-", "--jwks", setup["jwks"], "--at", AT, stdin=token + "\n")
    assert result.exit_code == 0
    assert result.stdout.startswith("PASSED: JWT")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--issuer", "https://other"), "wrong-issuer"),
        (("--audience", "city-b"), "wrong-audience"),
        (("--algorithm", "ES256"), "alg-not-allowed"),
        (("--typ", "at+jwt"), "wrong-typ"),
    ],
)
def test_rejections_exit_1(setup: dict[str, Any], args: tuple[str, ...], reason: str) -> None:
    result = verify(setup, issue(setup), *args, "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["status"] == "FAILED"
    assert reason in [c["reason"] for c in report["checks"]]


def test_expired_and_tampered_exit_1(setup: dict[str, Any]) -> None:
    token = issue(setup, "--ttl", "60")
    later = run(
        "token",
        "verify",
        token,
        "--jwks",
        setup["jwks"],
        "--at",
        "2026-03-01T09:00:00+00:00",
        "--json",
    )
    assert later.exit_code == 1 and json.loads(later.stdout)["checks"][-1]["reason"] == "expired"
    h, p, s = token.split(".")
    sig = bytearray(base64.urlsafe_b64decode(s + "=="))
    sig[5] ^= 1
    bad = f"{h}.{p}.{base64.urlsafe_b64encode(bytes(sig)).rstrip(b'=').decode()}"
    result = verify(setup, bad, "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["checks"][0]["reason"] == "bad-signature"
    garbage = verify(setup, "not-a-token", "--json")
    assert garbage.exit_code == 1
    assert json.loads(garbage.stdout)["checks"][0]["reason"] == "malformed"


def test_bad_usage_exits_2(setup: dict[str, Any]) -> None:
    token = issue(setup)
    missing_jwks = run("token", "verify", token)
    assert missing_jwks.exit_code == 2
    no_file = run("token", "verify", token, "--jwks", setup["tmp"] / "absent.json")
    assert no_file.exit_code == 2 and "error:" in no_file.stderr
    bad_alg = verify(setup, token, "--algorithm", "none")
    assert bad_alg.exit_code == 2
    bad_scheme = run("token", "verify", token, "--jwks", "ftp://x/jwks")
    assert bad_scheme.exit_code == 2
    plain_http = run("token", "verify", token, "--jwks", "http://127.0.0.1:1/jwks")
    assert plain_http.exit_code == 2
    not_jwks = setup["tmp"] / "x.json"
    not_jwks.write_text('{"keys": []}')
    assert run("token", "verify", token, "--jwks", not_jwks).exit_code == 2
    bad_claim = run(
        "token",
        "issue",
        "--key",
        setup["key_path"],
        "--issuer",
        "i",
        "--subject",
        "s",
        "--audience",
        "a",
        "--claim",
        "novalue",
    )
    assert bad_claim.exit_code == 2


def test_issue_with_private_jwk(setup: dict[str, Any]) -> None:
    key = setup["key"]
    jwk_path = setup["tmp"] / "key.jwk"
    raw = base64.urlsafe_b64encode(key.private_bytes_raw()).rstrip(b"=").decode()
    jwk_path.write_text(json.dumps({**JWK.from_key(key, kid="k-2026").to_dict(), "d": raw}))
    result = run(
        "token",
        "issue",
        "--key",
        jwk_path,
        "--issuer",
        "https://idp",
        "--subject",
        "u1",
        "--audience",
        "city-a",
        "--at",
        AT,
    )
    assert result.exit_code == 0, result.output
    header = json.loads(base64.urlsafe_b64decode(result.stdout.split(".")[0] + "=="))
    assert header == {"alg": "SM2", "kid": "k-2026", "typ": "JWT"}
    public_only = setup["tmp"] / "pub.jwk"
    public_only.write_text(json.dumps(JWK.from_key(key).to_dict()))
    result = run(
        "token", "issue", "--key", public_only, "--issuer", "i", "--subject", "s", "--audience", "a"
    )
    assert result.exit_code == 2 and "no private part" in result.stderr


@pytest.fixture
def jwks_server(setup: dict[str, Any]) -> Iterator[str]:
    body = setup["jwks"].read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/jwks"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_verify_with_jwks_url(setup: dict[str, Any], jwks_server: str) -> None:
    token = issue(setup)
    result = run(
        "token", "verify", token, "--jwks", jwks_server, "--allow-http", "--at", AT, "--json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "PASSED"
