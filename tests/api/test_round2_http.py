"""Issue 12, item 11 over HTTP: exports keep their header when empty; record details are
checked per kind; a record kind is filed only in the states it belongs to."""

from __future__ import annotations

import csv
import io

from workflow.operator.importer import export_parcels
from workflow.reports.queries import IDLE_COLUMNS, STOCK_COLUMNS


def test_an_empty_csv_export_still_has_its_header_row(client, world, runtime, tmp_path):
    """A list with no rows is still a list of these columns: an auditor's empty export (as of a
    day before any parcel) opens with the header row, so that a spreadsheet or a script reading
    it by column name still works."""
    for path, columns in (("idle-land", IDLE_COLUMNS), ("unsupplied", STOCK_COLUMNS)):
        r = client.get(f"/api/v1/audit/{path}?as_of=2000-01-01&format=csv")
        assert r.status_code == 200 and r.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
        assert rows == [list(columns)]
    out = tmp_path / "none.csv"
    assert export_parcels(runtime, out) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 1 and rows[0][0] == "code"


def test_record_details_are_checked_against_the_kind_of_record(client, world, runtime):
    """Each record kind carries the details its rule reads and no others (闲置土地处置办法
    第十二条 for a disposal's agreement, 实施条例 第二十六条 for the pre-announcement's document):
    an unknown or malformed key is a 422 naming ``details.<field>``, and nothing is filed."""
    pid = world.parcel_in("surveyed")
    path = f"/api/v1/parcels/{pid}/records"
    r = client.post(path, {"kind": "pre_announcement", "date": "2022-12-01",
                           "details": {"document_no": "石府预告〔2022〕3号", "colour": "red"}})
    assert r.status_code == 422, r.get_json()
    assert set(r.get_json()["errors"]) == {"details.colour"}, r.get_json()
    r = client.post(path, {"kind": "pre_announcement", "date": "2022-12-01",
                           "details": {"document_no": "石府预告〔2022〕3号"}})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["record"]["details"] == {"document_no": "石府预告〔2022〕3号"}
    # A note is the one free-form record: a clerk writes what the note says.
    r = client.post(path, {"kind": "note", "date": "2022-12-01",
                           "details": {"colour": "red", "nested": {"a": 1}}})
    assert r.status_code == 201, r.get_json()
    supplied = world.parcel_in("supplied")
    path = f"/api/v1/parcels/{supplied}/records"
    r = client.post(path, {"kind": "payment", "date": "2023-06-01",
                           "details": {"amount_yuan": "abc", "receipt_no": "石财缴 001",
                                       "paid_by_cheque": True}})
    assert r.status_code == 422, r.get_json()
    assert set(r.get_json()["errors"]) == {"details.amount_yuan", "details.paid_by_cheque"}


def test_every_record_kind_has_its_details_schema():
    """No record kind falls back to unchecked details."""
    from workflow.payloads.fields import RECORD_KINDS
    from workflow.payloads.records import RECORD_DETAIL_SCHEMAS

    assert set(RECORD_DETAIL_SCHEMAS) == set(RECORD_KINDS)


def test_a_record_kind_is_filed_only_in_the_states_it_belongs_to(client, world, runtime):
    """闲置土地处置办法 第二条第二款: a suspension of construction (中止开发建设) can only be
    recorded for land under construction; on a surveyed parcel it is a 409 that names the
    states the kind belongs to, and nothing is filed."""
    from tests.integration.rules.helpers import snapshot

    pid = world.parcel_in("surveyed")
    before = snapshot(runtime)
    r = client.post(f"/api/v1/parcels/{pid}/records", {
        "kind": "construction_suspended", "date": "2023-01-10",
        "details": {"since": "2023-01-05"}})
    assert r.status_code == 409, r.get_json()
    body = r.get_json()
    assert body["code"] == "RECORD_NOT_ALLOWED"
    assert body["state"] == "surveyed" and body["allowed_states"] == ["under_construction"]
    assert "under_construction" in body["detail"]
    assert snapshot(runtime) == before
    # The expropriation procedure is recorded before the approval, not after it.
    approved = world.parcel_in("approved")
    r = client.post(f"/api/v1/parcels/{approved}/records",
                    {"kind": "pre_announcement", "date": "2023-03-05"})
    assert r.status_code == 409 and r.get_json()["allowed_states"] == ["surveyed", "planned"]
    built = world.parcel_in("under_construction")
    r = client.post(f"/api/v1/parcels/{built}/records", {
        "kind": "construction_suspended", "date": "2023-12-20",
        "details": {"since": "2023-12-15"}})
    assert r.status_code == 201, r.get_json()
