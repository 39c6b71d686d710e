"""Loading reference-layer versions, and what the overlay says of a surveyed boundary.

A layer version is loaded whole in one command (one transaction): it is in force from its
``valid_from`` or not at all. Versions are never changed; a correction is a new version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import law
from workflow.access import LAYER_ADMINS, Actor, require
from workflow.errors import Conflict, ValidationFailed
from workflow.models import County, LayerVersion
from workflow.spatial import overlay
from workflow.spatial.engines import FeatureRow, engine_for
from workflow.spatial.geometry import GeometryRefused, area_m2, parse_boundary
from workflow.spatial.layers import ReadReport, Rejected
from workflow.uow import UnitOfWork, command

ZERO = Decimal("0.00")


@dataclass
class LayerImport:
    kind: str
    version: str
    valid_from: date
    feature_count: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        return {"kind": self.kind, "version": self.version,
                "valid_from": self.valid_from.isoformat(), "feature_count": self.feature_count,
                "rejected": [{"index": r.index, "reason": r.reason} for r in self.rejected]}


def import_layer(uow: UnitOfWork, actor: Actor, kind: str, version: str, valid_from: date,
                 source: str, features: Iterable[tuple[int, FeatureRow | Rejected]] | ReadReport,
                 *, synthetic: bool = False,
                 progress: Callable[[int], None] | None = None) -> LayerImport:
    """Store a new version of a layer kind with its features, and its audit event. Features that
    fail their checks are reported, not stored; a version with none left is refused."""
    require(actor, LAYER_ADMINS)
    report = LayerImport(kind, version, valid_from)

    def work(uow: UnitOfWork) -> LayerImport:
        s = uow.session
        if s.execute(select(LayerVersion.id).where(LayerVersion.kind == kind,
                                                   LayerVersion.version == version)).first():
            raise Conflict({"field": "version"}, field="version")
        row = LayerVersion(kind=kind, version=version, valid_from=valid_from, source=source,
                           synthetic=synthetic, created_at=uow.now())
        s.add(row)
        s.flush()
        report.rejected.clear()
        stored = engine_for(s).add_features(row.id, _accepted(features, report, progress))
        if stored == 0:
            raise ValidationFailed({"features": [
                "没有可导入的要素 / no feature passed its checks"]})
        row.feature_count, row.rejected_count = stored, len(report.rejected)
        event = uow.audit(stream=f"layer:{kind}", kind="admin", name="layer.imported",
                          effective_date=valid_from,
                          payload={"kind": kind, "version": version, "source": source,
                                   "valid_from": valid_from, "synthetic": synthetic,
                                   "feature_count": stored, "rejected": len(report.rejected)})
        row.audit_event_id = event.id
        uow.emit("layer.imported", None, {"kind": kind, "version": version,
                                          "valid_from": valid_from.isoformat(),
                                          "feature_count": stored}, audit_event_id=event.id)
        report.feature_count = stored
        return report

    return command(uow, actor, work).result


def _accepted(features: Iterable[tuple[int, FeatureRow | Rejected]] | ReadReport,
              report: LayerImport, progress: Callable[[int], None] | None
              ) -> Iterator[FeatureRow]:
    if isinstance(features, ReadReport):
        report.rejected.extend(features.rejected)
        items: Iterable[tuple[int, FeatureRow | Rejected]] = enumerate(features.rows)
    else:
        items = features
    for n, (_, item) in enumerate(items, start=1):
        if isinstance(item, Rejected):
            report.rejected.append(item)
        else:
            yield item
        if progress is not None:
            progress(n)


def survey_figures(session: Session, geometry: dict[str, Any], county_code: str, on: date
                   ) -> tuple[Any, overlay.SurveyFigures]:
    """The boundary of a survey and what the layers in force on ``on`` say of it: its area, its
    land split where the land-use layer covers it, its control-line overlaps. A boundary outside
    the county (where a township layer is loaded) is refused, naming ``geometry``."""
    try:
        boundary = parse_boundary(geometry)
    except GeometryRefused as err:
        raise ValidationFailed({"geometry": [str(err)]}) from None
    county = session.get(County, county_code)
    epsg = county.projected_epsg if county is not None else 4545
    engine = engine_for(session)
    total = area_m2(boundary, epsg)
    tolerance = overlay.tolerance_m2(total, law.in_force_on(on))
    versions = overlay.all_in_force(session, on)
    outside = overlay.outside_county_m2(engine, boundary, epsg, versions)
    if outside is not None and outside > tolerance:
        raise ValidationFailed({"geometry": [
            f"地块超出县域范围 {outside} 平方米 / {outside} m² of the boundary lie outside the "
            "county"]})
    split = None
    land_use = versions.get("land_use")
    if land_use is not None:
        computed = overlay.land_split(engine, land_use, boundary, epsg)
        if computed.covered_m2 >= total - tolerance:
            split = computed
    lines = overlay.control_lines(session, engine, boundary, epsg, on, versions)
    return boundary, overlay.SurveyFigures(total, split, lines)


@dataclass(frozen=True)
class SurveyedLand:
    """What the parcel row records at survey: the land split and control-line figures (computed
    where the layers say, declared otherwise) and where the split came from."""

    land: dict[str, Any]
    basis: str
    basic_farmland_m2: Decimal
    red_line_m2: Decimal
    in_development_boundary: bool


def surveyed_land(survey: dict[str, Any], figures: overlay.SurveyFigures | None
                  ) -> SurveyedLand:
    declared = survey.get("land")
    lines = survey.get("control_lines") or {}
    if figures is not None and figures.split is not None:
        land, basis = figures.split.as_land(), "land_use_layer"
        if land["farmland_grade"] is None and declared:
            land["farmland_grade"] = declared.get("farmland_grade")
    elif declared is None:
        raise ValidationFailed({"land": [
            "参考图层未覆盖该地块，须申报地类面积 / required: no land-use layer in force covers "
            "this boundary"]})
    else:
        land = {k: declared.get(k, ZERO) for k in overlay.LAND_FIELDS}
        land["farmland_grade"] = declared.get("farmland_grade")
        basis = "declared"
    if land["farmland_m2"] > 0 and land["farmland_grade"] is None:
        raise ValidationFailed({"land": {"farmland_grade": [
            "有耕地时须填写耕地质量等别 / farmland_grade is required when there is farmland"]}})
    computed = figures.lines if figures is not None else None
    basic = lines.get("basic_farmland_m2", ZERO)
    red = lines.get("red_line_m2", ZERO)
    inside = lines.get("in_development_boundary", True)
    if computed is not None:
        basic = computed.basic_farmland_m2 if computed.basic_farmland_m2 is not None else basic
        red = computed.red_line_m2 if computed.red_line_m2 is not None else red
        outside = computed.outside_development_boundary_m2
        if outside is not None:
            inside = outside <= overlay.tolerance_m2(computed.area_m2)
    # The row keeps basic farmland within farmland (a CHECK): where two layers disagree at the
    # edge, the exact overlap stays in ``spatial`` and the guards read that.
    return SurveyedLand(land, basis, min(basic, land["farmland_m2"]), red, inside)
