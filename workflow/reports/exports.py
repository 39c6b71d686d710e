"""CSV and XLSX renditions of the auditors' lists: one row per item, nested fields flattened to
``parent.child`` columns, lists joined with ``;``.

Both are streamed, so that memory stays bounded by one batch of rows however long the list: CSV
is sent as it is written; XLSX is written row by row (openpyxl's write-only mode) to an anonymous
temporary file, which is then sent.

A spreadsheet reads a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula, so that a parcel code like ``=HYPERLINK(…)`` would run on the auditor's
machine (CSV injection). Such text is neutralised the way OWASP recommends: in CSV a leading
apostrophe, and every data cell quoted so that a field separator inside a cell cannot start a
new one; in XLSX the cell is typed as text and marked quote-prefixed, which is what the
apostrophe means to a spreadsheet — the text is kept as it is and never becomes a formula, not
even when the cell is edited. Numbers are not text: they stay numbers (``-12.50``).

Exports are for people: an XLSX has Chinese column headers, typed cells (areas, money, rates and
counts as numbers, dates as dates — by column, so that a parcel code of digits stays text), a
frozen header row, filters and column widths; a CSV has Chinese headers and 是/否 for booleans
with ``lang="zh"``. An empty list still has its header row.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import orjson

MEDIA_TYPES = {"csv": "text/csv",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "geojson": "application/geo+json"}

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# What XML 1.0 cannot carry (openpyxl refuses it).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MAX_ROWS = 1_048_576
CSV_CHUNK_CHARS = 64 * 1024


@dataclass
class Table:
    """A list to export: its file name (without suffix), its flattened columns, and its items,
    produced lazily."""

    name: str
    columns: tuple[str, ...]
    items: Iterable[dict[str, Any]]


# Chinese column headers, by the flattened column name.
HEADERS_ZH: dict[str, str] = {
    "code": "地块编号", "parcel_id": "地块ID", "id": "ID", "township.code": "乡镇（街道）代码",
    "township.name": "乡镇（街道）", "township": "乡镇（街道）", "clock_start": "计时起点",
    "idle_from": "闲置起算日", "days_idle": "闲置天数", "land_price_yuan": "出让价款（元）",
    "fee_due_yuan": "应缴闲置费（元）", "recovery_from": "可收回日", "recovery_due": "应予收回",
    "cause": "闲置原因", "determination": "认定状态", "determined_on": "认定日期",
    "determination_no": "认定文号", "area_m2": "面积（平方米）", "categories": "类别",
    "labels": "类别名称", "cohort": "批准年度", "approved_on": "批准日期",
    "approval_no": "批准文号", "age_days": "已历天数", "expropriated_on": "征收日期",
    "supplied_on": "供地日期", "agreed_start_date": "约定动工日期", "parcels": "地块数",
    "approved_m2": "批准面积（平方米）", "supplied_m2": "已供面积（平方米）",
    "approved_unexpropriated_m2": "批而未征（平方米）",
    "expropriated_unsupplied_m2": "征而未供（平方米）",
    "approved_unsupplied_m2": "批而未供（平方米）", "supplied_unused_m2": "供而未用（平方米）",
    "supply_rate": "供地率", "seq": "序号", "key": "指标代码", "name.zh": "指标名称",
    "name.en": "指标名称（英文）", "unit": "单位", "nature": "指标属性", "cumulative": "五年累计",
    "value_2020": "2020年", "target_2025": "2025年目标", "value": "当前值", "basis": "计算依据",
    "status": "状态", "kind": "期限类型", "label.zh": "期限名称", "label.en": "期限名称（英文）",
    "due_on": "到期日", "state": "状态", "explanation": "计算说明", "opened_on": "起算日",
    "closed_on": "结束日", "breached_on": "逾期日", "paused_since": "暂停自",
    "pause_reason": "暂停原因", "amount_yuan": "金额（元）", "recovery_on": "收回日",
    "as_of": "截至日期",
}

# Typed by column, not by look: "20250001" may be a parcel code.
_NUMBER_SUFFIXES = ("_m2", "_yuan", "_ha", "_km2", "_mu", "_days", "_rate", "_id")
_NUMBER_COLUMNS = {"id", "days_idle", "age_days", "cohort", "parcels", "seq", "value",
                   "value_2020", "target_2025", "supply_rate", "term_years"}
_DATE_SUFFIXES = ("_on", "_date", "_from", "_since", "clock_start", "as_of")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
AREA_FORMAT, MONEY_FORMAT, DATE_FORMAT = "#,##0.00", "#,##0.00", "yyyy-mm-dd"


def header(column: str, lang: str) -> str:
    return HEADERS_ZH.get(column, column) if lang == "zh" else column


def column_kind(column: str) -> str:
    """``number``, ``date`` or ``text``: how a spreadsheet should hold this column's cells."""
    leaf = column.rsplit(".", 1)[-1]
    if leaf in _NUMBER_COLUMNS or leaf.endswith(_NUMBER_SUFFIXES):
        return "number"
    if leaf.endswith(_DATE_SUFFIXES):
        return "date"
    return "text"


def typed(column: str, value: Any) -> Any:
    """A decimal string as a Decimal, an ISO date as a date — where the column says so."""
    if not isinstance(value, str):
        return value
    kind = column_kind(column)
    if kind == "number" and _NUMBER.fullmatch(value):
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            return value
    if kind == "date" and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def flatten(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in item.items():
        if isinstance(v, dict):
            for kk, vv in v.items():
                out[f"{k}.{kk}"] = vv
        elif isinstance(v, list):
            out[k] = ";".join(str(x) for x in v)
        else:
            out[k] = v
    return out


def formula_like(text: str) -> bool:
    """Would a spreadsheet read this text as a formula? A plain number would not be harmful."""
    return text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text)


def csv_cell(value: Any, lang: str = "en") -> str:
    """A value as CSV text. Formula-like text gets a leading apostrophe, and so does text that
    already begins with one, so that ``csv_uncell`` can always take it off again. Booleans are
    是/否 for Chinese readers."""
    if value is None:
        return ""
    if isinstance(value, bool) and lang == "zh":
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text.startswith("'") or formula_like(text):
        return "'" + text
    return text


def csv_uncell(text: str) -> str:
    """The text ``csv_cell`` was given (for files made by it and read back)."""
    if text.startswith("'") and (text[1:].startswith("'") or formula_like(text[1:])):
        return text[1:]
    return text


def csv_chunks(table: Table, lang: str = "en") -> Iterator[bytes]:
    """The table as UTF-8 CSV with a BOM (so that Excel reads the Chinese text), in chunks of
    about 64 KiB; with ``lang="zh"`` Chinese headers and 是/否."""
    buf = io.StringIO()
    buf.write("\ufeff")
    csv.writer(buf).writerow([header(c, lang) for c in table.columns])
    cells = csv.writer(buf, quoting=csv.QUOTE_ALL)
    columns = table.columns
    for item in table.items:
        flat = flatten(item)
        cells.writerow([csv_cell(flat.get(c), lang) for c in columns])
        if buf.tell() >= CSV_CHUNK_CHARS:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def _xlsx_value(ws: Any, column: str, value: Any) -> Any:
    value = typed(column, value)
    if isinstance(value, date):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, Decimal) and column_kind(column) == "number" and \
            column.endswith(("_m2", "_yuan")):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = MONEY_FORMAT if column.endswith("_yuan") else AREA_FORMAT
        return cell
    if not isinstance(value, str):
        return value
    if _NOT_XML.search(value):
        value = _NOT_XML.sub("\ufffd", value)
    if not formula_like(value):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # openpyxl would take "=…" for a formula
    cell.quotePrefix = True
    return cell


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: a CJK character is two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _width(column: str, title: str) -> float:
    kind = column_kind(column)
    body = {"number": 14, "date": 12}.get(kind, 18 if column.endswith(("code", "no")) else 16)
    return float(min(max(display_width(title) + 2, body), 60))


def _new_sheet(wb: Any, title: str, table: Table, headers: list[str]) -> Any:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    # Write-only sheets take their layout before the first row.
    for i, (column, text) in enumerate(zip(table.columns, headers, strict=True), start=1):
        ws.column_dimensions[get_column_letter(i)].width = _width(column, text)
    ws.freeze_panes = "A2"
    from openpyxl.cell import WriteOnlyCell

    bold = Font(bold=True)
    cells = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        cells.append(cell)
    ws.append(cells)
    return ws


def _filter(ws: Any, columns: int, rows: int) -> None:
    from openpyxl.utils import get_column_letter

    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(columns)}{max(rows, 1)}"


def xlsx_file(table: Table, sheet: str, lang: str = "zh") -> IO[bytes]:
    """The table as an XLSX workbook in an anonymous temporary file (gone once closed),
    positioned at its start: Chinese headers (``lang="en"``: the column names), typed cells,
    frozen header, filters, widths. A list longer than a sheet goes on to further sheets."""
    from openpyxl import Workbook  # loaded only when a spreadsheet is asked for

    wb = Workbook(write_only=True)
    title = sheet[:31]
    headers = [header(c, lang) for c in table.columns]
    ws = _new_sheet(wb, title, table, headers)
    rows, sheets = 1, 1
    columns = table.columns
    for item in table.items:
        if rows == XLSX_MAX_ROWS:
            _filter(ws, len(columns), rows)
            sheets += 1
            suffix = f" ({sheets})"
            ws = _new_sheet(wb, title[:31 - len(suffix)] + suffix, table, headers)
            rows = 1
        flat = flatten(item)
        ws.append([_xlsx_value(ws, c, flat.get(c)) for c in columns])
        rows += 1
    _filter(ws, len(columns), rows)
    # Handed to the caller, who sends it and closes it.
    out = tempfile.TemporaryFile(prefix="landflow-export-", suffix=".xlsx")  # noqa: SIM115
    try:
        wb.save(out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


def geojson_chunks(table: Table) -> Iterator[bytes]:
    """The table as a GeoJSON FeatureCollection (EPSG:4490, which GeoJSON readers take as WGS 84
    to the centimetre), streamed in chunks of about 64 KiB; each item's ``geometry`` is the
    feature's geometry and its other fields, flattened, are the properties."""
    parts = [b'{"type": "FeatureCollection", "features": [']
    size = 0
    for n, item in enumerate(table.items):
        props = dict(item)
        geometry = props.pop("geometry", None)
        feature = _json_bytes({"type": "Feature", "geometry": geometry,
                               "properties": flatten(props)})
        parts.append(b"," + feature if n else feature)
        size += len(feature)
        if size >= CSV_CHUNK_CHARS:
            yield b"".join(parts)
            parts, size = [], 0
    parts.append(b"]}")
    yield b"".join(parts)


def _json_bytes(obj: Any) -> bytes:
    """JSON as UTF-8: orjson, or the standard library for what orjson refuses."""
    try:
        return orjson.dumps(obj)
    except TypeError:
        return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def feature_collection(items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Items with a ``geometry`` as a GeoJSON FeatureCollection, whole (a page of a list)."""
    features = []
    for item in items:
        props = dict(item)
        geometry = props.pop("geometry", None)
        features.append({"type": "Feature", "geometry": geometry, "properties": flatten(props)})
    return {"type": "FeatureCollection", "features": features}
