"""Signing in, sessions and what protects cookie-authenticated writes.

Sessions are opened here with an API token typed into the sign-in page (POST
/auth/token) or, for a person, through the same ``open_session`` the OpenID Connect
callback uses (the flow itself, against a real provider process, is in
``tests/integration/test_oidc.py`` and the browser tests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi import Request, Response
from fastapi.testclient import TestClient
from httpx import Response as HttpxResponse

from coherence.api.access import OPEN_ACTOR
from coherence.api.app import create_app
from coherence.api.sessions import CSRF_COOKIE, SESSION_COOKIE, open_session
from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings, SignInSettings
from coherence.application.tokens import issue_token, revoke_token
from coherence.application.users import grant_person, list_people, revoke_person
from coherence.bootstrap import api_context, read_settings
from coherence.cli.main import cli
from coherence.domain.errors import InvalidValue
from tests.plans import document

API = "/api/v1"
PLAN = "example-2025"
DISTRICT = "Example Public Schools"
ANA = "ana@riverbend.k12.ma.us"
STATUS = f"{API}/plans/{PLAN}/benchmarks/B1/status"
SIGNIN = SignInSettings(session_secret="test-secret")


@pytest.fixture
def history() -> PlanHistory:
    app = PlanHistory(Settings(store="memory://"))
    app.import_plan(document(), Author("setup", source="cli"))
    return app


def make_client(history: PlanHistory, signin: SignInSettings = SIGNIN) -> TestClient:
    app = create_app(api_context(history, signin=signin))

    @app.post("/test/session", include_in_schema=False)
    def person_session(email: str, name: str, request: Request, response: Response) -> None:
        """What the OpenID Connect callback does once the provider vouched for someone."""
        open_session(request, response, signin, name=name, email=email)

    return TestClient(app)


@pytest.fixture
def client(history: PlanHistory) -> TestClient:
    return make_client(history)


def secret(history: PlanHistory, role: str = "admin", owner: str = "Dr. Alvarez", **kw: Any) -> str:
    value, _ = issue_token(history, owner=owner, role=role, **kw)
    return value


def sign_in_person(client: TestClient, email: str = ANA, name: str = "Ana Ruiz") -> str:
    r = client.post("/test/session", params={"email": email, "name": name})
    assert r.status_code == 200, r.text
    return client.cookies[CSRF_COOKIE]


def sign_in_token(client: TestClient, token: str) -> str:
    r = client.post("/auth/token", json={"token": token})
    assert r.status_code == 200, r.text
    return client.cookies[CSRF_COOKIE]


def write(client: TestClient, **headers: str) -> HttpxResponse:
    r: HttpxResponse = client.post(STATUS, json={"status": "at_risk"}, headers=headers)
    return r


def problem(r: HttpxResponse, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    return body


# -- sessions -------------------------------------------------------------------------


def test_a_person_signs_in_and_writes_as_name_and_email(
    client: TestClient, history: PlanHistory
) -> None:
    grant_person(history, ANA, role="editor")
    csrf = sign_in_person(client)
    me = client.get(f"{API}/me").json()
    assert me == {
        "name": f"Ana Ruiz <{ANA}>",
        "email": ANA,
        "role": "editor",
        "plans": [],
        "districts": [],
        "via": "session",
        "admin": False,
    }
    r = write(client, **{"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    assert history.history(PLAN)[-1].actor == f"Ana Ruiz <{ANA}>"


def test_the_name_the_admin_gave_wins(client: TestClient, history: PlanHistory) -> None:
    grant_person(history, ANA, role="editor", name="Ana María Ruiz")
    csrf = sign_in_person(client, name="ana r")
    assert write(client, **{"X-CSRF-Token": csrf}).status_code == 200
    assert history.history(PLAN)[-1].actor == f"Ana María Ruiz <{ANA}>"


def test_the_session_cookie_is_httponly_lax_and_signed(
    client: TestClient, history: PlanHistory
) -> None:
    grant_person(history, ANA, role="viewer")
    r = client.post("/test/session", params={"email": ANA, "name": "Ana Ruiz"})
    cookies = {c.split("=", 1)[0]: c.lower() for c in r.headers.get_list("set-cookie")}
    session, csrf = cookies[SESSION_COOKIE], cookies[CSRF_COOKIE]
    assert "httponly" in session and "samesite=lax" in session and "max-age=28800" in session
    assert "secure" not in session  # the public URL is not https here
    assert "httponly" not in csrf and "samesite=lax" in csrf
    # A cookie changed by hand is not a session.
    forged = client.cookies[SESSION_COOKIE]
    other = TestClient(client.app)
    other.cookies.set(SESSION_COOKIE, forged[:-3] + "abc")
    secret(history)  # access control is on either way
    problem(other.get(f"{API}/me"), 401)


def test_cookies_are_secure_behind_https(history: PlanHistory) -> None:
    signin = SignInSettings(session_secret="s", public_url="https://plans.example")
    client = make_client(history, signin)
    grant_person(history, ANA, role="viewer")
    r = client.post(
        "/test/session",
        params={"email": ANA, "name": "Ana"},
        headers={"Origin": "https://plans.example"},
    )
    for cookie in r.headers.get_list("set-cookie"):
        assert "secure" in cookie.lower()


def test_a_session_ends_seven_days_after_sign_in(
    client: TestClient, history: PlanHistory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coherence.api.sessions as sessions

    grant_person(history, ANA, role="viewer")
    sign_in_person(client)
    assert client.get(f"{API}/me").status_code == 200
    now = sessions.time.time()
    monkeypatch.setattr(sessions.time, "time", lambda: now + 7 * 24 * 3600 + 5)
    problem(client.get(f"{API}/me"), 401)


def test_revoking_a_person_takes_effect_at_once(client: TestClient, history: PlanHistory) -> None:
    grant_person(history, ANA, role="editor")
    csrf = sign_in_person(client)
    assert client.get(f"{API}/plans/{PLAN}").status_code == 200
    revoke_person(history, ANA)
    assert "revoked" in problem(client.get(f"{API}/plans/{PLAN}"), 401)["detail"]
    problem(write(client, **{"X-CSRF-Token": csrf}), 401)
    # Granted again, the old session stays ended: sign in again.
    grant_person(history, ANA, role="editor")
    problem(client.get(f"{API}/me"), 401)


def test_a_role_change_takes_effect_at_once(client: TestClient, history: PlanHistory) -> None:
    grant_person(history, ANA, role="editor")
    csrf = sign_in_person(client)
    grant_person(history, ANA, role="viewer")
    assert "viewer" in problem(write(client, **{"X-CSRF-Token": csrf}), 403)["detail"]
    grant_person(history, ANA, role="editor", districts=["Other Public Schools"])
    problem(client.get(f"{API}/plans/{PLAN}"), 404)


def test_a_role_changed_by_another_program_takes_effect_at_once(tmp_path: Path) -> None:
    """On a file store the server keeps a person's grant between requests while plans
    are written; a role changed from the command line (another process) still applies
    to their next request."""
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    served = PlanHistory(Settings(store=url))
    served.import_plan(document(), Author("setup", source="cli"))
    other = PlanHistory(Settings(store=url))
    grant_person(other, ANA, role="editor")
    client = make_client(served)
    csrf = sign_in_person(client)
    assert write(client, **{"X-CSRF-Token": csrf}).status_code == 200
    other.report_benchmark_status(PLAN, "B1", "on_track", Author("Clerk", source="cli"))
    assert write(client, **{"X-CSRF-Token": csrf}).status_code == 200
    grant_person(other, ANA, role="viewer")
    assert "viewer" in problem(write(client, **{"X-CSRF-Token": csrf}), 403)["detail"]


def test_sign_out_ends_the_session(client: TestClient, history: PlanHistory) -> None:
    grant_person(history, ANA, role="viewer")
    csrf = sign_in_person(client)
    problem(client.post("/auth/signout"), 403)  # without the CSRF token, not even that
    assert client.post("/auth/signout", headers={"X-CSRF-Token": csrf}).status_code == 204
    problem(client.get(f"{API}/me"), 401)


def test_a_request_with_a_token_is_served_without_the_session(
    client: TestClient, history: PlanHistory
) -> None:
    """A request that carries a token is the token's, whatever session cookie comes with
    it: the session is neither read nor signed back onto the answer, and the browser's
    next request without the token is still signed in."""
    grant_person(history, ANA, role="viewer")
    sign_in_person(client)
    token = secret(history, "editor", "Build server")
    r = client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
    assert (r.json()["via"], r.json()["name"]) == ("token", "Build server")
    assert not [c for c in r.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)]
    assert client.get(f"{API}/me").json()["via"] == "session"


# -- CSRF -------------------------------------------------------------------------------


@pytest.mark.parametrize("sent", [None, "", "wrong-token"])
def test_a_cookie_write_without_the_csrf_token_is_refused(
    client: TestClient, history: PlanHistory, sent: str | None
) -> None:
    grant_person(history, ANA, role="admin")
    sign_in_person(client)
    before = history.get_plan(PLAN).version
    headers = {} if sent is None else {"X-CSRF-Token": sent}
    assert "X-CSRF-Token" in problem(write(client, **headers), 403)["detail"]
    r = client.put(f"{API}/people/bo@example.org", json={"role": "viewer"}, headers=headers)
    problem(r, 403)
    assert history.get_plan(PLAN).version == before
    assert [p.email for p in list_people(history)] == [ANA]


def test_a_token_session_needs_the_csrf_token_too(client: TestClient, history: PlanHistory) -> None:
    csrf = sign_in_token(client, secret(history, "editor", "Ana Ruiz, Business Manager"))
    problem(write(client), 403)
    assert write(client, **{"X-CSRF-Token": csrf}).status_code == 200
    assert history.history(PLAN)[-1].actor == "Ana Ruiz, Business Manager"


def test_a_bearer_write_needs_no_csrf_token(client: TestClient, history: PlanHistory) -> None:
    token = secret(history, "editor", "Integration")
    r = write(client, Authorization=f"Bearer {token}")
    assert r.status_code == 200, r.text
    # Even from a browser that also holds someone's session: the token decides.
    grant_person(history, ANA, role="viewer")
    sign_in_person(client)
    r = write(client, Authorization=f"Bearer {token}", **{"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 200, r.text
    assert history.history(PLAN)[-1].actor == "Integration"


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
    ],
)
def test_a_write_from_another_site_is_refused(
    client: TestClient, history: PlanHistory, headers: dict[str, str]
) -> None:
    grant_person(history, ANA, role="admin")
    csrf = sign_in_person(client)
    problem(write(client, **headers, **{"X-CSRF-Token": csrf}), 403)
    # Also while the server is open (no credential at all) and for signing in.
    open_client = make_client(PlanHistory(Settings(store="memory://")))
    problem(open_client.post("/auth/token", json={"token": "x"}, headers=headers), 403)


def test_a_same_origin_write_passes(client: TestClient, history: PlanHistory) -> None:
    grant_person(history, ANA, role="admin")
    csrf = sign_in_person(client)
    same = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    assert write(client, **same, **{"X-CSRF-Token": csrf}).status_code == 200


# -- token sign-in and rate limits ------------------------------------------------------


def test_token_sign_in(client: TestClient, history: PlanHistory) -> None:
    token = secret(history, "admin", "Dr. Alvarez", districts=[DISTRICT])
    r = client.post("/auth/token", json={"token": token})
    assert r.status_code == 200
    assert r.json()["name"] == "Dr. Alvarez"
    assert token not in "".join(r.headers.get_list("set-cookie"))  # the session keeps its id
    me = client.get(f"{API}/me").json()
    assert (me["name"], me["role"], me["districts"], me["via"]) == (
        "Dr. Alvarez",
        "admin",
        [DISTRICT],
        "session",
    )
    assert me["admin"] is False  # scoped: may not manage people


def test_token_sign_in_refuses_bad_tokens(client: TestClient, history: PlanHistory) -> None:
    token = secret(history)
    problem(client.post("/auth/token", json={"token": "coh_nope"}), 401)
    revoked, info = issue_token(history, owner="Gone", role="admin")
    revoke_token(history, info.id)
    problem(client.post("/auth/token", json={"token": revoked}), 401)
    assert SESSION_COOKIE not in client.cookies
    # A token in the URL is not read.
    problem(client.post(f"/auth/token?token={token}"), 422)


def test_revoking_the_token_ends_its_sessions(client: TestClient, history: PlanHistory) -> None:
    value, info = issue_token(history, owner="Dr. Alvarez", role="admin")
    sign_in_token(client, value)
    assert client.get(f"{API}/me").status_code == 200
    revoke_token(history, info.id)
    problem(client.get(f"{API}/me"), 401)


def test_sign_in_attempts_are_limited_per_address(client: TestClient, history: PlanHistory) -> None:
    secret(history)
    for _ in range(10):
        problem(client.post("/auth/token", json={"token": "coh_guess"}), 401)
    r = client.post("/auth/token", json={"token": "coh_another-guess"})
    body = problem(r, 429)
    assert int(r.headers["retry-after"]) >= 1
    assert "Too many" in body["detail"]


def test_sign_in_attempts_are_limited_per_account(history: PlanHistory) -> None:
    client = make_client(history)
    limits = client.app.state.ctx.sign_in_attempts  # type: ignore[attr-defined]
    for n in range(10):
        limits.check(f"address:10.0.0.{n}", "account:ana@example.org")
    with pytest.raises(Exception, match="Too many sign-in attempts"):
        limits.check("address:10.0.0.99", "account:ana@example.org")
    limits.check("address:10.0.0.99", "account:bo@example.org")  # others still may


# -- /me for each way in -------------------------------------------------------------------


def test_me_open(client: TestClient) -> None:
    me = client.get(f"{API}/me").json()
    assert (me["name"], me["role"], me["via"], me["email"]) == (OPEN_ACTOR, "admin", "open", None)


def test_me_with_a_token(client: TestClient, history: PlanHistory) -> None:
    token = secret(history, "viewer", "Board member", plans=[PLAN])
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["name"], me["role"], me["plans"], me["via"]) == (
        "Board member",
        "viewer",
        [PLAN],
        "token",
    )
    problem(client.get(f"{API}/me"), 401)


def test_me_gives_back_a_lost_csrf_cookie(client: TestClient, history: PlanHistory) -> None:
    grant_person(history, ANA, role="editor")
    csrf = sign_in_person(client)
    client.cookies.delete(CSRF_COOKIE)
    client.get(f"{API}/me")
    assert client.cookies[CSRF_COOKIE] == csrf


# -- people ------------------------------------------------------------------------------


def test_people_from_the_api(client: TestClient, history: PlanHistory) -> None:
    admin = {"Authorization": f"Bearer {secret(history)}"}
    r = client.put(
        f"{API}/people/Ana@Riverbend.k12.ma.us",
        json={"role": "editor", "name": "Ana Ruiz", "districts": [DISTRICT]},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert r.json()["email"] == ANA
    assert r.json()["granted_by"] == "Dr. Alvarez"
    listed = client.get(f"{API}/people", headers=admin).json()
    assert [(p["email"], p["role"], p["districts"], p["active"]) for p in listed] == [
        (ANA, "editor", [DISTRICT], True)
    ]
    assert client.get(f"{API}/people/{ANA}", headers=admin).json()["name"] == "Ana Ruiz"
    r = client.delete(f"{API}/people/{ANA}", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    problem(client.get(f"{API}/people/bo@example.org", headers=admin), 404)
    problem(client.delete(f"{API}/people/bo@example.org", headers=admin), 404)


@pytest.mark.parametrize(
    ("email", "body", "path"),
    [
        ("not-an-email", {"role": "viewer"}, "email"),
        (ANA, {"role": "owner"}, "body.role"),
        (ANA, {}, "body.role"),
        (ANA, {"role": "viewer", "actor": "Mallory"}, "body.actor"),
        (ANA, {"role": "viewer", "name": "Ana <ana@evil.example>"}, "name"),
        (ANA, {"role": "viewer", "districts": "Riverbend"}, "body.districts"),
    ],
)
def test_bad_people_input_is_refused_naming_the_field(
    client: TestClient, history: PlanHistory, email: str, body: dict[str, Any], path: str
) -> None:
    admin = {"Authorization": f"Bearer {secret(history)}"}
    r = client.put(f"{API}/people/{email}", json=body, headers=admin)
    assert path in [e["path"] for e in problem(r, 422)["errors"]]
    assert list_people(history) == []


def test_token_sign_in_refuses_missing_fields(client: TestClient) -> None:
    r = client.post("/auth/token", json={})
    assert "body.token" in [e["path"] for e in problem(r, 422)["errors"]]


# -- pages ---------------------------------------------------------------------------------

CSP = [
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
]


@pytest.mark.parametrize("path", ["/", f"/plans/{PLAN}", "/people", "/auth/signin"])
def test_pages_carry_the_content_security_policy(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    policy = r.headers["content-security-policy"]
    for directive in CSP:
        assert directive in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in r.text and " onclick=" not in r.text


def test_every_response_says_nosniff(client: TestClient) -> None:
    for path in (f"{API}/health", "/web/api.js", f"{API}/plans/nope", "/", "/docs"):
        r = client.get(path)
        assert r.headers.get_list("x-content-type-options") == ["nosniff"], path
        assert r.headers.get_list("referrer-policy") == ["same-origin"], path


def test_the_frameworks_api_documentation_may_only_not_be_framed(client: TestClient) -> None:
    """Swagger UI loads its script from a CDN with an inline start: our pages' policy
    would stop it, so ``/docs`` gets only ``frame-ancestors 'none'``, and once."""
    r = client.get("/docs")
    assert r.status_code == 200
    assert r.headers.get_list("content-security-policy") == ["frame-ancestors 'none'"]
    assert (
        client.get("/")
        .headers.get_list("content-security-policy")[0]
        .startswith("default-src 'self'")
    )


def test_the_signin_page_escapes_next(client: TestClient) -> None:
    r = client.get("/auth/signin", params={"next": '/plans/x"><script>alert(1)</script>'})
    assert "<script>alert" not in r.text
    r = client.get("/auth/signin", params={"next": "https://evil.example/"})
    assert 'data-next="/"' in r.text


def test_provider_sign_in_is_not_there_unless_configured(client: TestClient) -> None:
    assert client.get("/auth/oidc/start").status_code == 404
    assert 'data-oidc="no"' in client.get("/auth/signin").text


# -- settings and commands ---------------------------------------------------------------


def test_sign_in_settings_from_the_environment() -> None:
    env = {
        "COHERENCE_STORE": "memory://",
        "COHERENCE_OIDC_ISSUER": "https://login.microsoftonline.com/tenant/v2.0",
        "COHERENCE_OIDC_CLIENT_ID": "id",
        "COHERENCE_OIDC_CLIENT_SECRET": "secret",
        "COHERENCE_PUBLIC_URL": "https://plans.riverbend.k12.ma.us/",
        "COHERENCE_SESSION_SECRET": "session",
    }
    signin = read_settings(env).signin
    assert signin.oidc and signin.secure
    assert signin.redirect_uri == "https://plans.riverbend.k12.ma.us/auth/oidc/callback"
    assert signin.session_secret == "session"
    with pytest.raises(InvalidValue, match="COHERENCE_OIDC_CLIENT_SECRET"):
        read_settings({**env, "COHERENCE_OIDC_CLIENT_SECRET": ""})
    with pytest.raises(InvalidValue, match="COHERENCE_PUBLIC_URL"):
        read_settings({**env, "COHERENCE_PUBLIC_URL": "http://plans.riverbend.k12.ma.us"})
    assert read_settings({**env, "COHERENCE_PUBLIC_URL": "http://127.0.0.1:8000"}).signin.oidc


def test_user_commands(tmp_path: Any) -> None:
    store = f"sqlite:///{tmp_path / 'x.db'}"

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, [*args, "--store", store])
        return result.exit_code, result.stdout, result.stderr

    code, out, _ = run(
        "user", "grant", ANA, "--role", "editor", "--name", "Ana Ruiz", "--district", DISTRICT
    )
    assert code == 0 and f"Ana Ruiz <{ANA}>" in out
    code, out, _ = run("user", "grant", "bo@example.org", "--role", "admin", "--format", "json")
    assert code == 0
    code, out, _ = run("user", "list")
    assert code == 0 and ANA in out and "bo@example.org" in out
    code, out, err = run("user", "revoke", ANA)
    assert code == 0, err
    code, out, _ = run("user", "list", "--format", "json")
    import json

    assert [(p["email"], p["active"]) for p in json.loads(out)] == [
        (ANA, False),
        ("bo@example.org", True),
    ]
    code, _, err = run("user", "grant", "nobody", "--role", "viewer")
    assert code == 2 and "email" in err
    code, _, err = run("user", "grant", ANA, "--role", "owner")
    assert code == 2 and "role" in err
    code, _, err = run("user", "revoke", "zed@example.org")
    assert code == 2 and "No person" in err


def test_binding_counts_a_provider_and_an_admin_as_configured(history: PlanHistory) -> None:
    oidc = SignInSettings("https://idp.example", "id", "s", "https://plans.example", "x")
    assert api_context(history, signin=oidc).credentials_configured() is False
    grant_person(history, ANA, role="editor")
    assert api_context(history, signin=oidc).credentials_configured() is False
    grant_person(history, "boss@example.org", role="admin")
    assert api_context(history, signin=oidc).credentials_configured() is True
    assert api_context(history).credentials_configured() is False  # no provider
    issue_token(history, owner="x", role="viewer")
    assert api_context(history).credentials_configured() is True


def test_granting_a_person_closes_the_open_server(client: TestClient, history: PlanHistory) -> None:
    assert client.get(f"{API}/plans/{PLAN}").status_code == 200
    grant_person(history, ANA, role="viewer")
    problem(client.get(f"{API}/plans/{PLAN}"), 401)
