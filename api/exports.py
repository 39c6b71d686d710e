"""CSV and XLSX renditions of the auditor lists (``?format=csv|xlsx``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def render(items: Iterable[dict[str, Any]], fmt: str, name: str) -> Response:
    rows = [_flat(i) for i in items]
    columns: list[str] = []
    for r in rows:
        for k in r:
            if k not in columns:
                columns.append(k)
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")  # Excel opens UTF-8 Chinese text correctly with a BOM
        w = csv.DictWriter(buf, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
        return Response(buf.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}.csv"})
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(name[:31])
    ws.append(columns)
    for r in rows:
        ws.append(["" if r.get(c) is None else r.get(c) for c in columns])
    out = io.BytesIO()
    wb.save(out)
    return Response(out.getvalue(), mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename={name}.xlsx"})
