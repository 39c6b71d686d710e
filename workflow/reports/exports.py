"""CSV and XLSX renditions of the auditors' lists: one row per item, nested fields flattened to
``parent.child`` columns, lists joined with ``;``. Returns bytes; the API sends them as files."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

MEDIA_TYPES = {"csv": "text/csv",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "geojson": "application/geo+json"}


def _flat(item: dict[str, Any]) -> dict[str, Any]:
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


def render(items: Iterable[dict[str, Any]], fmt: str, sheet: str) -> bytes:
    """The items as a ``csv`` (UTF-8 with a BOM, so that Excel reads the Chinese text), an
    ``xlsx`` or a ``geojson`` file."""
    if fmt == "geojson":
        return json.dumps(feature_collection(items), ensure_ascii=False).encode("utf-8")
    rows = [_flat(i) for i in items]
    columns: list[str] = []
    for r in rows:
        for k in r:
            if k not in columns:
                columns.append(k)
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")
        w = csv.DictWriter(buf, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
        return buf.getvalue().encode("utf-8")
    from openpyxl import Workbook  # loaded only when a spreadsheet is asked for

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    ws.append(columns)
    for r in rows:
        ws.append(["" if r.get(c) is None else r.get(c) for c in columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def feature_collection(items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Items with a ``geometry`` as a GeoJSON FeatureCollection (EPSG:4490, which GeoJSON
    readers take as WGS 84 to the centimetre); the other fields, flattened, are properties."""
    features = []
    for item in items:
        props = dict(item)
        geometry = props.pop("geometry", None)
        features.append({"type": "Feature", "geometry": geometry, "properties": _flat(props)})
    return {"type": "FeatureCollection", "features": features}
