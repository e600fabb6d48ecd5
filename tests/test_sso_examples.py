"""The SSO examples end to end: a provincial IdP and two city apps on localhost.

One login signs the user in to both cities (authorisation code + PKCE, SM2-signed ID tokens);
one logout signs them out of both (back-channel logout tokens). Driven twice: by a plain HTTP
client with a cookie jar, and by headless Chromium through Playwright (Debian's ``chromium``
at /usr/bin/chromium). The browser test installs the ``playwright`` package when it is
missing and skips, saying why, when no browser is available.
"""

from __future__ import annotations

import html.parser
import http.cookiejar
import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "sso"
CHROMIUM = os.environ.get("TRUSTKIT_CHROMIUM", "/usr/bin/chromium")
USER, PASSWORD = "zhangsan", "correct horse"

pytest.importorskip("flask", reason="the SSO examples need Flask (pip install flask)")


@pytest.fixture
def deployment() -> Iterator[Any]:
    sys.path.insert(0, str(EXAMPLES))
    try:
        module = importlib.import_module("deployment")
        running = module.start(0)
        try:
            yield running
        finally:
            running.stop()
    finally:
        sys.path.remove(str(EXAMPLES))


class _Form(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self._id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            self.fields[str(a["name"])] = a.get("value") or ""
        self._id = a.get("id")

    def handle_data(self, data: str) -> None:
        if self._id:
            self.ids[self._id] = self.ids.get(self._id, "") + data


def parse(page: str) -> _Form:
    form = _Form()
    form.feed(page)
    return form


class Browser:
    """A cookie-keeping HTTP client that follows redirects (all hosts are 127.0.0.1)."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url: str) -> tuple[str, str]:
        with self.opener.open(url, timeout=10) as answer:
            return answer.geturl(), answer.read().decode()

    def post(self, url: str, form: dict[str, str]) -> tuple[str, str]:
        data = urllib.parse.urlencode(form).encode()
        with self.opener.open(url, data=data, timeout=10) as answer:
            return answer.geturl(), answer.read().decode()


def status(browser: Browser, url: str) -> str:
    return parse(browser.get(url)[1]).ids["status"]


def test_single_sign_on_and_single_logout_over_http(deployment: Any) -> None:
    idp = deployment.idp
    city_a, city_b = (deployment.url(s) for s in deployment.servers[1:])
    browser = Browser()
    assert status(browser, f"{city_a}/") == "Not signed in"
    where, page = browser.get(f"{city_a}/login")
    assert where.startswith(f"{idp.issuer}/authorize?") and "code_challenge_method=S256" in where
    form = parse(page).fields
    wrong = dict(form, username=USER, password="wrong")
    with pytest.raises(urllib.error.HTTPError) as info:
        browser.post(f"{idp.issuer}/login", wrong)
    assert info.value.code == 401
    retry = parse(info.value.read().decode()).fields
    where, page = browser.post(f"{idp.issuer}/login", dict(retry, username=USER, password=PASSWORD))
    assert where == f"{city_a}/"
    ids = parse(page).ids
    assert ids["status"] == f"Signed in as {USER}" and ids["acr"] == "urn:trustkit:loa:3"
    # city B: the IdP session signs the user in without a second login
    where, page = browser.get(f"{city_b}/login")
    assert where == f"{city_b}/" and parse(page).ids["status"] == f"Signed in as {USER}"
    assert len(idp.sessions) == 1
    # one logout, from city A, ends both
    where, page = browser.get(f"{city_a}/logout")
    assert where == f"{city_a}/" and parse(page).ids["status"] == "Not signed in"
    assert sorted(idp.logout_log) == [("city-a", 200), ("city-b", 200)]
    assert status(browser, f"{city_b}/") == "Not signed in"
    assert idp.sessions == {} and all(not c.sessions for c in deployment.cities)
    # and the next login asks for credentials again
    where, _page = browser.get(f"{city_b}/login")
    assert where.startswith(f"{idp.issuer}/authorize?")


def test_idp_refuses_unregistered_redirects_and_replayed_codes(deployment: Any) -> None:
    idp = deployment.idp
    city_a = deployment.cities[0]
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": "city-a",
            "redirect_uri": "https://evil.example/cb",
            "code_challenge": "x" * 43,
            "code_challenge_method": "S256",
            "state": "s",
        }
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        Browser().get(f"{idp.issuer}/authorize?{query}")
    assert info.value.code == 400
    # a logout token replayed at a city's back-channel endpoint is refused
    token = idp.idp.issue_logout_token(audience="city-a", sid="s-1")
    url = f"{city_a.base_url}/backchannel-logout"
    assert Browser().post(url, {"logout_token": token})[0] == url
    with pytest.raises(urllib.error.HTTPError) as info:
        Browser().post(url, {"logout_token": token})
    assert info.value.code == 400


def _playwright() -> Any:
    if importlib.util.find_spec("playwright") is None:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "playwright"],
            check=False,
            capture_output=True,
            timeout=300,
        )
        importlib.invalidate_caches()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the 'playwright' Python package is not installed and could not be installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install Debian's browser (apt-get install chromium)"
        )
    return sync_playwright


def test_single_sign_on_and_single_logout_in_headless_chromium(deployment: Any) -> None:
    sync_playwright = _playwright()
    city_a, city_b = (deployment.url(s) for s in deployment.servers[1:])
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(f"{city_a}/")
            assert page.inner_text("#status") == "Not signed in"
            page.click("#login")
            page.wait_for_selector("#username")
            assert page.url.startswith(f"{deployment.idp.issuer}/authorize")
            page.fill("#username", USER)
            page.fill("#password", PASSWORD)
            page.click("#sign-in")
            page.wait_for_url(f"{city_a}/")
            assert page.inner_text("#status") == f"Signed in as {USER}"
            page.goto(f"{city_b}/")
            assert page.inner_text("#status") == "Not signed in"
            page.click("#login")  # SSO: straight back, no login form
            page.wait_for_url(f"{city_b}/")
            assert page.inner_text("#status") == f"Signed in as {USER}"
            page.click("#logout")
            page.wait_for_url(f"{city_b}/")
            assert page.inner_text("#status") == "Not signed in"
            page.goto(f"{city_a}/")
            assert page.inner_text("#status") == "Not signed in"
        finally:
            browser.close()
    assert sorted(deployment.idp.logout_log) == [("city-a", 200), ("city-b", 200)]
