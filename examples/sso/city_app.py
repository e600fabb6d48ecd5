"""A city relying-party web app (Flask): login through the provincial IdP with the
authorisation-code flow and PKCE, ID-token validation with trustkit (SM2 only), a local
session, RP-initiated logout, and a back-channel logout endpoint.

Demo only: sessions live in memory and it runs over plain HTTP on localhost.
"""

from __future__ import annotations

import html
import json
import secrets
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from flask import Flask, redirect, request

from trustkit.sso import (
    RelyingParty,
    RemoteJWKS,
    TokenRejected,
    code_challenge,
    make_code_verifier,
    same_secret,
)


@dataclass
class Pending:
    nonce: str
    verifier: str


@dataclass
class UserSession:
    subject: str
    idp_sid: str
    id_token: str
    acr: str


class CityApp:
    def __init__(self, name: str, title: str, client_id: str, client_secret: str) -> None:
        self.name, self.title = name, title
        self.client_id, self.client_secret = client_id, client_secret
        self.cookie, self.state_cookie = f"{name}_session", f"{name}_login_state"
        self.base_url = self.issuer = ""
        self.rp: RelyingParty | None = None
        self.pending: dict[str, Pending] = {}
        self.sessions: dict[str, UserSession] = {}
        self.app = self._build()

    def configure(self, base_url: str, issuer: str) -> None:
        """Bind to the app's own URL and the IdP (keys from its JWKS URL, SM2 only)."""
        self.base_url, self.issuer = base_url, issuer
        keys = RemoteJWKS(f"{issuer}/jwks", allow_http=True)
        self.rp = RelyingParty(
            issuer=issuer, client_id=self.client_id, keys=keys, algorithms=["SM2"]
        )

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}/callback"

    # -- helpers -----------------------------------------------------------------------------

    def _current(self) -> UserSession | None:
        sid = request.cookies.get(self.cookie)
        return self.sessions.get(sid) if sid else None

    def _exchange_code(self, code: str, verifier: str) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": verifier,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        req = urllib.request.Request(
            f"{self.issuer}/token", data=urllib.parse.urlencode(form).encode(), method="POST"
        )
        with urllib.request.urlopen(req, timeout=10) as answer:
            data: dict[str, Any] = json.loads(answer.read(64 * 1024))
        return data

    def _page(self, body: str) -> str:
        title = html.escape(self.title)
        return (
            f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><h1>{title}</h1>{body}</body></html>"
        )

    # -- routes ------------------------------------------------------------------------------

    def _build(self) -> Flask:
        app = Flask(self.name)

        @app.get("/")
        def home() -> Any:
            user = self._current()
            if user is None:
                body = '<p id="status">Not signed in</p><a id="login" href="/login">Sign in</a>'
            else:
                body = (
                    f'<p id="status">Signed in as {html.escape(user.subject)}</p>'
                    f'<p id="acr">{html.escape(user.acr)}</p>'
                    '<a id="logout" href="/logout">Sign out everywhere</a>'
                )
            return self._page(body)

        @app.get("/login")
        def login() -> Any:
            state, verifier = secrets.token_urlsafe(16), make_code_verifier()
            self.pending[state] = Pending(secrets.token_urlsafe(16), verifier)
            query = {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "scope": "openid",
                "state": state,
                "nonce": self.pending[state].nonce,
                "code_challenge": code_challenge(verifier),
                "code_challenge_method": "S256",
            }
            response = redirect(f"{self.issuer}/authorize?{urllib.parse.urlencode(query)}", 302)
            response.set_cookie(self.state_cookie, state, httponly=True, samesite="Lax")
            return response

        @app.get("/callback")
        def callback() -> Any:
            state = request.args.get("state", "")
            bound = request.cookies.get(self.state_cookie, "")
            pending = self.pending.pop(state, None)
            if pending is None or not same_secret(state, bound):
                return self._page('<p id="error">login state mismatch</p>'), 400
            if request.args.get("iss") != self.issuer:  # RFC 9207 mix-up defence
                return self._page('<p id="error">wrong issuer</p>'), 400
            assert self.rp is not None
            try:
                tokens = self._exchange_code(request.args.get("code", ""), pending.verifier)
                verified = self.rp.validate_id_token(
                    tokens.get("id_token", ""),
                    nonce=pending.nonce,
                    access_token=tokens.get("access_token"),
                )
            except (TokenRejected, OSError) as exc:
                reason = getattr(exc, "reason", type(exc).__name__)
                return self._page(f'<p id="error">login failed: {html.escape(reason)}</p>'), 400
            claims = verified.claims
            local = secrets.token_urlsafe(16)
            self.sessions[local] = UserSession(
                str(claims["sub"]),
                str(claims.get("sid", "")),
                tokens["id_token"],
                str(claims.get("acr", "")),
            )
            response = redirect("/", 302)
            response.set_cookie(self.cookie, local, httponly=True, samesite="Lax")
            response.delete_cookie(self.state_cookie)
            return response

        @app.get("/logout")
        def logout() -> Any:
            user = self._current()
            if user is None:
                return redirect("/", 302)
            query = {
                "id_token_hint": user.id_token,
                "post_logout_redirect_uri": f"{self.base_url}/",
                "client_id": self.client_id,
            }
            return redirect(f"{self.issuer}/logout?{urllib.parse.urlencode(query)}", 302)

        @app.post("/backchannel-logout")
        def backchannel_logout() -> Any:
            assert self.rp is not None
            try:
                verified = self.rp.validate_logout_token(request.form.get("logout_token", ""))
            except TokenRejected as exc:
                return {"error": "invalid_request", "error_description": exc.reason}, 400
            sid, sub = verified.claims.get("sid"), verified.claims.get("sub")
            for key, user in list(self.sessions.items()):
                if user.idp_sid == sid or (sid is None and user.subject == sub):
                    del self.sessions[key]
            return "", 200, {"Cache-Control": "no-store"}

        return app
