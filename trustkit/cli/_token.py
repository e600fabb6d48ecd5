"""``trustkit token issue|verify`` and ``trustkit jwks``: JWTs signed with SM2 (or ES256 ...).

``token verify`` exits 0 when the token is valid, 1 when it is rejected (the report names the
reason) and 2 on bad usage. Keys come only from ``--jwks``; the token's own headers are never
followed. Tokens are read from the argument or, with ``-``, from stdin.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import click

from trustkit.cli._dates import parse_moment
from trustkit.cli._io import read_bytes
from trustkit.cli._load import load_private_key, load_subject_key
from trustkit.cli._options import debug_option, json_option, password_file_option
from trustkit.cli._output import CliError, emit_report
from trustkit.exceptions import MalformedInput, TrustkitError
from trustkit.report import Check, Report, Status
from trustkit.sso import JWK, JWKSet, JWSVerifier, KeySource, RemoteJWKS, TokenRejected, sign_jws
from trustkit.sso._claims import check_audience, check_times, check_types, epoch

__all__ = ["jwks", "token"]


@click.group()
def token() -> None:
    """Issue and verify JSON Web Tokens (JWS alg SM2 by default)."""


@token.command("issue")
@click.option(
    "--key",
    "key_path",
    required=True,
    metavar="KEY",
    help="SM2 private key (PEM/DER) or a private JWK (JSON).",
)
@click.option("--issuer", required=True, help="iss claim.")
@click.option("--subject", required=True, help="sub claim.")
@click.option("--audience", "audiences", multiple=True, required=True, help="aud (repeatable).")
@click.option(
    "--ttl",
    type=click.IntRange(1, 86400),
    default=300,
    show_default=True,
    help="Lifetime in seconds.",
)
@click.option(
    "--claim",
    "claims",
    multiple=True,
    metavar="NAME=JSON",
    help="Extra claim; the value is JSON, or a plain string.",
)
@click.option("--algorithm", default="SM2", show_default=True, help="JWS alg.")
@click.option("--kid", help="Key ID (default: the RFC 7638 thumbprint).")
@click.option("--typ", default="JWT", show_default=True, help="typ header.")
@click.option("--at", metavar="TIME", help="Issue time (ISO 8601; default now).")
@password_file_option
@debug_option
def issue(
    key_path: str,
    issuer: str,
    subject: str,
    audiences: Sequence[str],
    ttl: int,
    claims: Sequence[str],
    algorithm: str,
    kid: str | None,
    typ: str,
    at: str | None,
    password_file: str | None,
) -> None:
    """Sign a JWT and print it."""
    signing_key = _signing_key(key_path, password_file, kid)
    now = int(epoch(parse_moment(at)))
    payload: dict[str, Any] = {"iss": issuer, "sub": subject}
    payload["aud"] = audiences[0] if len(audiences) == 1 else list(audiences)
    payload.update(iat=now, nbf=now, exp=now + ttl)
    payload.update(_extra_claims(claims))
    try:
        click.echo(sign_jws(payload, signing_key, alg=algorithm, typ=typ))
    except (TokenRejected, ValueError) as exc:
        raise CliError(str(exc)) from None


def _signing_key(path: str, password_file: str | None, kid: str | None) -> JWK:
    data = read_bytes(path, "key")
    if data.lstrip().startswith(b"{"):
        loaded = JWK.from_dict(_json_object(data, "key"), allow_private=True)
        if not loaded.private:
            raise CliError("the JWK has no private part ('d')")
        return JWK.from_key(loaded.key, kid=kid or loaded.kid)
    return JWK.from_key(load_private_key(path, password_file), kid=kid)


def _extra_claims(items: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--claim")
        try:
            out[name] = json.loads(value)
        except ValueError:
            out[name] = value
    return out


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise CliError(f"{what} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise CliError(f"{what} must be a JSON object")
    return value


@token.command("verify")
@click.argument("token_text", metavar="TOKEN")
@click.option("--jwks", "jwks_source", required=True, metavar="FILE|URL", help="Issuer's JWKS.")
@click.option("--issuer", help="Required iss (exact match).")
@click.option("--audience", help="Required member of aud.")
@click.option(
    "--algorithm",
    "algorithms",
    multiple=True,
    metavar="ALG",
    help="Allowed alg (repeatable; default SM2).",
)
@click.option("--typ", help="Required typ header (e.g. at+jwt).")
@click.option(
    "--leeway",
    type=click.FloatRange(0, 300),
    default=30,
    show_default=True,
    help="Clock skew allowed, in seconds.",
)
@click.option("--at", metavar="TIME", help="Validation time (ISO 8601; default now).")
@click.option("--allow-http", is_flag=True, help="Allow an http:// JWKS URL (testing only).")
@json_option
@debug_option
def verify(
    token_text: str,
    jwks_source: str,
    issuer: str | None,
    audience: str | None,
    algorithms: Sequence[str],
    typ: str | None,
    leeway: float,
    at: str | None,
    allow_http: bool,
    as_json: bool,
) -> None:
    """Verify TOKEN (- for stdin) with keys from --jwks.

    Checks the signature with an allowlisted alg, claim types and times, and --issuer,
    --audience and --typ when given. Exit 0 valid, 1 rejected, 2 bad usage.
    """
    raw = sys.stdin.read().strip() if token_text == "-" else token_text.strip()
    try:
        verifier = JWSVerifier(
            _key_source(jwks_source, allow_http), algorithms=algorithms or ("SM2",)
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--algorithm") from None
    report = _verify_report(verifier, raw, issuer, audience, typ, leeway, parse_moment(at))
    emit_report(report, as_json=as_json)


def _key_source(source: str, allow_http: bool) -> KeySource:
    if source.startswith(("https://", "http://")):
        try:
            return RemoteJWKS(source, allow_http=allow_http)
        except MalformedInput as exc:
            raise click.BadParameter(str(exc), param_hint="--jwks") from None
    try:
        return JWKSet.from_json(read_bytes(source, "JWKS"))
    except TrustkitError as exc:
        raise CliError(f"JWKS: {exc}") from None


def _verify_report(
    verifier: JWSVerifier,
    raw: str,
    issuer: str | None,
    audience: str | None,
    typ: str | None,
    leeway: float,
    moment: datetime | None,
) -> Report:
    facts: dict[str, Any] = {}
    try:
        verified = verifier.verify(raw, typ=typ)
        facts = {"alg": verified.header.get("alg"), "kid": verified.key.kid}
        checks = [Check("signature", Status.PASSED)]
        claims = verified.payload
        checks.append(_claims_check(claims, issuer, audience, leeway, moment))
        facts["claims"] = claims
    except TokenRejected as exc:
        checks = [Check("token", Status.FAILED, exc.reason, str(exc))]
    return Report("JWT", tuple(checks), facts)


def _claims_check(
    claims: dict[str, Any],
    issuer: str | None,
    audience: str | None,
    leeway: float,
    moment: datetime | None,
) -> Check:
    try:
        check_types(claims)
        if issuer is not None and claims.get("iss") != issuer:
            raise TokenRejected("wrong-issuer", "iss is not the expected issuer")
        if audience is not None:
            check_audience(claims, audience, strict=False)
        check_times(claims, now=epoch(moment), leeway=leeway)
    except TokenRejected as exc:
        return Check("claims", Status.FAILED, exc.reason, str(exc))
    return Check("claims", Status.PASSED)


@click.command("jwks")
@click.argument("key_paths", metavar="KEY...", nargs=-1, required=True)
@click.option("--alg", help="Bind every key to this alg in the published set.")
@password_file_option
@debug_option
def jwks(key_paths: Sequence[str], alg: str | None, password_file: str | None) -> None:
    """Print the public JWKS for KEY... (SM2 private keys, or PEM public keys)."""
    keys = [
        JWK.from_key(_public(load_subject_key(path, password_file)), alg=alg) for path in key_paths
    ]
    try:
        published = JWKSet.from_keys(keys, precompute=False)
    except MalformedInput as exc:
        raise CliError(str(exc)) from None
    click.echo(published.to_json())


def _public(key: Any) -> Any:
    return key.public_key() if hasattr(key, "private_bytes_raw") else key
