"""The workspace as a person uses it: signed in through the real OpenID provider, every
write made with the session cookie (so with the CSRF token the page sends), in one
browser context from sign-in to undo; a form posted from another origin refused; a
viewer's page without edit controls and a viewer's write refused.

One server of their own (the demo plan; an admin and a viewer granted with
``coherence user grant`` before it starts) and the ``oidc-provider-mock`` process of
tests/conftest.py. No Bearer token anywhere: reads that check the server's side go
through the page's own session too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import DEMO_PLAN, Page, Server, free_port, start_server, stop_server
from tests.browser.test_editing import banner, findings_keys, save, select, until
from tests.browser.test_signin import coherence, provider_sign_in
from tests.conftest import OidcProvider

pytestmark = pytest.mark.browser

ADMIN = "ada.admin@riverbend.k12.ma.us"
VIEWER = "vic.viewer@riverbend.k12.ma.us"
# A part of the viewer's name ("Title, Name") is an owner in the demo: My work lists it.
VIEWER_NAME = "Director of Student Services, Vic Viewer"
PLAN_URL = f"/plans/{DEMO_PLAN}"
API = f"/api/v1/plans/{DEMO_PLAN}"
PDF = b"%PDF-1.4\n% Coherence session test: attendance sign-in sheets\n%%EOF\n"


@pytest.fixture(scope="module")
def session_server(
    tmp_path_factory: pytest.TempPathFactory, oidc_provider: OidcProvider, node_modules: Path
) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("workspace")
    port = free_port()
    store = f"sqlite:///{tmp / f'coherence-{port}.db'}"
    coherence("user", "grant", ADMIN, "--role", "admin", "--store", store)
    coherence("user", "grant", VIEWER, "--role", "viewer", "--name", VIEWER_NAME, "--store", store)
    env = {
        "COHERENCE_OIDC_ISSUER": oidc_provider.issuer,
        "COHERENCE_OIDC_CLIENT_ID": "coherence",
        "COHERENCE_OIDC_CLIENT_SECRET": "client-secret",
        "COHERENCE_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    server = start_server(tmp, "--demo", port=port, env=env)
    yield server
    stop_server(server)


def sign_in(page: Page, server: Server, provider: OidcProvider, email: str, name: str) -> None:
    """Through the provider's form, then the plan's page, drawn, with the role known."""
    provider.set_user(email, name=name, email_verified=True)
    provider_sign_in(page, server, email)
    page.page.wait_for_url(server.url + "/")
    page.page.locator("#account .account-name").wait_for()
    open_plan(page, server)
    # Failed loads before this point are the 401s before sign-in and the provider's own
    # page (its stylesheet from a CDN, its favicon); from here on, none is expected.
    assert [e for e in page.errors if not e.startswith("Failed to load resource")] == []
    page.errors.clear()


def open_plan(page: Page, server: Server, query: str = "") -> None:
    page.page.goto(server.url + PLAN_URL + query)
    page.wait_ready()
    until(page, "window.coherence.editing && window.coherence.editing.role")


def fetch(page: Page, path: str, method: str = "GET", body: Any = None, csrf: bool = True) -> Any:
    """A request from the page's JS with its session cookie: {status, body}."""
    return page.js(
        """async ([path, method, body, csrf]) => {
            const headers = {'Accept': 'application/json'};
            const cookie = document.cookie.split(';').map((c) => c.trim())
                .find((c) => c.startsWith('coherence_csrf='));
            if (csrf && cookie) headers['X-CSRF-Token'] = decodeURIComponent(cookie.slice(15));
            const options = {method, headers, credentials: 'same-origin'};
            if (body !== null) {
                headers['Content-Type'] = 'application/json';
                options.body = JSON.stringify(body);
            }
            const response = await fetch(path, options);
            const text = await response.text();
            let parsed = text;
            try { parsed = JSON.parse(text); } catch (e) { /* not JSON */ }
            return {status: response.status, body: parsed};
        }""",
        [path, method, body, csrf],
    )


def read(page: Page, path: str) -> Any:
    answer = fetch(page, path)
    assert answer["status"] == 200, answer
    return answer["body"]


def last_event(page: Page) -> dict[str, Any]:
    total = read(page, f"{API}/history?limit=1")["total"]
    events: list[dict[str, Any]] = read(page, f"{API}/history?offset={total - 1}&limit=1")["events"]
    return events[-1]


def watch_writes(page: Page, server: Server) -> list[dict[str, Any]]:
    """Every request the page makes to the server that is not a read, with its headers."""
    writes: list[dict[str, Any]] = []

    def seen(request: Any) -> None:
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.url.startswith(
            server.url + "/api/"
        ):
            writes.append({"method": request.method, "url": request.url, **request.headers})

    page.page.on("request", seen)
    return writes


def history_tab(page: Page) -> str:
    page.page.click("#tab-history")
    until(page, "document.querySelector('#panel-history .history')")
    return str(page.page.inner_text("#panel-history"))


def test_a_whole_session_signed_in_as_an_admin(
    page: Page, session_server: Server, oidc_provider: OidcProvider
) -> None:
    server = session_server
    writes = watch_writes(page, server)
    sign_in(page, server, oidc_provider, ADMIN, "Ada Admin")
    assert page.js("() => window.coherence.editing.role") == "admin"
    assert page.js("() => document.body.dataset.via") == "session"
    # The session's CSRF token is what protects its writes: without it, refused.
    refused = fetch(page, f"{API}/benchmarks/B1/status", "POST", {"status": "at_risk"}, False)
    assert refused["status"] == 403 and "X-CSRF-Token" in refused["body"]["detail"]
    assert ("unfunded-objective", "SO5") in findings_keys(page)

    # Add an initiative linked to an objective: a new finding, listed in the panel.
    page.page.select_option("#add-element", "initiative")
    form = page.page.locator("#panel-element form.edit-form")
    form.locator("input[name=key]").fill("SI5.7")
    form.locator("input[name=title]").fill("Work-based learning for every junior")
    form.locator("li[data-option='SO5'] input[type=checkbox]").check()
    form.locator("input[name=reason]").fill("Pathways for SO5")
    save(page)
    text = banner(page)
    assert "Saved: Add initiative SI5.7" in text and "New: SI5.7 unfunded initiative" in text
    assert ("unfunded-initiative", "SI5.7") in findings_keys(page)
    listed = page.page.locator('#panel-findings .finding[data-key="SI5.7"]')
    listed.first.wait_for(state="attached")
    listed_before = listed.count()
    linked = "cy.getElementById('SI5.7').edgesWith(cy.getElementById('SO5')).nonempty()"
    assert page.js(f"() => {{ const cy = window.coherence.cy; return {linked}; }}")

    # Fund it from a budget line with an amount: both unfunded findings resolved.
    select(page, "BL-2702")
    page.page.click("#panel-element button[data-action=edit]")
    row = page.page.locator("#panel-element li[data-option='SI5.7']")
    row.locator("input[type=checkbox]").check()
    row.locator("input.link-amount").fill("25000")
    page.page.fill("#panel-element input[name=reason]", "Perkins grant")
    save(page)
    text = banner(page)
    assert "Resolved:" in text
    assert "SO5 unfunded objective" in text and "SI5.7 unfunded initiative" in text
    assert ("unfunded-objective", "SO5") not in findings_keys(page)
    assert ("unfunded-initiative", "SI5.7") not in findings_keys(page)
    assert page.page.locator('#panel-findings .finding[data-key="SO5"]').count() == 0
    assert listed.count() == listed_before - 1  # its other findings (no benchmark...) stay
    edge = "BL-2702|funds|SI5.7"
    assert page.js(f"() => window.coherence.cy.getElementById('{edge}').data('amount')") == 25000

    # Report a benchmark off track with a file; download the file back.
    open_plan(page, server, "?element=B39")
    report = page.page.locator("#panel-element form.progress-form")
    report.wait_for()
    report.locator("select[name=status]").select_option("off_track")
    report.locator("textarea[name=note]").fill("Two schools have not started")
    report.locator("input[type=file]").set_input_files(
        files=[{"name": "sign-in sheets.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    with page.page.expect_navigation():
        report.locator("button[type=submit]").click()
    page.wait_ready()
    evidence = page.page.locator("#panel-element .evidence")
    evidence.wait_for()
    assert "reported off track with 1 file" in evidence.inner_text()
    reported = last_event(page)
    assert reported["type"] == "BenchmarkStatusReported"
    assert reported["record"]["status"] == "off_track"
    assert reported["actor"].startswith("Ada Admin")
    report_revision = reported["revision"]
    with page.page.expect_download() as download:
        evidence.locator("button.evidence-download").first.click()
    assert download.value.suggested_filename == "sign-in sheets.pdf"
    assert Path(download.value.path()).read_bytes() == PDF

    # Adopt with the record of the vote (from a redesign if the demo is adopted).
    open_plan(page, server, "?tab=lifecycle")
    panel = page.page.locator("#panel-lifecycle")
    panel.locator(".revision").first.wait_for()
    if read(page, API)["status"] == "adopted":
        redesign = panel.locator("form.lifecycle-form", has_text="Start a redesign")
        redesign.locator("input[name=reason]").fill("Year three redesign")
        with page.page.expect_navigation():
            redesign.locator("button[type=submit]").click()
        page.wait_ready()
    adopt = panel.locator("form.lifecycle-form", has_text="Adopt the plan")
    adopt.wait_for()
    adopt.locator("input[name=body]").fill("School Committee")
    adopt.locator("input[name=meeting_date]").fill("2026-06-12")
    adopt.locator("input[name=vote]").fill("6-1")
    adopt.locator("input[name=minutes_url]").fill("https://example.org/minutes/2026-06-12")
    adopt.locator("input[name=reason]").fill("Annual vote")
    with page.page.expect_navigation():
        adopt.locator("button[type=submit]").click()
    page.wait_ready()
    adopted = "Plan adopted by the School Committee on 2026-06-12 (6-1): Annual vote"
    newest = panel.locator(".revision").first
    newest.wait_for()
    assert adopted in newest.inner_text()
    assert page.page.locator("#plan-status").inner_text().lower() == "adopted"
    adoption = last_event(page)
    record = adoption["record"]
    assert (record["vote"], record["meeting_date"]) == ("6-1", "2026-06-12")
    assert "School Committee" in history_tab(page)

    # Undo the report: a new revision that reverses it, in the revisions and history.
    open_plan(page, server, "?tab=lifecycle")
    panel.locator(f'.revision[data-revision="{report_revision}"]').wait_for()
    panel.locator("input[name=undo-reason]").fill("reported before the schools answered")
    with page.page.expect_navigation():
        panel.locator(f'button.undo-button[data-revision="{report_revision}"]').click()
    page.wait_ready()
    undone = f"Undo of revision {report_revision}: reported before the schools answered"
    undo_event = last_event(page)
    assert undo_event["reason"] == undone and undo_event["revision"] > adoption["revision"]
    newest = panel.locator(".revision").first
    newest.wait_for()
    assert newest.get_attribute("data-revision") == str(undo_event["revision"])
    assert f"Undo of revision {report_revision}" in newest.inner_text()
    assert read(page, f"{API}/elements/B39")["fields"]["status"] != "off_track"
    assert f"Undo of revision {report_revision}" in history_tab(page)

    # Every write went with the cookie and its CSRF token, never a Bearer token.
    assert len(writes) >= 6  # the refused one, 2 saves, upload, report, adopt, undo
    assert all("authorization" not in w for w in writes)
    assert all(w.get("x-csrf-token") for w in writes if "benchmarks/B1" not in w["url"]), writes
    # The browser logs the refused write itself; nothing else went wrong.
    assert [e for e in page.errors if "403" not in e] == []


class Attacker:
    """A page of another origin whose form posts to the plan as soon as it loads."""

    def __init__(self, host: str, target: str) -> None:
        key = "SI6.66"
        # enctype=text/plain turns name=value into a JSON body: the classic forged write.
        name = json.dumps({"kind": "initiative", "key": key, "fields": {"title": "Forged"}})
        name, value = name[:-2], name[-2:]
        self.html = (
            "<!doctype html><title>Win a prize</title>"
            f'<form id="f" method="post" enctype="text/plain" action="{target}">'
            f"<input type=hidden name='{name}' value='{value}'></form>"
            "<script>document.getElementById('f').submit();</script>"
        ).encode()
        page = self.html

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://{host}:{self.httpd.server_address[1]}/prize.html"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize(
    ("host", "why"),
    [("127.0.0.1", "cannot change anything here"), ("localhost", "comes from another site")],
    ids=["same-site", "cross-site"],
)
def test_a_form_posted_from_another_origin_is_refused(
    page: Page, session_server: Server, oidc_provider: OidcProvider, host: str, why: str
) -> None:
    """127.0.0.1 on another port is another origin of the same site: the session cookie
    goes along, and the Origin check refuses it. localhost is another site: the browser
    says so (Sec-Fetch-Site), and keeps the SameSite=Lax cookie to itself."""
    server = session_server
    sign_in(page, server, oidc_provider, ADMIN, "Ada Admin")
    version = read(page, API)["version"]
    attacker = Attacker(host, f"{server.url}{API}/elements")
    try:
        with page.page.expect_response(
            lambda r: r.request.method == "POST" and r.url.endswith(f"{API}/elements")
        ) as answer:
            page.page.goto(attacker.url)
        response = answer.value
        sent = response.request.all_headers()
        assert sent["origin"] == attacker.url.rsplit("/", 1)[0]
        assert ("coherence_session=" in sent.get("cookie", "")) is (host == "127.0.0.1")
        assert response.status == 403
        assert why in response.json()["detail"]
    finally:
        attacker.close()
    open_plan(page, server)
    assert read(page, API)["version"] == version
    missing = fetch(page, f"{API}/elements/SI6.66")
    assert missing["status"] == 404


def test_a_viewer_sees_no_edit_controls_and_their_write_is_refused(
    page: Page, session_server: Server, oidc_provider: OidcProvider
) -> None:
    server = session_server
    sign_in(page, server, oidc_provider, VIEWER, VIEWER_NAME)
    assert page.js("() => window.coherence.editing.role") == "viewer"
    assert page.js("() => document.body.dataset.role") == "viewer"
    assert not page.page.locator("#edit-tools").is_visible()
    assert page.page.locator("#add-element").count() == 0
    edit_controls = "#panel-element .edit-actions, #panel-element button[data-action]"
    for key in ("SO2", "B39"):  # an objective; a benchmark (no report form either)
        page.js("(key) => window.coherence.select(key)", key)
        until(page, f"document.querySelector('#panel-element h2').textContent.includes('{key}')")
        until(page, "document.querySelector('#panel-element .fields')")
        assert page.page.locator(edit_controls).count() == 0
        assert page.page.locator("#panel-element form.progress-form").is_hidden()
    # The lifecycle tab lists the revisions, with no action.
    page.page.click("#tab-lifecycle")
    page.page.locator("#panel-lifecycle .revision").first.wait_for()
    lifecycle = page.page.locator("#panel-lifecycle")
    for control in ("form.lifecycle-form", "button.undo-button", "input[name=undo-reason]"):
        shown = lifecycle.locator(control)
        assert all(not shown.nth(i).is_visible() for i in range(shown.count())), control
    # My work: the items, without the Report progress buttons.
    page.page.goto(server.url + "/my-work")
    page.wait_ready()
    items = page.page.locator(".work-item")
    items.first.wait_for()
    until(page, "document.body.dataset.role === 'viewer'")
    toggles = page.page.locator("button.report-toggle")
    assert toggles.count() > 0
    assert all(not toggles.nth(i).is_visible() for i in range(toggles.count()))
    open_plan(page, server)
    # A write typed into the console, with the session and its CSRF token: refused.
    version = read(page, API)["version"]
    attempt = fetch(page, f"{API}/elements/SO2", "PATCH", {"fields": {"title": "Viewer was here"}})
    assert attempt["status"] == 403, attempt
    assert "viewer" in attempt["body"]["detail"]
    report = fetch(page, f"{API}/benchmarks/B39/status", "POST", {"status": "complete"})
    assert report["status"] == 403, report
    assert read(page, API)["version"] == version
    assert [e for e in page.errors if "403" not in e] == []
