"""/audit: the auditor's view of idle and unsupplied land and the plan's indicators, as of any
date; CSV and XLSX exports; charts."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response

from api import charts, exports
from api.auth import current_actor
from api.base import Blueprint, runtime
from api.errors import problem
from api.schemas.audit import (
    AuditListArgs,
    ChartArgs,
    IdlePage,
    IndicatorsOut,
    ReportArgs,
    SummaryOut,
    UnsuppliedArgs,
    UnsuppliedPage,
)
from workflow import law
from workflow.errors import ValidationFailed
from workflow.reports import charts as chart_data
from workflow.reports import queries as q

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit",
                description="Auditors: idle and unsupplied land, indicators, as of any date")

CHART_MEDIA = {"png": "image/png", "svg": "image/svg+xml"}



def _list(page: Any, table: Any, args: dict[str, Any]) -> Any:
    fmt = args.pop("format", "json")
    lang = args.pop("lang", None)
    if fmt == "json":
        return page(runtime().reader(), current_actor(), **args)
    args.pop("page", None)
    args.pop("per_page", None)
    if fmt == "geojson":
        args["with_geometry"] = True
    return exports.send(table(runtime().reader(), current_actor(), **args), fmt, lang)


@blp.route("/idle-land", methods=["GET"])
@blp.arguments(AuditListArgs, location="query", as_kwargs=True)
@blp.response(200, IdlePage)
@blp.alt_response(200, description="CSV, XLSX or GeoJSON with ?format=csv|xlsx|geojson",
                  success=True, content_type="text/csv")
def idle_land(**args: Any) -> Any:
    """Idle land and land past its idle threshold as of a date: fee due, recovery due, days
    idle, cause and determination status."""
    return _list(q.idle_land, q.idle_land_table, args)


@blp.route("/unsupplied", methods=["GET"])
@blp.arguments(UnsuppliedArgs, location="query", as_kwargs=True)
@blp.response(200, UnsuppliedPage)
def unsupplied(**args: Any) -> Any:
    """批而未征 / 征而未供 / 批而未供 / 供而未用 as of a date, by township and approval cohort."""
    return _list(q.unsupplied, q.unsupplied_table, args)


@blp.route("/unsupplied/summary", methods=["GET"])
@blp.arguments(ReportArgs, location="query", as_kwargs=True)
@blp.response(200, SummaryOut)
@blp.alt_response(200, description="CSV or XLSX with ?format=csv|xlsx (one row per cohort)",
                  success=True, content_type="text/csv")
def unsupplied_summary(format: str = "json", lang: str | None = None, **args: Any) -> Any:
    """Approved, supplied and each stock per approval cohort, and the five-year rolling supply
    rate against the 60% line."""
    result = q.unsupplied_summary(runtime().reader(), current_actor(), **args)
    if format == "json":
        return result
    return exports.send(q.summary_table(result), format, lang)


@blp.route("/indicators", methods=["GET"])
@blp.arguments(ReportArgs, location="query", as_kwargs=True)
@blp.response(200, IndicatorsOut)
@blp.alt_response(200, description="CSV or XLSX with ?format=csv|xlsx", success=True,
                  content_type="text/csv")
def indicators(as_of: Any = None, township: str | None = None, format: str = "json",
               lang: str | None = None) -> Any:
    """The plan's 专栏3 indicators computed from the data against their 2025 targets."""
    if township is not None:
        raise ValidationFailed({"township": ["indicators are county-wide"]})
    result = q.indicators(runtime().reader(), current_actor(), as_of=as_of)
    if format == "json":
        return result
    return exports.send(q.indicators_table(result), format, lang)


@blp.route("/charts/<any('quota-use', 'unsupplied-by-township', 'supply-rate'):name>"
           ".<any(png, svg):fmt>",
           methods=["GET"])
@blp.arguments(ChartArgs, location="query", as_kwargs=True)
@blp.response(200, description="The chart", content_type="image/png")
def chart(name: str, fmt: str, as_of: Any = None) -> Any:
    """Charts with Chinese labels: quota use against allocation over the year, unsupplied stock
    by township, supply rate by approval cohort."""
    actor = current_actor()
    reader = runtime().reader
    try:
        if name == "quota-use":
            body = charts.quota_use(chart_data.quota_use_series(reader(), actor, as_of=as_of), fmt)
        elif name == "unsupplied-by-township":
            day, rows = chart_data.unsupplied_by_township(reader(), actor, as_of=as_of)
            body = charts.unsupplied_by_township(rows, day, fmt)
        else:
            summary = q.unsupplied_summary(reader(), actor, as_of=as_of)
            body = charts.supply_rate_by_cohort(summary["cohorts"],
                                                law.value("supply_rate.min",
                                                          date.fromisoformat(summary["as_of"])),
                                                summary["as_of"], fmt)
    except charts.FontMissing:
        return problem("INTERNAL_ERROR", 503)
    return Response(body, mimetype=CHART_MEDIA[fmt])
