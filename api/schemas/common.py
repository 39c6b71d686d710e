"""Shapes shared by every endpoint: problem documents, decimals and dates as strings, paging."""

from __future__ import annotations

import math
import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"
_QUERY_INTEGER = re.compile(r"^-?[0-9]{1,19}$")


class QueryInt(fields.Integer):
    """An integer in a query string: ASCII digits only (``int()`` also takes "５", " 5" and
    "5_000"), so that what is logged is what was meant."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, str) and not _QUERY_INTEGER.match(value):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


def Dec(**kw):  # noqa: N802 - a field factory reads like a type
    """A decimal carried as a string ("12000.50")."""
    kw.setdefault("allow_none", True)
    return fields.String(metadata={"pattern": DECIMAL_PATTERN, "example": "12000.50",
                                   **kw.pop("metadata", {})}, **kw)


def DateStr(**kw):  # noqa: N802
    kw.setdefault("allow_none", True)
    return fields.String(metadata={"format": "date", "example": "2025-04-15",
                                   **kw.pop("metadata", {})}, **kw)


def DateTimeStr(**kw):  # noqa: N802
    kw.setdefault("allow_none", True)
    return fields.String(metadata={"format": "date-time", **kw.pop("metadata", {})}, **kw)


class Label(Schema):
    zh = fields.String()
    en = fields.String()


class ViolationSchema(Schema):
    rule = fields.String(metadata={"description": "Stable rule code"})
    message = fields.String(metadata={"description": "Chinese message"})
    message_en = fields.String(metadata={"description": "English fallback"})
    details = fields.Dict()


class RuleResultSchema(Schema):
    rule = fields.String()
    passed = fields.Boolean()
    codes = fields.List(fields.String())


class ProblemSchema(Schema):
    """RFC 9457 problem details, with Landflow's stable ``code``."""

    type = fields.String()
    title = fields.String()
    title_en = fields.String()
    status = fields.Integer()
    code = fields.String(metadata={"description": "Stable error code, see the API description"})
    detail = fields.String()
    detail_en = fields.String()
    errors = fields.Dict(metadata={"description": "Field → messages, for VALIDATION_ERROR"})
    violations = fields.List(fields.Nested(ViolationSchema))
    rule_results = fields.List(fields.Nested(RuleResultSchema))
    field = fields.String()


class PageArgs(Schema):
    page = QueryInt(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = QueryInt(load_default=50, validate=validate.Range(min=1, max=500))


class TownshipRef(Schema):
    code = fields.String()
    name = fields.String()


class TownshipRefMixin(Schema):
    township = fields.Nested(TownshipRef)


class BBox(fields.String):
    """``minlon,minlat,maxlon,maxlat`` in EPSG:4490: the features whose box meets it."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(metadata={
            "description": "minlon,minlat,maxlon,maxlat (EPSG:4490); parcels whose boundary's "
                           "box meets it", "example": "108.05,29.95,108.20,30.05",
            **kw.pop("metadata", {})}, **kw)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kw: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kw)
        try:
            west, south, east, north = (float(v) for v in text.split(","))
        except ValueError:
            raise ValidationError("须为 minlon,minlat,maxlon,maxlat / must be "
                                  "minlon,minlat,maxlon,maxlat") from None
        if not all(math.isfinite(v) for v in (west, south, east, north)) or not (
                -180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise ValidationError("经纬度范围无效 / not a longitude-latitude box with min < max")
        return (west, south, east, north)
