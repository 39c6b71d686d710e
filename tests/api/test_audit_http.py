"""The auditor endpoints over HTTP: paging, filters, exports, charts, roles."""

from __future__ import annotations

import io

import pytest


def test_auditor_lists_answer_as_of_and_page(client, world):
    for _ in range(3):
        world.parcel_in("approved")
    r = client.get("/api/v1/audit/unsupplied?as_of=2024-01-01&per_page=2")
    body = r.get_json()
    assert r.status_code == 200 and body["total"] == 3 and len(body["items"]) == 2
    assert body["items"][0]["labels"] == ["批而未征", "批而未供"]


def test_clerks_do_not_read_the_audit_lists(client):
    assert client.get("/api/v1/audit/idle-land", who="clerk").status_code == 403
    assert client.get("/api/v1/audit/idle-land", who=None).status_code == 401


def test_idle_land_exports_as_csv_and_xlsx(client, world):
    world.parcel_in("idle")
    r = client.get("/api/v1/audit/idle-land?as_of=2025-01-01&format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.get_data(as_text=True)
    assert text.startswith("\ufeffcode,parcel_id,township.code,township.name")
    assert "南宾街道" in text and "1000000.00" in text
    r = client.get("/api/v1/audit/idle-land?as_of=2025-01-01&format=xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(r.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "地块编号" and len(rows) == 2  # Chinese headers in XLSX


def test_summary_and_indicators(client, world):
    world.parcel_in("supplied")
    s = client.get("/api/v1/audit/unsupplied/summary?as_of=2024-01-01").get_json()
    assert s["cohorts"][0]["supply_rate"] == "1.0000"
    assert s["rolling"]["below_minimum"] is False
    ind = client.get("/api/v1/audit/indicators?as_of=2024-01-01").get_json()
    assert len(ind["items"]) == 16


def test_an_unknown_township_filter_is_422(client):
    r = client.get("/api/v1/audit/unsupplied?township=无此乡")
    assert r.status_code == 422 and "township" in r.get_json()["errors"]


@pytest.mark.parametrize("name", ["quota-use", "unsupplied-by-township", "supply-rate"])
def test_charts_render_with_chinese_labels(client, world, name):
    world.parcel_in("approved")
    with client.get(f"/api/v1/audit/charts/{name}.png?as_of=2023-12-31") as png:
        assert png.status_code == 200 and png.mimetype == "image/png"
        assert png.get_data()[:8] == b"\x89PNG\r\n\x1a\n"
    with client.get(f"/api/v1/audit/charts/{name}.svg?as_of=2023-12-31") as svg:
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
        assert b"<svg" in svg.get_data()[:500]
