"""What the survey accepts: the land-class split, control-line areas and geometry, checked for
the facts a survey must be consistent in."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from workflow.payloads.fields import OWNERSHIPS, Amount, Day, FreeJSON, Int, Strict, Text
from workflow.spatial.geometry import GeometryRefused, parse_boundary


def survey_problems(land: dict[str, Any], lines: dict[str, Any], *, partial: bool = False
                    ) -> list[tuple[tuple[str, ...], str]]:
    """The facts a survey must be consistent in, whichever form it came in (the API's nested
    body or an import row): (field path, message) for each problem. A ``partial`` declaration
    (beside a boundary, whose overlay computes what is not declared) is checked only in the
    figures it gives together."""
    zero = Decimal(0)
    found: list[tuple[tuple[str, ...], str]] = []
    if partial:
        if "paddy_m2" in land and "farmland_m2" in land and land["paddy_m2"] > land["farmland_m2"]:
            found.append((("land", "paddy_m2"),
                          "水田面积不得大于耕地面积 / paddy_m2 must not exceed farmland_m2"))
        return found
    farmland = land.get("farmland_m2") or zero
    if (land.get("paddy_m2") or zero) > farmland:
        found.append((("land", "paddy_m2"),
                      "水田面积不得大于耕地面积 / paddy_m2 must not exceed farmland_m2"))
    if farmland > 0 and land.get("farmland_grade") is None:
        found.append((("land", "farmland_grade"),
                      "有耕地时须填写耕地质量等别 / farmland_grade is required when there is "
                      "farmland"))
    total = sum((land.get(k) or zero for k in
                 ("farmland_m2", "other_agricultural_m2", "unused_m2", "construction_m2")), zero)
    if total <= 0:
        found.append((("land",), "地块总面积须大于零 / the parcel's total area must be positive"))
    if (lines.get("basic_farmland_m2") or zero) > farmland:
        found.append((("control_lines",), "永久基本农田不得大于耕地面积 / basic_farmland_m2 "
                                          "must not exceed farmland_m2"))
    if (lines.get("red_line_m2") or zero) > total:
        found.append((("control_lines",), "生态保护红线面积不得大于地块面积 / red_line_m2 must "
                                          "not exceed the parcel's area"))
    return found


def _nest(problems: list[tuple[tuple[str, ...], str]]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for path, message in problems:
        if len(path) == 1:
            slot = errors.setdefault(path[0], [])
            (slot if isinstance(slot, list) else slot.setdefault("_schema", [])).append(message)
        else:
            sub = errors.setdefault(path[0], {})
            if isinstance(sub, list):
                sub = errors[path[0]] = {"_schema": sub}
            sub.setdefault(path[1], []).append(message)
    return errors


class LandSchema(Strict):
    """The land-class split as declared. With a boundary that a land-use layer covers, the
    split is computed and what is declared must agree with it; fields not sent are computed,
    never taken as zero. Without one, fields not sent are zero."""

    farmland_m2 = Amount(metadata={"description": "耕地"})
    paddy_m2 = Amount(metadata={"description": "水田 (part of 耕地)"})
    farmland_grade = Int(
        validate=validate.Range(min=1, max=15), allow_none=True,
        metadata={"description": "耕地质量等别 1 (best) … 15"})
    other_agricultural_m2 = Amount()
    unused_m2 = Amount()
    construction_m2 = Amount()


class ControlLinesSchema(Strict):
    """Control-line figures as declared; a boundary's overlay with the control-line layers
    overrides them, and refuses a declaration that understates an overlap."""

    basic_farmland_m2 = Amount(metadata={"description": "永久基本农田 (part of 耕地)"})
    red_line_m2 = Amount(metadata={"description": "生态保护红线"})
    in_development_boundary = fields.Boolean(metadata={"description": "城镇开发边界内"})


# A JSON-level bound only (what any free JSON gets); what a valid geometry is, is decided
# by _check_geometry.
GEOMETRY_BOUNDS = {"max_depth": 32, "max_nodes": 1_000_000}


def _check_geometry(value: dict[str, Any]) -> None:
    try:
        parse_boundary(value)
    except GeometryRefused as err:
        raise ValidationError(str(err)) from None


class SurveySchema(Strict):
    code = Text(64, required=True, metadata={"description": "Parcel code, unique"})
    effective_date = Day(metadata={"description": "Survey date; default today"})
    township = Text(40, required=True,
                    metadata={"description": "Township name (e.g. 南宾街道) or code"})
    ownership = fields.String(required=True, validate=validate.OneOf(OWNERSHIPS))
    land = fields.Nested(LandSchema, metadata={
        "description": "Required without a geometry; with one, computed from the land-use "
                       "layer where it covers the boundary"})
    control_lines = fields.Nested(ControlLinesSchema, load_default=None)
    geometry = FreeJSON(load_default=None, validate=_check_geometry, **GEOMETRY_BOUNDS,
                        metadata={
        "description": "The surveyed boundary (勘测定界): a GeoJSON Polygon or MultiPolygon in "
                       "EPSG:4490 (longitude, latitude)"})

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        if "land" not in data:
            if data.get("geometry") is None:
                raise ValidationError({"land": [
                    "无界址时须申报地类面积 / required when no geometry is given"]})
            return
        problems = survey_problems(data["land"], data.get("control_lines") or {},
                                   partial=data.get("geometry") is not None)
        if problems:
            raise ValidationError(_nest(problems))
