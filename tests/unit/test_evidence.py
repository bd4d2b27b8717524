"""Progress reported with a note and evidence: files uploaded to a plan, kept by their
SHA-256, referred to by reports, downloaded only by people who may read the plan."""

from __future__ import annotations

import gc
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from coherence.api.app import create_app
from coherence.application.evidence import (
    MAX_FILE,
    EvidenceStore,
    check_content,
    clean_name,
    evidence_directory,
    sniff,
)
from coherence.application.history import Author, PlanHistory
from coherence.application.settings import Settings
from coherence.application.tokens import issue_token
from coherence.bootstrap import api_context
from coherence.domain.errors import InvalidValue
from tests.plans import document, plan_data

PLAN, OTHER = "example-2025", "other-2025"
API = "/api/v1/plans"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


@pytest.fixture
def history(tmp_path: Path) -> PlanHistory:
    history = PlanHistory(Settings(store="memory://", evidence_dir=str(tmp_path / "evidence")))
    history.import_plan(document(), Author("setup"))
    other = plan_data(plan={"id": OTHER, "district": "Other Public Schools", "title": "Other"})
    history.import_plan(document(other), Author("setup"))
    return history


@pytest.fixture
def client(history: PlanHistory) -> TestClient:
    return TestClient(create_app(api_context(history)))


def upload(
    client: TestClient,
    data: bytes,
    kind: str | None = "application/pdf",
    name: str = "report.pdf",
    plan: str = PLAN,
    headers: dict[str, str] | None = None,
) -> Any:
    sent = {"x-filename": name, **(headers or {})}
    if kind is not None:
        sent["content-type"] = kind
    return client.post(f"{API}/{plan}/evidence", content=data, headers=sent)


def refused(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    return body


def test_report_off_track_with_a_file_and_a_link_then_download_it(
    client: TestClient, history: PlanHistory
) -> None:
    data = png()
    r = upload(client, data, "image/png", "Sign-in%20sheet%20%C3%A9t%C3%A9.png")
    assert r.status_code == 201, r.text
    uploaded = r.json()
    sha = hashlib.sha256(data).hexdigest()
    assert uploaded == {
        "sha256": sha,
        "name": "Sign-in sheet été.png",
        "media_type": "image/png",
        "size": len(data),
        "url": f"/api/v1/plans/{PLAN}/evidence/{sha}",
    }
    report = {
        "status": "off_track",
        "note": "Two of five schools started <b>late</b>",
        "evidence": [{"sha256": sha}, {"url": "https://example.org/board/minutes"}],
        "reason": "Monthly check-in",
    }
    r = client.post(f"{API}/{PLAN}/benchmarks/B1/status", json=report)
    assert r.status_code == 200, r.text
    (change,) = r.json()["changes"]
    assert change["summary"].endswith("reported off track with 1 file and 1 link: Monthly check-in")
    record = {
        "status": "off_track",
        "note": "Two of five schools started <b>late</b>",
        "evidence": [
            {"sha256": sha, "name": "Sign-in sheet été.png", "media_type": "image/png",
             "size": len(data)},
            {"url": "https://example.org/board/minutes"},
        ],
    }  # fmt: skip
    assert change["record"] == record
    assert history.history(PLAN)[-1].record == record

    r = client.get(uploaded["url"])
    assert r.status_code == 200
    assert r.content == data
    assert r.headers["content-type"] == "image/png"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert (
        "filename*=UTF-8''Sign-in%20sheet%20%C3%A9t%C3%A9.png" in r.headers["content-disposition"]
    )

    r = client.post(
        f"{API}/{PLAN}/outcomes/OC1/results",
        json={"as_of": "2027-06-30", "value": 52, "note": "MCAS", "evidence": [{"sha256": sha}]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["changes"][0]["record"]["evidence"][0]["sha256"] == sha


@pytest.mark.parametrize(
    ("data", "kind", "expected"),
    [
        (b"%PDF-1.7\n...", "application/pdf", "application/pdf"),
        (png(), "image/png", "image/png"),
        (b"\xff\xd8\xff\xe0" + bytes(20), "image/jpeg", "image/jpeg"),
        (b"\xff\xd8\xff\xe0" + bytes(20), "image/jpg", "image/jpeg"),
        (b"GIF89a" + bytes(10), "image/gif", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp", "image/webp"),
        (xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None),
        ("school,rate\nBrook,0.93\nCaña,0.9\n".encode(), "text/csv; charset=utf-8", "text/csv"),
        (b"school;rate\r\nBrook;0,93\r\n", "application/vnd.ms-excel", "text/csv"),
        (b"Notes from the visit.\n", "text/plain", "text/plain"),
        (b"%PDF-1.4", "application/octet-stream", "application/pdf"),
        (png(), None, "image/png"),
    ],
)
def test_accepted_files(data: bytes, kind: str | None, expected: str | None) -> None:
    assert check_content(kind, data) == (expected or kind)


def test_refusals(client: TestClient, history: PlanHistory) -> None:
    version = history.get_plan(PLAN).version
    body = refused(upload(client, b"%PDF-" + bytes(MAX_FILE)), 413)
    assert "10 MB" in body["detail"]
    big = b"%PDF-" + bytes(MAX_FILE * 2)
    assert upload(client, big).status_code == 413  # refused before it is read
    body = refused(upload(client, b""), 422)
    assert body["errors"] == [{"path": "file", "expected": "a file that is not empty"}]
    body = refused(upload(client, b"GIF89a" + bytes(100), "image/png", "chart.png"), 422)
    assert body["errors"][0]["path"] == "file"
    assert "a PNG image (image/png)" in body["detail"] and "a GIF image" in body["detail"]
    body = refused(upload(client, b"MZ\x90\x00" + bytes(50), "application/x-msdownload"), 422)
    assert body["errors"][0]["path"] == "file.content_type"
    refused(upload(client, b"\x00\x01\x02binary", "text/csv", "x.csv"), 422)
    refused(upload(client, b"\x00\x01\x02binary", "application/octet-stream", "x.bin"), 422)
    refused(upload(client, b"PK\x03\x04 not a workbook", "application/vnd.openxmlformats-"
                    "officedocument.spreadsheetml.sheet"), 422)  # fmt: skip

    unknown = "ab" * 32
    for path, report in [
        ("benchmarks/B1/status", {"status": "at_risk", "evidence": [{"sha256": unknown}]}),
        ("outcomes/OC1/results", {"as_of": "2027-06-30", "value": 1, "evidence": [{"sha256": unknown}]}),
    ]:  # fmt: skip
        body = refused(client.post(f"{API}/{PLAN}/{path}", json=report), 422)
        assert body["errors"][0]["path"] == "evidence[0].sha256"
    # a file uploaded to another plan is unknown to this one, and nothing is half-saved
    other = upload(client, b"%PDF-1.7 other", plan=OTHER).json()["sha256"]
    mine = upload(client, b"%PDF-1.7 mine").json()["sha256"]
    report = {"status": "at_risk", "evidence": [{"sha256": mine}, {"sha256": other}]}
    body = refused(client.post(f"{API}/{PLAN}/benchmarks/B1/status", json=report), 422)
    assert body["errors"][0]["path"] == "evidence[1].sha256"
    report = {"status": "at_risk", "evidence": [{"url": "javascript:alert(1)"}]}
    body = refused(client.post(f"{API}/{PLAN}/benchmarks/B1/status", json=report), 422)
    assert body["errors"][0]["path"] == "evidence[0].url"
    assert history.get_plan(PLAN).version == version
    refused(client.get(f"{API}/{PLAN}/evidence/{other}"), 404)
    refused(client.get(f"{API}/{PLAN}/evidence/{unknown}"), 404)
    refused(client.get(f"{API}/{PLAN}/evidence/not-a-digest"), 422)


def test_downloads_only_for_people_who_may_read_the_plan(
    client: TestClient, history: PlanHistory
) -> None:
    sha = upload(client, b"%PDF-1.7 minutes").json()["sha256"]
    editor, _ = issue_token(history, owner="Ana", role="editor", plans=[PLAN])
    viewer, _ = issue_token(history, owner="Ben", role="viewer", plans=[PLAN])
    outsider, _ = issue_token(history, owner="Eve", role="viewer", plans=[OTHER])
    url = f"{API}/{PLAN}/evidence/{sha}"
    assert client.get(url).status_code == 401
    r = client.get(url, headers={"Authorization": f"Bearer {viewer}"})
    assert r.status_code == 200 and r.content == b"%PDF-1.7 minutes"
    body = refused(client.get(url, headers={"Authorization": f"Bearer {outsider}"}), 404)
    assert body["detail"] == f"No plan with id {PLAN!r}"
    # nor through the outsider's own plan
    refused(
        client.get(
            f"{API}/{OTHER}/evidence/{sha}", headers={"Authorization": f"Bearer {outsider}"}
        ),
        404,
    )
    r = upload(client, b"%PDF-1.7 x", headers={"Authorization": f"Bearer {viewer}"})
    assert refused(r, 403)["title"] == "Forbidden"
    r = upload(client, b"%PDF-1.7 x", headers={"Authorization": f"Bearer {editor}"})
    assert r.status_code == 201


def test_the_store_keeps_bytes_once_by_digest(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    a = store.put(PLAN, "../../etc/passwd", "text/plain", b"same bytes")
    b = store.put(OTHER, "copy.txt", "text/plain", b"same bytes")
    assert a.sha256 == b.sha256 and a.name == "passwd" and b.name == "copy.txt"
    assert len(list((tmp_path / "blobs").rglob("*"))) == 2  # one folder, one file
    assert store.read(OTHER, a.sha256)[1] == b"same bytes"
    with pytest.raises(InvalidValue):
        store.put("../escape", "x.txt", "text/plain", b"x")
    assert clean_name(None, "application/pdf") == "evidence.pdf"
    assert clean_name('a<b>:"c".csv', "text/csv") == "a_b_c_.csv"
    assert sniff(b"\x00\x01") is None


def test_where_files_are_kept(tmp_path: Path) -> None:
    db = tmp_path / "plans.db"
    assert evidence_directory(Settings(store=f"sqlite:///{db}")) == tmp_path / "plans.evidence"
    given = Settings(store="postgresql://h/db", evidence_dir="/srv/evidence")
    assert evidence_directory(given) == Path("/srv/evidence")
    assert evidence_directory(Settings(store="postgresql://h/db")) == Path("coherence-evidence")
    memory = evidence_directory(Settings(store="memory://"))
    assert memory.name.startswith("coherence-evidence-") and not memory.exists()


def test_a_memory_stores_files_go_with_it() -> None:
    store = EvidenceStore.of(Settings(store="memory://"))
    store.put("p", "a.txt", "text/plain", b"kept while the store lives")
    root = store.root
    assert root.exists()
    del store
    gc.collect()
    assert not root.exists()
