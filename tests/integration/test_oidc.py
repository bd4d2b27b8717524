"""Sign-in through a real OpenID provider process (``oidc-provider-mock``).

The provider runs on a loopback port (``oidc_provider`` in tests/conftest.py); the
service runs in this process under FastAPI's test client and talks to the provider
over HTTP for discovery, the code exchange and its signing keys, as it would to
Google or Microsoft. The provider's login form is posted as a browser would.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from coherence.api.app import create_app
from coherence.api.sessions import CSRF_COOKIE, SESSION_COOKIE
from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings, SignInSettings
from coherence.application.users import grant_person, revoke_person
from coherence.bootstrap import api_context
from tests.conftest import OidcProvider
from tests.plans import document

API = "/api/v1"
PLAN = "example-2025"
ANA = "ana@riverbend.k12.ma.us"
PUBLIC = "http://127.0.0.1:8765"


@pytest.fixture
def history() -> PlanHistory:
    app = PlanHistory(Settings(store="memory://"))
    app.import_plan(document(), Author("setup", source="cli"))
    return app


def client_for(history: PlanHistory, provider: OidcProvider, **settings: Any) -> TestClient:
    signin = SignInSettings(
        issuer=provider.issuer,
        client_id="coherence",
        client_secret="client-secret",
        public_url=PUBLIC,
        session_secret="test",
        **settings,
    )
    return TestClient(create_app(api_context(history, signin=signin)), base_url=PUBLIC)


def sign_in(client: TestClient, sub: str, *, next_path: str = "/") -> httpx.Response:
    """Start, type the subject into the provider's form, come back with the code."""
    start = client.get("/auth/oidc/start", params={"next": next_path}, follow_redirects=False)
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"]
    assert query["redirect_uri"] == [f"{PUBLIC}/auth/oidc/callback"]
    form = httpx.get(authorize)
    assert form.status_code == 200 and 'name="sub"' in form.text
    answer = httpx.post(authorize, data={"sub": sub})
    assert answer.status_code == 302, answer.text
    callback = answer.headers["location"]
    assert callback.startswith(f"{PUBLIC}/auth/oidc/callback?")
    return client.get(callback, follow_redirects=False)


def test_a_granted_person_signs_in(history: PlanHistory, oidc_provider: OidcProvider) -> None:
    grant_person(history, ANA, role="editor")
    oidc_provider.set_user(ANA, name="Ana Ruiz", email_verified=True)
    client = client_for(history, oidc_provider)
    r = sign_in(client, ANA, next_path=f"/plans/{PLAN}")
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/plans/{PLAN}"
    assert SESSION_COOKIE in client.cookies and CSRF_COOKIE in client.cookies
    me = client.get(f"{API}/me").json()
    assert (me["name"], me["email"], me["role"], me["via"]) == (
        f"Ana Ruiz <{ANA}>",
        ANA,
        "editor",
        "session",
    )
    r = client.post(
        f"{API}/plans/{PLAN}/benchmarks/B1/status",
        json={"status": "complete"},
        headers={"X-CSRF-Token": client.cookies[CSRF_COOKIE], "Origin": PUBLIC},
    )
    assert r.status_code == 200, r.text
    assert history.history(PLAN)[-1].actor == f"Ana Ruiz <{ANA}>"
    revoke_person(history, ANA)
    assert client.get(f"{API}/me").status_code == 401


def test_an_email_without_a_role_is_told_to_ask_the_administrator(
    history: PlanHistory, oidc_provider: OidcProvider
) -> None:
    grant_person(history, ANA, role="admin")
    client = client_for(history, oidc_provider)
    r = sign_in(client, "stranger@riverbend.k12.ma.us")
    assert r.status_code == 403
    assert "Ask your administrator" in r.text
    assert "stranger@riverbend.k12.ma.us" in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert client.get(f"{API}/me").status_code == 401


def test_a_replayed_or_forged_callback_is_refused(
    history: PlanHistory, oidc_provider: OidcProvider
) -> None:
    grant_person(history, ANA, role="admin")
    client = client_for(history, oidc_provider)
    start = client.get("/auth/oidc/start", follow_redirects=False)
    answer = httpx.post(start.headers["location"], data={"sub": ANA})
    callback = answer.headers["location"]
    # Another browser (no session holding the state) cannot use the code.
    stranger = TestClient(client.app, base_url=PUBLIC)
    r = stranger.get(callback, follow_redirects=False)
    assert r.status_code == 400 and "Sign-in failed" in r.text
    # A state that was never issued.
    forged = callback.replace("state=", "state=x")
    assert client.get(forged, follow_redirects=False).status_code == 400
    # The real one works once, and not twice.
    assert client.get(callback, follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert client.get(callback, follow_redirects=False).status_code == 400


def test_an_unverified_email_is_refused(history: PlanHistory, oidc_provider: OidcProvider) -> None:
    grant_person(history, "unverified@riverbend.k12.ma.us", role="admin")
    oidc_provider.set_user("unverified@riverbend.k12.ma.us", email_verified=False)
    client = client_for(history, oidc_provider)
    r = sign_in(client, "unverified@riverbend.k12.ma.us")
    assert r.status_code == 400 and "not verified" in r.text


def test_a_hosted_domain_restricts_who_may_sign_in(
    history: PlanHistory, oidc_provider: OidcProvider
) -> None:
    grant_person(history, "ana@gmail.example", role="admin")
    grant_person(history, ANA, role="admin")
    oidc_provider.set_user("ana@gmail.example", name="Ana")
    oidc_provider.set_user(ANA, name="Ana", hd="riverbend.k12.ma.us")
    client = client_for(history, oidc_provider, hosted_domain="riverbend.k12.ma.us")
    r = sign_in(client, "ana@gmail.example")
    assert r.status_code == 400 and "Only accounts of riverbend.k12.ma.us" in r.text
    assert sign_in(client, ANA).status_code == 303


def test_the_issuer_may_be_configured_with_a_trailing_slash(
    history: PlanHistory, oidc_provider: OidcProvider
) -> None:
    signin = SignInSettings(
        issuer=oidc_provider.issuer + "/",
        client_id="c",
        client_secret="s",
        public_url=PUBLIC,
        session_secret="t",
    )
    client = TestClient(create_app(api_context(history, signin=signin)), base_url=PUBLIC)
    assert client.get("/auth/oidc/start", follow_redirects=False).status_code == 302


def test_a_provider_that_cannot_be_reached_is_said_so(history: PlanHistory) -> None:
    signin = SignInSettings(
        issuer="http://127.0.0.1:9",  # discard: nothing answers
        client_id="c",
        client_secret="s",
        public_url=PUBLIC,
        session_secret="t",
    )
    client = TestClient(create_app(api_context(history, signin=signin)), base_url=PUBLIC)
    r = client.get("/auth/oidc/start", follow_redirects=False)
    assert r.status_code == 502 and "could not be reached" in r.text
