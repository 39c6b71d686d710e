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


def test_the_idle_land_list_charges_no_fee_for_a_late_hand_over_and_says_so(client, world):
    """闲置土地处置办法 第八条第(一)项、第十四条: agreed start 2023-06-01, land handed over only on
    2024-03-01. The list as of 2024-06-01 shows no fee and marks the government's delay, and
    the user-cause determination is refused with the rule's code."""
    pid = world.parcel_in("expropriated")
    world.fire(pid, "supply", agreed_start_date="2023-06-01", price_yuan="1000000.00")
    world.fire(pid, "hand_over", effective_date="2024-03-01")
    body = client.get("/api/v1/audit/idle-land?as_of=2024-06-01").get_json()
    row = next(i for i in body["items"] if i["parcel_id"] == pid)
    assert row["fee_due_yuan"] == "0.00" and body["page_fee_due_yuan"] == "0.00"
    assert row["government_delay"] == "late_hand_over" and row["handed_over_on"] == "2024-03-01"
    assert row["fee_from"] == "2025-03-01"
    r = client.fire(pid, "declare_idle", {"effective_date": "2024-06-01", "cause": "user"})
    assert r.status_code == 422
    assert "IDLE_GOVERNMENT_CAUSE" in {v["rule"] for v in r.get_json()["violations"]}
    csv_text = client.get("/api/v1/audit/idle-land?as_of=2024-06-01&format=csv").get_data(
        as_text=True)
    assert "government_delay" in csv_text.splitlines()[0] and "late_hand_over" in csv_text


def test_the_idle_land_list_and_declare_idle_read_the_same_paused_clock(client, world):
    """闲置土地处置办法 第八条第(四)项; RULES.md §2.4: the idle clock paused 2023-09-01 →
    2024-03-01 over HTTP; on 2024-06-01 the list shows no idle land and declare_idle is refused;
    on 2024-11-30 both find it."""
    pid = world.parcel_in("expropriated")
    world.fire(pid, "supply", agreed_start_date="2023-06-01", price_yuan="1000000.00")
    world.fire(pid, "hand_over", effective_date="2023-05-20")
    clock = next(d for d in client.get(f"/api/v1/deadlines?parcel_id={pid}&kind=idle_clock",
                                       who="approver").get_json()["items"])
    r = client.post(f"/api/v1/deadlines/{clock['id']}/pause",
                    {"date": "2023-09-01", "reason": "群众信访"}, who="approver")
    assert r.status_code == 200 and r.get_json()["state"] == "paused"
    r = client.post(f"/api/v1/deadlines/{clock['id']}/resume", {"date": "2024-03-01"},
                    who="approver")
    assert r.get_json()["due_on"] == "2024-11-30"
    listed = client.get("/api/v1/audit/idle-land?as_of=2024-06-01").get_json()["items"]
    assert pid not in {i["parcel_id"] for i in listed}
    r = client.fire(pid, "declare_idle", {"effective_date": "2024-06-01", "cause": "user"})
    assert r.status_code == 422
    assert {v["rule"] for v in r.get_json()["violations"]} == {"IDLE_NOT_DUE"}
    listed = client.get("/api/v1/audit/idle-land?as_of=2024-11-30").get_json()["items"]
    row = next(i for i in listed if i["parcel_id"] == pid)
    assert row["fee_due_yuan"] == "200000.00"
    r = client.fire(pid, "declare_idle", {"effective_date": "2024-11-30", "cause": "user"})
    assert r.status_code == 200
