"""One surveyed parcel as a flat import row (a CSV line, or a GeoJSON feature's properties)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate

from workflow.payloads.fields import OWNERSHIPS, Amount, Day, FreeJSON, Int, Strict, Text
from workflow.payloads.survey import GEOMETRY_BOUNDS, _check_geometry, survey_problems

IMPORT_COLUMNS = ("code", "township", "ownership", "effective_date", "farmland_m2", "paddy_m2",
                  "farmland_grade", "other_agricultural_m2", "unused_m2", "construction_m2",
                  "basic_farmland_m2", "red_line_m2", "in_development_boundary", "geometry")
LAND_FIELDS = ("farmland_m2", "paddy_m2", "farmland_grade", "other_agricultural_m2",
               "unused_m2", "construction_m2")
LINE_FIELDS = ("basic_farmland_m2", "red_line_m2", "in_development_boundary")


class ImportRowSchema(Strict):
    """One surveyed parcel as a flat row (a CSV line, or a GeoJSON feature's properties)."""

    code = Text(64, required=True)
    township = Text(40, required=True)
    ownership = fields.String(required=True, validate=validate.OneOf(OWNERSHIPS))
    effective_date = Day(load_default=None)
    farmland_m2 = Amount(load_default=Decimal("0.00"))
    paddy_m2 = Amount(load_default=Decimal("0.00"))
    farmland_grade = Int(validate=validate.Range(min=1, max=15), load_default=None,
                                    allow_none=True)
    other_agricultural_m2 = Amount(load_default=Decimal("0.00"))
    unused_m2 = Amount(load_default=Decimal("0.00"))
    construction_m2 = Amount(load_default=Decimal("0.00"))
    basic_farmland_m2 = Amount(load_default=Decimal("0.00"))
    red_line_m2 = Amount(load_default=Decimal("0.00"))
    in_development_boundary = fields.Boolean(load_default=True)
    geometry = FreeJSON(load_default=None, allow_none=True, validate=_check_geometry,
                        **GEOMETRY_BOUNDS)


def survey_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """A loaded import row in the survey's own shape (the API's body), checked the same way."""
    survey = {
        "code": row["code"], "township": row["township"], "ownership": row["ownership"],
        "effective_date": row["effective_date"],
        "land": {k: row[k] for k in LAND_FIELDS},
        "control_lines": {k: row[k] for k in LINE_FIELDS},
        "geometry": row["geometry"],
    }
    problems = survey_problems(survey["land"], survey["control_lines"],
                               partial=survey["geometry"] is not None)
    if problems:
        raise ValidationError({".".join(path[-1:]): [msg] for path, msg in problems})
    return survey


# Columns a CSV cell must spell as an integer (it has only text; JSON rows carry numbers).
INTEGER_COLUMNS = tuple(name for name, field in ImportRowSchema._declared_fields.items()
                        if isinstance(field, fields.Integer))
