"""The compliance overlay (合规性审查): a parcel's boundary against the reference layers in force on
a date — its land-class split from the land survey (三调 地类图斑) and its overlaps with the three
control lines (三区三线). Every figure names the (kind, version) it was read from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import law
from workflow.models import LayerVersion
from workflow.spatial.engines import SpatialEngine
from workflow.spatial.geometry import CENT, area_m2
from workflow.spatial.land_classes import RIDGE, LandCategory, UnknownLandClass, category

ZERO = Decimal("0.00")
LAND_FIELDS = ("farmland_m2", "paddy_m2", "other_agricultural_m2", "construction_m2",
               "unused_m2")


@dataclass(frozen=True)
class Dataset:
    kind: str
    version: str
    id: int

    def ref(self) -> dict[str, str]:
        return {"kind": self.kind, "version": self.version}


def in_force(session: Session, kind: str, on: date) -> Dataset | None:
    """The version of ``kind`` in force on ``on``: the latest whose ``valid_from`` is not after
    it."""
    row = session.execute(
        select(LayerVersion.id, LayerVersion.version).where(
            LayerVersion.kind == kind, LayerVersion.valid_from <= on)
        .order_by(LayerVersion.valid_from.desc(), LayerVersion.id.desc()).limit(1)).first()
    return Dataset(kind, row[1], row[0]) if row else None


def all_in_force(session: Session, on: date) -> dict[str, Dataset]:
    """Every kind's version in force on ``on``, in one query (versions are few)."""
    rows = session.execute(
        select(LayerVersion.kind, LayerVersion.version, LayerVersion.id)
        .where(LayerVersion.valid_from <= on)
        .order_by(LayerVersion.kind, LayerVersion.valid_from.desc(), LayerVersion.id.desc()))
    found: dict[str, Dataset] = {}
    for kind, version, id_ in rows:
        found.setdefault(kind, Dataset(kind, version, id_))
    return found


def tolerance_m2(total_m2: Decimal, laws: law.LawSet | None = None) -> Decimal:
    """How far a declared figure may differ from the computed one: survey and layer never
    coincide to the square metre. ``laws``: the parameters in force on the step's day (default:
    the current law)."""
    laws = laws or law.current()
    ratio = (total_m2 * laws.value("spatial.tolerance_ratio")).quantize(CENT, ROUND_HALF_UP)
    return max(laws.value("spatial.tolerance_m2"), ratio)


@dataclass(frozen=True)
class LandSplit:
    """The parcel's land by class, as the land-use layer says."""

    farmland_m2: Decimal
    paddy_m2: Decimal
    other_agricultural_m2: Decimal
    construction_m2: Decimal
    unused_m2: Decimal
    farmland_grade: int | None
    covered_m2: Decimal
    dataset: Dataset

    def as_land(self) -> dict[str, Any]:
        land: dict[str, Any] = {k: getattr(self, k) for k in LAND_FIELDS}
        land["farmland_grade"] = self.farmland_grade
        return land


def land_split(engine: SpatialEngine, dataset: Dataset, geom: BaseGeometry,
               epsg: int) -> LandSplit:
    """Sum the overlaps by GB/T 21010-2017 category. A farmland 图斑's ridge share (扣除地类系数)
    is other agricultural land (田坎 1203); the farmland grade is the area-weighted grade of the
    farmland overlapped, where the layer has grades."""
    sums = {c: ZERO for c in LandCategory}
    graded_area, graded_sum = ZERO, ZERO
    covered = ZERO
    for piece in engine.pieces(dataset.id, geom, epsg):
        covered += piece.area_m2
        try:
            cat = category(piece.land_class or "")
        except UnknownLandClass:
            continue  # refused at import: a stored unknown code counts in no class
        area = piece.area_m2
        if cat in (LandCategory.paddy, LandCategory.farmland):
            ridge = (area * _coefficient(piece.attributes)).quantize(CENT, ROUND_HALF_UP)
            sums[RIDGE] += ridge
            area -= ridge
            if piece.farmland_grade is not None:
                graded_area += area
                graded_sum += area * piece.farmland_grade
        sums[cat] += area
    grade = (int((graded_sum / graded_area).quantize(Decimal(1), ROUND_HALF_UP))
             if graded_area > 0 else None)
    return LandSplit(
        farmland_m2=sums[LandCategory.farmland] + sums[LandCategory.paddy],
        paddy_m2=sums[LandCategory.paddy],
        other_agricultural_m2=sums[LandCategory.other_agricultural],
        construction_m2=sums[LandCategory.construction],
        unused_m2=sums[LandCategory.unused],
        farmland_grade=grade, covered_m2=covered, dataset=dataset)


def _coefficient(attributes: dict[str, Any]) -> Decimal:
    raw = attributes.get("deduction_coefficient")
    return Decimal(str(raw)) if raw not in (None, "") else ZERO


@dataclass(frozen=True)
class ComputedLines:
    """The overlaps the layers in force on a date give; ``None`` where no layer of that kind is
    in force."""

    area_m2: Decimal
    basic_farmland_m2: Decimal | None
    red_line_m2: Decimal | None
    outside_development_boundary_m2: Decimal | None
    datasets: tuple[Dataset, ...] = ()


@dataclass(frozen=True)
class ControlLines:
    """What the control-line guards judge: computed where a layer was in force, declared
    otherwise."""

    basic_farmland_m2: Decimal
    red_line_m2: Decimal
    in_development_boundary: bool
    outside_development_boundary_m2: Decimal | None = None
    datasets: tuple[Dataset, ...] = ()


def control_lines(session: Session, engine: SpatialEngine, geom: BaseGeometry, epsg: int,
                  on: date, versions: dict[str, Dataset] | None = None) -> ComputedLines:
    """Permanent basic farmland and ecological red line overlapped, and the area outside the
    urban development boundary less approved village construction land, as the layers in force
    on ``on`` say."""
    total = area_m2(geom, epsg)
    used: list[Dataset] = []
    if versions is None:
        versions = all_in_force(session, on)

    def covered(*kinds: str) -> Decimal | None:
        found = [versions[k] for k in kinds if k in versions]
        if not found or found[0].kind != kinds[0]:
            return None  # village land counts only where a development boundary is in force
        used.extend(found)
        return engine.covered_m2(tuple(d.id for d in found), geom, epsg)

    basic = covered("basic_farmland")
    red = covered("ecological_red_line")
    inside = covered("development_boundary", "village_construction")
    outside = None if inside is None else max(total - inside, ZERO)
    return ComputedLines(total, basic, red, outside, tuple(used))


def with_declared(computed: ComputedLines | None, parcel: Any) -> ControlLines:
    """The computed figures, each falling back to the parcel's declared one where no layer of
    its kind was in force."""
    if computed is None:
        return ControlLines(parcel.basic_farmland_m2, parcel.red_line_m2,
                            parcel.in_development_boundary)
    outside = computed.outside_development_boundary_m2
    inside = (parcel.in_development_boundary if outside is None
              else outside <= tolerance_m2(computed.area_m2))
    return ControlLines(
        basic_farmland_m2=_first(computed.basic_farmland_m2, parcel.basic_farmland_m2),
        red_line_m2=_first(computed.red_line_m2, parcel.red_line_m2),
        in_development_boundary=inside, outside_development_boundary_m2=outside,
        datasets=computed.datasets)


def _first(computed: Decimal | None, declared: Decimal) -> Decimal:
    return declared if computed is None else computed


@dataclass(frozen=True)
class SurveyFigures:
    """What the overlay says of a surveyed boundary on the survey's date."""

    area_m2: Decimal
    split: LandSplit | None
    lines: ComputedLines

    def spatial(self) -> dict[str, Any]:
        """The parcel's ``spatial`` block (DESIGN "Spatial truth")."""
        lines = self.lines
        datasets = ([self.split.dataset] if self.split else []) + list(lines.datasets)
        return {"area_m2": self.area_m2, "basic_farmland_m2": lines.basic_farmland_m2,
                "red_line_m2": lines.red_line_m2,
                "outside_development_boundary_m2": lines.outside_development_boundary_m2,
                "datasets": [d.ref() for d in datasets]}


def outside_county_m2(engine: SpatialEngine, geom: BaseGeometry, epsg: int,
                      versions: dict[str, Dataset]) -> Decimal | None:
    """How much of ``geom`` lies outside the county's townships (``None`` without a township
    layer in force)."""
    townships = versions.get("township")
    if townships is None:
        return None
    return max(area_m2(geom, epsg) - engine.covered_m2((townships.id,), geom, epsg), ZERO)


@dataclass(frozen=True)
class Mismatch:
    field: str
    declared: Any
    computed: Any
    details: dict[str, Any]


def mismatches(survey: dict[str, Any], figures: SurveyFigures) -> list[Mismatch]:
    """Where what a survey declares disagrees with the overlay of its boundary: a land class off
    by more than the tolerance, another farmland grade, or a control-line overlap understated
    (declaring more than the map shows is cautious; declaring less hides the overlap)."""
    found: list[Mismatch] = []
    tolerance = tolerance_m2(figures.area_m2)
    declared_land = survey.get("land") or {}
    split = figures.split
    if split is not None:
        for name in LAND_FIELDS:
            computed = getattr(split, name)
            if name in declared_land and abs(declared_land[name] - computed) > tolerance:
                found.append(Mismatch(f"land.{name}", declared_land[name], computed,
                                      {"tolerance_m2": tolerance}))
        grade = declared_land.get("farmland_grade")
        if grade is not None and split.farmland_grade not in (None, grade):
            found.append(Mismatch("land.farmland_grade", grade, split.farmland_grade, {}))
    elif declared_land:
        # No layer to split it: the declared classes must at least add up to the boundary.
        total = sum((declared_land.get(k) or ZERO for k in LAND_FIELDS if k != "paddy_m2"),
                    ZERO)
        if abs(total - figures.area_m2) > tolerance:
            found.append(Mismatch("land.total_m2", total, figures.area_m2,
                                  {"tolerance_m2": tolerance}))
    lines = figures.lines
    declared_lines = survey.get("control_lines") or {}
    for name in ("basic_farmland_m2", "red_line_m2"):
        computed = getattr(lines, name)
        if (computed is not None and name in declared_lines
                and declared_lines[name] < computed - tolerance):
            found.append(Mismatch(f"control_lines.{name}", declared_lines[name], computed,
                                  {"tolerance_m2": tolerance}))
    outside = lines.outside_development_boundary_m2
    if (outside is not None and declared_lines.get("in_development_boundary") is True
            and outside > tolerance):
        found.append(Mismatch("control_lines.in_development_boundary", True, False,
                              {"outside_m2": outside}))
    return found


@dataclass(frozen=True)
class BuiltLand:
    """What the completion survey (竣工测量) shows against the approved boundary."""

    actual_area_m2: Decimal
    outside_approved_m2: Decimal | None  # None when the parcel has no approved boundary


def built_land(actual: BaseGeometry, approved: BaseGeometry | None, epsg: int) -> BuiltLand:
    """The area built on, and how much of it lies outside the approved boundary (批甲占乙)."""
    outside = None
    if approved is not None:
        outside = area_m2(actual.difference(approved), epsg)
    return BuiltLand(area_m2(actual, epsg), outside)
