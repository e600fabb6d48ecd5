"""A small provincial identity provider (Flask): authorisation code + PKCE, SSO session,
JWKS, token endpoint (code and refresh grants), RP-initiated logout with back-channel
logout tokens to every city the user visited, introspection and revocation.

Demo only: users live in a dict, sessions in memory, and it runs over plain HTTP on localhost.
"""

from __future__ import annotations

import html
import secrets
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask, redirect, request
from werkzeug.wrappers import Response

from trustkit import sm2
from trustkit.sso import (
    GUANGDONG_2_5,
    JWK,
    Client,
    IdentityProvider,
    RelyingParty,
    TokenRejected,
    parse_token_request,
    same_secret,
)

COOKIE = "province_idp_session"
#: username -> (password, Guangdong 可信等级 code, display name)
USERS = {"zhangsan": ("correct horse", "4", "张三"), "lisi": ("battery staple", "3", "李四")}


@dataclass
class LoginSession:
    sid: str
    subject: str
    assurance_code: str
    auth_time: datetime
    clients: set[str] = field(default_factory=set)


class ProvincialIdP:
    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self.idp = IdentityProvider(
            issuer, JWK.from_key(sm2.generate_private_key()), assurance=GUANGDONG_2_5
        )
        self.clients: dict[str, Client] = {}
        self.sessions: dict[str, LoginSession] = {}
        self.pending: dict[str, dict[str, str]] = {}
        self.logout_log: list[tuple[str, int]] = []  # (client_id, HTTP status) for tests
        self._lock = threading.Lock()
        self.app = self._build()

    def register(self, client: Client) -> None:
        self.clients[client.client_id] = client

    # -- helpers -----------------------------------------------------------------------------

    def _session(self) -> LoginSession | None:
        sid = request.cookies.get(COOKIE)
        return self.sessions.get(sid) if sid else None

    def _code_redirect(self, params: dict[str, str], session: LoginSession) -> Response:
        data = {
            "sub": session.subject,
            "sid": session.sid,
            "nonce": params.get("nonce", ""),
            "scope": params.get("scope", "openid"),
        }
        code = self.idp.codes.issue(
            params["client_id"],
            params["redirect_uri"],
            data,
            code_challenge=params["code_challenge"],
        )
        with self._lock:
            session.clients.add(params["client_id"])
        query = {"code": code, "state": params.get("state", ""), "iss": self.issuer}
        return redirect(f"{params['redirect_uri']}?{urllib.parse.urlencode(query)}", 302)

    def _client_from_request(self) -> Client:
        client = self.clients.get(request.form.get("client_id", ""))
        if client is None:
            raise TokenRejected("bad-client", "unknown client")
        client.authenticate(request.form.get("client_secret"))
        return client

    def _backchannel_logout(self, session: LoginSession) -> None:
        for client_id in sorted(session.clients):
            client = self.clients[client_id]
            if client.backchannel_logout_uri is None:
                continue
            token = self.idp.issue_logout_token(
                audience=client_id, subject=session.subject, sid=session.sid
            )
            body = urllib.parse.urlencode({"logout_token": token}).encode()
            req = urllib.request.Request(client.backchannel_logout_uri, data=body, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=5) as answer:
                    status = answer.status
            except OSError:
                status = 0
            self.logout_log.append((client_id, status))

    # -- routes ------------------------------------------------------------------------------

    def _build(self) -> Flask:
        app = Flask("provincial_idp")

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            return self.idp.discovery(self.issuer)

        @app.get("/jwks")
        def jwks() -> Any:
            return self.idp.jwks()

        @app.get("/authorize")
        def authorize() -> Any:
            params = {k: request.args.get(k, "") for k in _AUTHORIZE_PARAMS}
            client = self.clients.get(params["client_id"])
            if client is None:
                return _page("Unknown client", "<p>unknown client_id</p>"), 400
            try:
                client.check_redirect(params["redirect_uri"])
            except TokenRejected:
                return _page("Bad request", "<p>redirect_uri is not registered</p>"), 400
            if params["response_type"] != "code" or params["code_challenge_method"] != "S256":
                return _page("Bad request", "<p>code flow with PKCE S256 only</p>"), 400
            session = self._session()
            if session is not None:  # single sign-on: no second login
                return self._code_redirect(params, session)
            login_id = secrets.token_urlsafe(16)
            self.pending[login_id] = params
            return _page("省统一身份认证平台 — Sign in", _login_form(login_id))

        @app.post("/login")
        def login() -> Any:
            params = self.pending.pop(request.form.get("login_id", ""), None)
            if params is None:
                return _page("Expired", "<p>login request expired</p>"), 400
            user = USERS.get(request.form.get("username", ""))
            password = request.form.get("password", "")
            if user is None or not same_secret(password, user[0]):
                login_id = secrets.token_urlsafe(16)
                self.pending[login_id] = params
                form = '<p id="error">Wrong username or password</p>' + _login_form(login_id)
                return _page("Sign in", form), 401
            session = LoginSession(
                secrets.token_urlsafe(16),
                request.form["username"],
                user[1],
                datetime.now(UTC),
            )
            self.sessions[session.sid] = session
            response = self._code_redirect(params, session)
            response.set_cookie(COOKIE, session.sid, httponly=True, samesite="Lax")
            return response

        @app.post("/token")
        def token() -> Any:
            try:
                client = self._client_from_request()
                return self._token_response(client)
            except TokenRejected as exc:
                return {"error": "invalid_grant", "error_description": exc.reason}, 400

        @app.get("/logout")
        def logout() -> Any:
            target = request.args.get("post_logout_redirect_uri", "")
            hint = request.args.get("id_token_hint", "")
            client_id = request.args.get("client_id", "")
            client = self.clients.get(client_id)
            if client is None or target not in client.post_logout_redirect_uris:
                return _page("Bad request", "<p>unregistered post-logout URI</p>"), 400
            session = self._session()
            if session is not None and self._hint_matches(hint, client_id, session):
                self.sessions.pop(session.sid, None)
                self._backchannel_logout(session)
            response = redirect(target, 302)
            response.delete_cookie(COOKIE)
            return response

        @app.post("/introspect")
        def introspect() -> Any:
            try:
                self._client_from_request()
                token, _hint = parse_token_request(request.form)
            except TokenRejected as exc:
                return {"error": "invalid_request", "error_description": exc.reason}, 400
            return self.idp.introspect(token)

        @app.post("/revoke")
        def revoke() -> Any:
            try:
                client = self._client_from_request()
                token, _hint = parse_token_request(request.form)
            except TokenRejected as exc:
                return {"error": "invalid_request", "error_description": exc.reason}, 400
            self.idp.revoke(token, client_id=client.client_id)
            return "", 200

        return app

    def _token_response(self, client: Client) -> dict[str, Any]:
        form = request.form
        if form.get("grant_type") == "refresh_token":
            refreshed = self.idp.refresh(form.get("refresh_token", ""), client_id=client.client_id)
            return refreshed.to_dict()
        if form.get("grant_type") != "authorization_code":
            raise TokenRejected("unsupported", "unsupported grant_type")
        grant = self.idp.codes.redeem(
            form.get("code", ""),
            client_id=client.client_id,
            redirect_uri=form.get("redirect_uri", ""),
            code_verifier=form.get("code_verifier"),
        )
        session = self.sessions.get(str(grant.data["sid"]))
        if session is None:
            raise TokenRejected("no-session", "the login session ended")
        tokens = self.idp.issue_tokens(
            subject=session.subject,
            client_id=client.client_id,
            scope=str(grant.data["scope"]),
            nonce=str(grant.data["nonce"]) or None,
            auth_time=session.auth_time,
            assurance_code=session.assurance_code,
            amr=["pwd"],
            sid=session.sid,
        )
        return tokens.to_dict()

    def _hint_matches(self, hint: str, client_id: str, session: LoginSession) -> bool:
        """The id_token_hint must be ours, for this client and this session (expiry ignored)."""
        checker = RelyingParty(
            issuer=self.issuer,
            client_id=client_id,
            keys=self.idp.keys,
            algorithms=[self.idp.algorithm],
            leeway=300,
        )
        try:
            claims = checker.validate_id_token(hint, nonce=None).claims
        except TokenRejected:
            return False
        return claims.get("sid") == session.sid


_AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)


def _login_form(login_id: str) -> str:
    return (
        '<form method="post" action="/login">'
        f'<input type="hidden" name="login_id" value="{html.escape(login_id)}">'
        '<label>Username <input id="username" name="username"></label>'
        '<label>Password <input id="password" name="password" type="password"></label>'
        '<button id="sign-in" type="submit">Sign in</button></form>'
    )


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
