"""Signing in from the browser, through a real OpenID provider process.

``coherence serve`` runs with the provider (``oidc-provider-mock``, see
tests/conftest.py) configured; chromium opens the plans page, clicks Sign in, types
the account into the provider's form and comes back signed in, the name in the top
bar. An account without a role sees the "ask your administrator" page instead.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import (
    SCREENSHOTS,
    Page,
    Server,
    free_port,
    start_server,
    stop_server,
)
from tests.conftest import OidcProvider

pytestmark = pytest.mark.browser

ANA = "ana@riverbend.k12.ma.us"


def coherence(*args: str) -> None:
    subprocess.run(
        [str(Path(sys.executable).with_name("coherence")), *args], check=True, capture_output=True
    )


@pytest.fixture(scope="module")
def signin_server(
    tmp_path_factory: pytest.TempPathFactory, oidc_provider: OidcProvider, node_modules: Path
) -> Any:
    tmp = tmp_path_factory.mktemp("signin")
    port = free_port()
    store = f"sqlite:///{tmp / f'coherence-{port}.db'}"
    coherence("user", "grant", ANA, "--role", "admin", "--store", store)
    env = {
        "COHERENCE_OIDC_ISSUER": oidc_provider.issuer,
        "COHERENCE_OIDC_CLIENT_ID": "coherence",
        "COHERENCE_OIDC_CLIENT_SECRET": "client-secret",
        "COHERENCE_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    server = start_server(tmp, "--demo", port=port, env=env)
    yield server
    stop_server(server)


def provider_sign_in(page: Page, server: Server, email: str) -> None:
    page.page.goto(server.url + "/")
    # Not signed in: the page sends the browser to the sign-in page, and back after.
    page.page.wait_for_url("**/auth/signin?next=%2F")
    page.page.screenshot(path=str(SCREENSHOTS / "signin-page.png"))
    page.page.locator("#signin-oidc").click()
    page.page.get_by_placeholder("sub").fill(email)
    page.page.get_by_role("button", name="Authorize").click()


def test_sign_in_with_the_district_account(
    page: Page, signin_server: Server, oidc_provider: OidcProvider
) -> None:
    oidc_provider.set_user(ANA, name="Ana Ruiz", email_verified=True)
    provider_sign_in(page, signin_server, ANA)
    page.page.wait_for_url(signin_server.url + "/")
    name = page.page.locator("#account .account-name")
    name.wait_for()
    assert name.inner_text() == "Ana Ruiz"
    assert page.page.locator("#account .account-role").inner_text().lower() == "admin"
    page.page.locator('tr[data-plan="riverbend-2024"]').wait_for()
    assert page.js("() => document.body.dataset.role") == "admin"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(SCREENSHOTS / "signin-plans-signed-in.png"))
    # The people page lists her, and granting someone works from the page.
    page.page.locator("#account a.account-link", has_text="People").click()
    page.page.wait_for_url("**/people")
    page.page.locator(f'tr[data-email="{ANA}"]').wait_for()
    page.page.locator("#grant-email").fill("bo@riverbend.k12.ma.us")
    page.page.locator("#grant-name").fill("Bo Chen")
    page.page.locator("#grant-role").select_option("viewer")
    page.page.get_by_role("button", name="Grant").click()
    page.page.locator('tr[data-email="bo@riverbend.k12.ma.us"]').wait_for()
    assert "Bo Chen" in page.page.locator('tr[data-email="bo@riverbend.k12.ma.us"]').inner_text()
    page.page.screenshot(path=str(SCREENSHOTS / "signin-people.png"))
    # Sign out: the session ends.
    page.page.locator("#account .account-signout").click()
    page.page.wait_for_url("**/auth/signin")
    assert page.page.evaluate("() => fetch('/api/v1/me').then(r => r.status)") == 401
    # No script error; failed loads are the 401s before sign-in and the provider's own
    # page (its stylesheet from a CDN, unreachable here).
    assert [e for e in page.errors if not e.startswith("Failed to load resource")] == []


def test_an_account_without_a_role_is_told_to_ask_the_administrator(
    page: Page, signin_server: Server, oidc_provider: OidcProvider
) -> None:
    stranger = "stranger@riverbend.k12.ma.us"
    oidc_provider.set_user(stranger, name="Sam Stranger")
    provider_sign_in(page, signin_server, stranger)
    page.page.wait_for_url(re.compile(r".*/auth/oidc/callback.*"))
    assert page.page.locator("#notice-title").inner_text() == "Ask your administrator"
    assert stranger in page.page.locator("#notice-message").inner_text()
    assert page.page.evaluate("() => fetch('/api/v1/me').then(r => r.status)") == 401
