"""Small SQL constructs that differ between SQLite and PostgreSQL, compiled per dialect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, String, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from workflow.models.base import Amount


class add_days(FunctionElement[Any]):  # noqa: N801 - reads like a SQL function
    """``date + n days`` as a date."""

    type = Date()
    inherit_cache = True
    name = "add_days"


@compiles(add_days, "postgresql")
def _add_days_pg(element: add_days, compiler: Any, **kw: Any) -> str:
    col, days = list(element.clauses)
    return f"(({compiler.process(col, **kw)}) + ({compiler.process(days, **kw)}))"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element: add_days, compiler: Any, **kw: Any) -> str:
    col, days = list(element.clauses)
    return (f"date({compiler.process(col, **kw)}, "
            f"'+' || ({compiler.process(days, **kw)}) || ' days')")


class date_text(FunctionElement[Any]):  # noqa: N801
    """A date as ``YYYY-MM-DD`` text."""

    type = String()
    inherit_cache = True
    name = "date_text"


@compiles(date_text, "postgresql")
def _date_text_pg(element: date_text, compiler: Any, **kw: Any) -> str:
    (col,) = list(element.clauses)
    return f"to_char({compiler.process(col, **kw)}, 'YYYY-MM-DD')"


@compiles(date_text, "sqlite")
def _date_text_sqlite(element: date_text, compiler: Any, **kw: Any) -> str:
    (col,) = list(element.clauses)
    return f"({compiler.process(col, **kw)})"


class json_obj(FunctionElement[Any]):  # noqa: N801
    """A JSON object from alternating keys and values."""

    inherit_cache = True
    name = "json_obj"


@compiles(json_obj, "postgresql")
def _json_obj_pg(element: json_obj, compiler: Any, **kw: Any) -> str:
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


@compiles(json_obj, "sqlite")
def _json_obj_sqlite(element: json_obj, compiler: Any, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


def amount(expr: Any) -> ColumnElement[Any]:
    """Read a sum or arithmetic of amount columns back as an exact Decimal on both databases."""
    return type_coerce(expr, Amount())
