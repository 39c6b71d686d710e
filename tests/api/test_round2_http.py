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
