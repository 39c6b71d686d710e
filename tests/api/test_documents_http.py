"""Documents filed with records and portal applications: type judged from the content, size
limited, stored by SHA-256 with the hash in the audit event, served under the parcel's scope."""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from tests.api.test_portal_http import application
from tests.factories import PRE_APPROVAL_RECORDS
from workflow.documents.store import LocalStore, S3Store, store_for
from workflow.models import AuditEvent, Document

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"


@pytest.fixture
def store(runtime, tmp_path, app):
    runtime.settings = replace(runtime.settings, documents_dir=str(tmp_path / "docs"),
                               documents_max_bytes=300_000)
    local = LocalStore(tmp_path / "docs")
    app.extensions["landflow.documents"] = local
    return local


def upload(client, pid, data, name="file.pdf", kind="land_use_plan_package", who="clerk",
           **form):
    body = {"kind": kind, "file": (io.BytesIO(data), name), **form}
    return client.http.post(f"/api/v1/parcels/{pid}/documents", data=body,
                            headers=client.headers(who), content_type="multipart/form-data")


def stored_files(store: LocalStore) -> list:
    return [p for p in store.root.rglob("*") if p.is_file()] if store.root.exists() else []


def test_a_filed_document_is_stored_by_its_sha256_and_the_hash_is_in_the_audit_event(
        client, world, store):
    pid = world.parcel_in("planned")
    r = upload(client, pid, PDF, name="石柱县2025年第3批次一书四方案.pdf")
    assert r.status_code == 201, r.get_json()
    doc = r.get_json()
    digest = hashlib.sha256(PDF).hexdigest()
    assert doc["sha256"] == digest and doc["size_bytes"] == len(PDF)
    assert doc["media_type"] == "application/pdf" and doc["kind"] == "land_use_plan_package"
    assert doc["filename"] == "石柱县2025年第3批次一书四方案.pdf"
    assert store.path(digest).read_bytes() == PDF
    last = client.get(f"/api/v1/parcels/{pid}/history").get_json()["items"][-1]
    assert last["kind"] == "document" and last["seq"] == doc["audit_event_id"]
    assert last["payload"]["document"]["sha256"] == digest
    assert last["payload"]["document"]["kind"] == "land_use_plan_package"
    listed = client.get(f"/api/v1/parcels/{pid}/documents").get_json()["items"]
    assert [d["id"] for d in listed] == [doc["id"]]
    got = client.get(f"/api/v1/documents/{doc['id']}/content")
    assert got.status_code == 200 and got.data == PDF
    assert got.mimetype == "application/pdf"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["ETag"] == f'"{digest}"'
    assert "attachment" in got.headers["Content-Disposition"]


def test_the_type_is_judged_from_the_content_not_the_name(client, world, store):
    pid = world.parcel_in("planned")
    events = world.event_count(pid)
    r = upload(client, pid, HTML, name="一书四方案.pdf")
    assert r.status_code == 415 and r.get_json()["code"] == "DOCUMENT_TYPE_NOT_ALLOWED"
    assert "text/html" in r.get_json()["detail_en"]
    r = upload(client, pid, b"MZ\x90\x00 an executable", name="contract.pdf",
               kind="grant_contract")
    assert r.status_code == 415
    assert stored_files(store) == [] and world.event_count(pid) == events
    r = upload(client, pid, PNG, name="scan.pdf", kind="grant_contract")
    assert r.status_code == 201
    assert r.get_json()["media_type"] == "image/png" and r.get_json()["filename"] == "scan.png"
    r = upload(client, pid, JPEG, name="../../etc/passwd", kind="grant_contract")
    assert r.status_code == 201 and r.get_json()["filename"] == "passwd.jpg"


def test_size_limits_hold_and_uploads_may_exceed_the_json_body_limit(client, world, store):
    pid = world.parcel_in("planned")
    # (bodies under 500 kB: werkzeug's test client spools larger ones to a file it never closes)
    big = PDF + b"0" * (280_000 - len(PDF))  # over the API's 256 KiB JSON limit
    assert upload(client, pid, big).status_code == 201
    over = PDF + b"0" * (300_001 - len(PDF))
    r = upload(client, pid, over)
    assert r.status_code == 413 and r.get_json()["code"] == "DOCUMENT_TOO_LARGE"
    r = upload(client, pid, PDF + b"0" * 420_000)  # the body itself is past the limit
    assert r.status_code == 413 and r.get_json()["code"] == "PAYLOAD_TOO_LARGE"
    r = upload(client, pid, b"")
    assert r.status_code == 422 and "file" in r.get_json()["errors"]
    # the JSON endpoints keep their own limit
    r = client.post("/api/v1/parcels", {"x": "y" * 300_000})
    assert r.status_code == 413


def test_bad_forms_are_422_naming_the_field(client, world, store):
    pid = world.parcel_in("planned")
    r = upload(client, pid, PDF, kind="birth_certificate")
    assert r.status_code == 422 and "kind" in r.get_json()["errors"]
    r = client.http.post(f"/api/v1/parcels/{pid}/documents", data={"kind": "grant_contract"},
                         headers=client.headers("clerk"), content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.get_json()["errors"]
    other = world.parcel_in("planned")
    kind, on = PRE_APPROVAL_RECORDS[0]
    rid = world.record(other, kind, on)["record"]["id"]
    r = upload(client, pid, PDF, record_id=str(rid))
    assert r.status_code == 422 and "record_id" in r.get_json()["errors"]
    r = upload(client, other, PDF, record_id=str(rid))
    assert r.status_code == 201 and r.get_json()["record_id"] == rid


def test_who_may_file_and_read_follows_roles_and_township_scope(client, world, store):
    world.add_account("nanbin_clerk", "clerk", "南宾街道")
    pid = world.parcel_in("planned", township="黄水镇")
    assert upload(client, pid, PDF, who="auditor").status_code == 403
    assert upload(client, pid, PDF, kind="grant_contract", who="approver").status_code == 403
    r = upload(client, pid, PDF, kind="idle_land_determination", who="approver")
    assert r.status_code == 201
    doc_id = r.get_json()["id"]
    assert client.get(f"/api/v1/documents/{doc_id}/content", who="auditor").status_code == 200
    for path in (f"/api/v1/documents/{doc_id}/content", f"/api/v1/documents/{doc_id}",
                 f"/api/v1/parcels/{pid}/documents"):
        r = client.get(path, who="nanbin_clerk")
        assert r.status_code == 403 and r.get_json()["code"] == "OUT_OF_SCOPE", path
    files = len(stored_files(store))
    r = upload(client, pid, JPEG, who="nanbin_clerk")
    assert r.status_code == 403 and len(stored_files(store)) == files  # nothing stored
    # an id that does not exist answers a scoped account like one out of its scope
    assert client.get("/api/v1/documents/999999", who="nanbin_clerk").status_code == 403
    assert client.get("/api/v1/documents/999999").status_code == 404
    assert client.http.get(f"/api/v1/documents/{doc_id}/content").status_code == 401


def test_the_portal_files_material_with_its_own_applications_only(client, world, store):
    r = client.post("/api/v1/portal/applications", application("YKB-DOC-1"), who="portal")
    assert r.status_code == 201
    pid = r.get_json()["parcel_id"]
    url = "/api/v1/portal/applications/YKB-DOC-1/documents"
    body = {"kind": "land_use_plan_package", "file": (io.BytesIO(PDF), "材料.pdf")}
    r = client.http.post(url, data=body, headers=client.headers("portal"),
                         content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    doc = r.get_json()
    assert doc["parcel_id"] == pid and doc["application_id"] is not None
    assert [d["id"] for d in client.get(url, who="portal").get_json()["items"]] == [doc["id"]]
    assert [d["id"] for d in client.get(f"/api/v1/parcels/{pid}/documents").get_json()[
        "items"]] == [doc["id"]]
    world.add_account("portal2", "portal")
    assert client.get(url, who="portal2").status_code == 403
    assert client.get(f"/api/v1/documents/{doc['id']}/content", who="portal2"
                      ).status_code == 403
    body = {"kind": "grant_contract", "file": (io.BytesIO(PDF), "x.pdf")}
    r = client.http.post(url, data=body, headers=client.headers("portal2"),
                         content_type="multipart/form-data")
    assert r.status_code == 403
    # the portal may not file a determination, nor a clerk through the portal's door
    body = {"kind": "idle_land_determination", "file": (io.BytesIO(PDF), "x.pdf")}
    r = client.http.post(url, data=body, headers=client.headers("portal"),
                         content_type="multipart/form-data")
    assert r.status_code == 403


def test_a_file_changed_in_the_store_is_not_served(client, world, store, runtime):
    pid = world.parcel_in("planned")
    doc = upload(client, pid, PDF).get_json()
    store.path(doc["sha256"]).write_bytes(PDF.replace(b"Catalog", b"Catalo9"))
    r = client.get(f"/api/v1/documents/{doc['id']}/content")
    assert r.status_code == 500 and r.get_json()["code"] == "DOCUMENT_CORRUPTED"
    with runtime.reader() as uow:
        assert uow.session.execute(select(func.count()).select_from(Document)).scalar_one() == 1
        assert uow.session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.kind == "document")).scalar_one() == 1


def test_the_same_key_and_file_replays_the_first_filing(client, world, store):
    pid = world.parcel_in("planned")
    def body():
        return {"kind": "grant_contract", "file": (io.BytesIO(PDF), "c.pdf")}

    h = client.headers("clerk", {"Idempotency-Key": "doc-1"})
    a = client.http.post(f"/api/v1/parcels/{pid}/documents", data=body(), headers=h,
                         content_type="multipart/form-data")
    b = client.http.post(f"/api/v1/parcels/{pid}/documents", data=body(), headers=h,
                         content_type="multipart/form-data")
    assert a.status_code == 201 and b.status_code == 200
    assert a.get_json() == b.get_json() and b.headers["Idempotent-Replayed"] == "true"


def test_an_s3_compatible_store_keeps_and_returns_the_bytes(client, world, app, runtime,
                                                            monkeypatch):
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "cn-north-1")
    with mock_aws():
        import boto3

        boto3.client("s3", region_name="cn-north-1").create_bucket(
            Bucket="landflow-docs",
            CreateBucketConfiguration={"LocationConstraint": "cn-north-1"})
        runtime.settings = replace(runtime.settings, documents_store="s3",
                                   s3_bucket="landflow-docs", s3_prefix="shizhu/",
                                   s3_region="cn-north-1")
        app.extensions["landflow.documents"] = store_for(runtime.settings)
        pid = world.parcel_in("planned")
        r = upload(client, pid, PDF)
        assert r.status_code == 201, r.get_json()
        digest = r.get_json()["sha256"]
        store = app.extensions["landflow.documents"]
        assert isinstance(store, S3Store)
        obj = boto3.client("s3", region_name="cn-north-1").get_object(
            Bucket="landflow-docs", Key=f"shizhu/{digest}")
        assert obj["Body"].read() == PDF and obj["ContentType"] == "application/pdf"
        got = client.get(f"/api/v1/documents/{r.get_json()['id']}/content")
        assert got.status_code == 200 and got.data == PDF


def test_a_store_that_cannot_work_stops_the_app_at_start(runtime):
    from api import create_app

    runtime.settings = replace(runtime.settings, documents_store="s3", s3_bucket="")
    with pytest.raises(RuntimeError, match="LANDFLOW_S3_BUCKET"):
        create_app(runtime=runtime, testing=True)
    runtime.settings = replace(runtime.settings, documents_store="ftp")
    with pytest.raises(RuntimeError, match="local or s3"):
        create_app(runtime=runtime, testing=True)
