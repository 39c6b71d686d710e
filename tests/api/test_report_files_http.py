"""What the README promises of the auditors' reports holds (issue 14, items 5 and 6):
``?format=csv|xlsx`` on the summary, the indicators and the deadlines, ``?as_of`` on the
deadlines, an unknown query parameter refused with 400 naming it on every route, and files
people can use — Chinese headers, typed cells, frozen header row, filters, widths, 是/否."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_rows(r):
    assert r.status_code == 200 and r.mimetype == "text/csv", r.get_data(as_text=True)
    text = r.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def sheet_of(r):
    assert r.status_code == 200 and r.mimetype == XLSX, r.get_data()[:300]
    return load_workbook(io.BytesIO(r.get_data())).active


@pytest.mark.parametrize("path", ["/api/v1/audit/unsupplied/summary?as_of=2024-01-01",
                                  "/api/v1/audit/indicators?as_of=2024-01-01",
                                  "/api/v1/deadlines?as_of=2024-01-01"])
def test_summary_indicators_and_deadlines_answer_csv_and_xlsx_not_json(client, world, path):
    world.parcel_in("supplied")
    as_json = client.get(path)
    assert as_json.mimetype == "application/json"
    rows = csv_rows(client.get(path + "&format=csv"))
    n = len(as_json.get_json().get("cohorts") or as_json.get_json()["items"])
    assert n > 0 and len(rows) == n + 1
    sheet = sheet_of(client.get(path + "&format=xlsx"))
    assert sheet.max_row == n + 1


def test_the_summary_file_has_one_typed_row_per_cohort(client, world):
    world.parcel_in("supplied")
    summary = client.get("/api/v1/audit/unsupplied/summary?as_of=2024-01-01").get_json()
    sheet = sheet_of(client.get("/api/v1/audit/unsupplied/summary?as_of=2024-01-01"
                                "&format=xlsx"))
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["批准年度", "地块数", "批准面积（平方米）", "已供面积（平方米）",
                          "供地率"]
    first = summary["cohorts"][0]
    row = list(sheet[2])
    assert row[0].value == first["cohort"] and row[0].data_type == "n"
    assert row[2].data_type == "n" and Decimal(str(row[2].value)) == Decimal(first["approved_m2"])
    assert row[2].number_format == "#,##0.00"
    assert Decimal(str(row[4].value)) == Decimal(first["supply_rate"])


def test_indicators_csv_in_chinese_says_yes_and_no(client, world):
    rows = csv_rows(client.get("/api/v1/audit/indicators?as_of=2024-01-01&format=csv&lang=zh"))
    header = rows[0]
    assert header[:4] == ["序号", "指标代码", "指标名称", "指标名称（英文）"]
    cumulative = header.index("五年累计")
    assert {r[cumulative] for r in rows[1:]} == {"是", "否"}
    english = csv_rows(client.get("/api/v1/audit/indicators?as_of=2024-01-01&format=csv"))
    assert english[0][:2] == ["seq", "key"]


def test_deadlines_as_of_shows_the_clocks_then_in_their_state_then(client, world):
    pid = world.parcel_in("approved")  # approved 2023-03-01: the approval clock runs 2 years
    [clock] = client.get(f"/api/v1/deadlines?parcel_id={pid}&kind=approval_lapse"
                         ).get_json()["items"]
    assert clock["opened_on"] == "2023-03-01" and clock["closed_on"] is None
    before = client.get(f"/api/v1/deadlines?parcel_id={pid}&as_of=2023-01-01").get_json()
    assert before["items"] == [] and before["as_of"] == "2023-01-01"
    during = client.get(f"/api/v1/deadlines?parcel_id={pid}&kind=approval_lapse"
                        "&as_of=2024-01-01").get_json()
    assert [i["state"] for i in during["items"]] == ["open"]
    due = date.fromisoformat(clock["due_on"])
    late = client.get(f"/api/v1/deadlines?parcel_id={pid}&kind=approval_lapse"
                      f"&as_of={date(due.year, due.month, 28).isoformat()}").get_json()
    [then] = late["items"]
    assert then["state"] == "breached" and then["breached_on"] is not None
    filtered = client.get(f"/api/v1/deadlines?parcel_id={pid}&as_of=2024-01-01&state=open")
    assert filtered.get_json()["total"] >= 1


def test_an_empty_export_keeps_its_header_row(client):
    rows = csv_rows(client.get("/api/v1/deadlines?parcel_id=999999&format=csv"))
    assert rows == [rows[0]] and rows[0][:3] == ["id", "parcel_id", "kind"]
    zh = csv_rows(client.get("/api/v1/audit/idle-land?format=csv&lang=zh"))
    assert zh == [zh[0]] and zh[0][0] == "地块编号"
    sheet = sheet_of(client.get("/api/v1/audit/unsupplied?format=xlsx"))
    assert sheet.max_row == 1 and sheet["A1"].value == "地块编号"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")


def test_xlsx_has_chinese_headers_typed_cells_frozen_header_filters_and_widths(client, world):
    world.parcel_in("idle")
    sheet = sheet_of(client.get("/api/v1/audit/idle-land?as_of=2025-01-01&format=xlsx"))
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["地块编号", "地块ID", "乡镇（街道）代码", "乡镇（街道）"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert re.fullmatch(r"A1:[A-Z]+2", sheet.auto_filter.ref)
    cells = dict(zip(header, sheet[2], strict=True))
    assert cells["地块ID"].data_type == "n"
    assert cells["闲置天数"].data_type == "n"
    assert cells["出让价款（元）"].data_type == "n" and cells["出让价款（元）"].value == 5000000
    assert cells["面积（平方米）"].data_type == "n"
    idle_from = cells["闲置起算日"]
    assert idle_from.is_date and idle_from.value.date() > date(2023, 1, 1)
    assert idle_from.number_format == "yyyy-mm-dd"
    assert cells["应予收回"].data_type == "b"
    # A parcel code stays text even when it is digits only.
    assert cells["地块编号"].data_type == "s"
    widths = {k: d.width for k, d in sheet.column_dimensions.items()}
    assert widths["A"] >= 10 and widths["D"] >= len("乡镇（街道）") * 2


def test_an_english_xlsx_and_a_default_csv_keep_the_column_names(client, world):
    world.parcel_in("idle")
    sheet = sheet_of(client.get("/api/v1/audit/idle-land?as_of=2025-01-01&format=xlsx&lang=en"))
    assert sheet["A1"].value == "code"
    rows = csv_rows(client.get("/api/v1/audit/idle-land?as_of=2025-01-01&format=csv"))
    assert rows[0][0] == "code" and rows[1][rows[0].index("recovery_due")] in ("True", "False")


# --- unknown query parameters ---------------------------------------------------------------


def get_routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.rule.startswith("/api/v1/"):
            yield rule


def test_every_api_get_route_refuses_an_unknown_query_parameter(app, client):
    checked = 0
    urls = app.url_map.bind("localhost")
    special = {"name": "quota-use", "fmt": "png", "kind": "land_use", "number": "x",
               "portal_no": "x"}
    for rule in get_routes(app):
        values = {a: special.get(a, 1) for a in rule.arguments}
        path = urls.build(rule.endpoint, values)
        r = client.get(path + "?land_user=x&zz=1", who="admin")
        assert r.status_code == 400, (rule.rule, r.status_code, r.get_data(as_text=True)[:200])
        body = r.get_json()
        assert body["unknown_parameters"] == ["land_user", "zz"], rule.rule
        assert set(body["errors"]) == {"land_user", "zz"}
        checked += 1
    assert checked >= 20


def test_known_parameters_pass_and_unknown_ones_are_named(client, world):
    world.parcel_in("approved")
    ok = client.get("/api/v1/parcels?state=approved&page=1")
    assert ok.status_code == 200
    r = client.get("/api/v1/parcels?state=approved&land_user=某公司")
    assert r.status_code == 400 and r.get_json()["unknown_parameters"] == ["land_user"]
    assert "state" in r.get_json()["allowed_parameters"]
    # A POST's query is checked the same way (dry_run is the only one a transition takes).
    r = client.post("/api/v1/parcels/1/transitions/plan?dryrun=true", {})
    assert r.status_code == 400 and r.get_json()["unknown_parameters"] == ["dryrun"]
