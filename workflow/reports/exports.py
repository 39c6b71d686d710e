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
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
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


def csv_cell(value: Any) -> str:
    """A value as CSV text. Formula-like text gets a leading apostrophe, and so does text that
    already begins with one, so that ``csv_uncell`` can always take it off again."""
    if value is None:
        return ""
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


def csv_chunks(table: Table) -> Iterator[bytes]:
    """The table as UTF-8 CSV with a BOM (so that Excel reads the Chinese text), in chunks of
    about 64 KiB."""
    buf = io.StringIO()
    buf.write("\ufeff")
    csv.writer(buf).writerow(table.columns)
    cells = csv.writer(buf, quoting=csv.QUOTE_ALL)
    columns = table.columns
    for item in table.items:
        flat = flatten(item)
        cells.writerow([csv_cell(flat.get(c)) for c in columns])
        if buf.tell() >= CSV_CHUNK_CHARS:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def _xlsx_value(ws: Any, value: Any) -> Any:
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


def xlsx_file(table: Table, sheet: str) -> IO[bytes]:
    """The table as an XLSX workbook in an anonymous temporary file (gone once closed),
    positioned at its start. A list longer than a sheet goes on to further sheets."""
    from openpyxl import Workbook  # loaded only when a spreadsheet is asked for

    wb = Workbook(write_only=True)
    title = sheet[:31]
    ws = wb.create_sheet(title)
    ws.append(list(table.columns))
    rows, sheets = 1, 1
    columns = table.columns
    for item in table.items:
        if rows == XLSX_MAX_ROWS:
            sheets += 1
            suffix = f" ({sheets})"
            ws = wb.create_sheet(title[:31 - len(suffix)] + suffix)
            ws.append(list(table.columns))
            rows = 1
        flat = flatten(item)
        ws.append([_xlsx_value(ws, flat.get(c)) for c in columns])
        rows += 1
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
