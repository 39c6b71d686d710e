"""Spatial truth: the land is judged on its boundary against the reference layers in force on
each step's date, by PostGIS on PostgreSQL and by shapely on SQLite, to the same 0.01 m².

The fixture is a square of four 0.001° 图斑 east of the county seat:

    +------------+------------+   row 1: 0702 农村宅基地 | 0301 乔木林地
    | F3  0702   | F4  0301   |
    +------------+------------+   row 0: 0101 水田 (grade 5, ridge 10%) | 0103 旱地 (grade 7)
    | F1  0101   | F2  0103   |
    +------------+------------+   permanent basic farmland = F1 until 2024-01-01
    x0=108.200  108.201  108.202  development boundary = the whole square
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import shapely
from sqlalchemy import func, select

from tests.factories import World
from workflow import services
from workflow.errors import RuleViolation, ValidationFailed
from workflow.models import AuditEvent, LayerFeature, LayerVersion, Parcel
from workflow.payloads.fields import load
from workflow.payloads.survey import SurveySchema
from workflow.payloads.transitions import load_transition
from workflow.spatial.geometry import area_m2
from workflow.spatial.layers import from_feature_collection
from workflow.spatial.services import import_layer

X0, Y0, STEP = 108.200, 30.200, 0.001
EPSG = 4545


def box(col: int, row: int, cols: int = 1, rows: int = 1) -> shapely.Polygon:
    x, y = X0 + col * STEP, Y0 + row * STEP
    return shapely.box(round(x, 6), round(y, 6), round(x + cols * STEP, 6),
                       round(y + rows * STEP, 6))


def geojson(geom: shapely.Geometry) -> dict:
    return json.loads(shapely.to_geojson(geom))


def collection(*features: tuple[shapely.Geometry, dict]) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": geojson(g), "properties": p} for g, p in features]}


F1, F2, F3, F4 = box(0, 0), box(1, 0), box(0, 1), box(1, 1)
SQUARE = box(0, 0, 2, 2)


def load_layer(world: World, kind: str, version: str, valid_from: str, *features) -> None:
    from datetime import date

    import_layer(world.runtime.uow(), world.actors["admin"], kind, version,
                 date.fromisoformat(valid_from), f"test fixture {kind} {version}",
                 from_feature_collection(kind, collection(*features)))


@pytest.fixture
def world(runtime) -> World:
    w = World(runtime)
    load_layer(w, "township", "2020", "2020-01-01",
               (shapely.box(108.0, 29.9, 108.5, 30.5), {"name": "南宾街道"}))
    load_layer(w, "land_use", "2020", "2020-01-01",
               (F1, {"DLBM": "0101", "GDDB": 5, "KCXS": "0.1"}),
               (F2, {"DLBM": "0103", "GDDB": 7}),
               (F3, {"DLBM": "0702"}), (F4, {"DLBM": "0301"}))
    load_layer(w, "basic_farmland", "2020", "2020-01-01", (F1, {}))
    # The 2024 delivery no longer holds F1 (a correction): one polygon far away remains.
    load_layer(w, "basic_farmland", "2024", "2024-01-01", (box(100, 100), {}))
    load_layer(w, "development_boundary", "2020", "2020-01-01", (SQUARE, {}))
    return w


def survey(world: World, geom: shapely.Geometry, *, on: str = "2022-11-01", **extra) -> dict:
    body = {"code": f"GEO-{world.event_count()}-{on}", "effective_date": on,
            "township": "南宾街道", "ownership": "collective", "geometry": geojson(geom), **extra}
    outcome, _ = services.create_parcel(world.runtime.uow(), load(SurveySchema, body),
                                        world.actors["clerk"])
    return outcome


def counts(runtime) -> tuple[int, int]:
    with runtime.reader() as uow:
        s = uow.session
        return (s.execute(select(func.count()).select_from(Parcel)).scalar_one(),
                s.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


def expected_split() -> dict[str, Decimal]:
    """The split worked out independently of either engine: shapely and pyproj directly."""
    a1, a2, a3, a4 = (area_m2(f, EPSG) for f in (F1, F2, F3, F4))
    ridge = (a1 * Decimal("0.1")).quantize(Decimal("0.01"))
    return {"paddy_m2": a1 - ridge, "farmland_m2": a1 - ridge + a2,
            "other_agricultural_m2": a4 + ridge, "construction_m2": a3,
            "unused_m2": Decimal("0.00")}


def test_the_survey_computes_the_land_split_from_the_land_use_layer(world):
    out = survey(world, SQUARE)
    land = out["parcel"]["land"]
    expected = expected_split()
    assert land["basis"] == "land_use_layer"
    for name, value in expected.items():
        assert Decimal(land[name]) == value, name
    # Area-weighted grade of the farmland overlapped: paddy at 5, dry land at 7, about equal.
    assert land["farmland_grade"] == 6
    spatial = out["parcel"]["spatial"]
    assert Decimal(spatial["area_m2"]) == area_m2(SQUARE, EPSG)
    assert Decimal(spatial["basic_farmland_m2"]) == area_m2(F1, EPSG)
    assert Decimal(spatial["outside_development_boundary_m2"]) == Decimal("0.00")
    assert {"kind": "land_use", "version": "2020"} in spatial["datasets"]
    assert {"kind": "basic_farmland", "version": "2020"} in spatial["datasets"]


def test_the_engines_agree_with_an_independent_computation_to_the_cent(world, backend):
    """Run under both backends: PostGIS on PostgreSQL, shapely on SQLite; both must give what
    shapely and pyproj give directly, so they give the same to 0.01 m²."""
    half = shapely.box(108.2005, 30.2003, 108.2017, 30.2016)  # cuts all four 图斑
    out = survey(world, half, land={"farmland_grade": 6})
    land = out["parcel"]["land"]
    pieces = {c: area_m2(shapely.intersection(f, half), EPSG) for c, f in
              (("0101", F1), ("0103", F2), ("0702", F3), ("0301", F4))}
    ridge = (pieces["0101"] * Decimal("0.1")).quantize(Decimal("0.01"))
    assert Decimal(land["paddy_m2"]) == pieces["0101"] - ridge
    assert Decimal(land["farmland_m2"]) == pieces["0101"] - ridge + pieces["0103"]
    assert Decimal(land["construction_m2"]) == pieces["0702"]
    assert Decimal(land["other_agricultural_m2"]) == pieces["0301"] + ridge
    assert Decimal(out["parcel"]["spatial"]["basic_farmland_m2"]) == pieces["0101"]
    assert backend in ("sqlite", "postgresql")


def test_declared_figures_that_disagree_are_refused_and_nothing_is_written(world):
    before = counts(world.runtime)
    with pytest.raises(RuleViolation) as refused:
        survey(world, SQUARE, land={"farmland_m2": "100.00"})
    assert refused.value.codes == {"SPATIAL_MISMATCH"}
    assert refused.value.violations[0].details["field"] == "land.farmland_m2"
    assert counts(world.runtime) == before


def test_a_declared_basic_farmland_of_zero_over_basic_farmland_is_refused_at_survey(world):
    with pytest.raises(RuleViolation) as refused:
        survey(world, SQUARE, control_lines={"basic_farmland_m2": "0"})
    assert [v.details["field"] for v in refused.value.violations] == [
        "control_lines.basic_farmland_m2"]


def test_agreeing_declared_figures_are_accepted(world):
    expected = expected_split()
    out = survey(world, SQUARE, land={"farmland_m2": str(expected["farmland_m2"] + 10),
                                      "farmland_grade": 6})
    assert out["parcel"]["land"]["farmland_m2"] == str(expected["farmland_m2"])


@pytest.mark.parametrize(("name", "geometry", "says"), [
    ("bow-tie", {"type": "Polygon", "coordinates": [[[108.2, 30.2], [108.201, 30.201],
                                                     [108.201, 30.2], [108.2, 30.201],
                                                     [108.2, 30.2]]]}, "Self-intersection"),
    ("unclosed", {"type": "Polygon", "coordinates": [[[108.2, 30.2], [108.201, 30.2],
                                                      [108.201, 30.201], [108.2, 30.201]]]},
     "not closed"),
    ("a point", {"type": "Point", "coordinates": [108.2, 30.2]}, "Polygon"),
    ("projected coordinates", {"type": "Polygon", "coordinates": [[[510000, 3340000],
                                                                   [510100, 3340000],
                                                                   [510100, 3340100],
                                                                   [510000, 3340000]]]},
     "EPSG:4490"),
    ("NaN inside", {"type": "Polygon", "coordinates": [[[108.2, 30.2], [float("nan"), 30.2],
                                                        [108.201, 30.201], [108.2, 30.2]]]},
     "finite"),
])
def test_bad_geometry_is_refused_naming_geometry_and_why(world, name, geometry, says):
    before = counts(world.runtime)
    body = {"code": "BAD", "township": "南宾街道", "ownership": "collective",
            "geometry": geometry, "land": {"construction_m2": "1.00"}}
    with pytest.raises(ValidationFailed) as refused:
        load(SurveySchema, body)
    assert says in json.dumps(refused.value.errors["geometry"], ensure_ascii=False), name
    assert counts(world.runtime) == before


def test_a_boundary_outside_the_county_is_refused_with_nothing_written(world):
    before = counts(world.runtime)
    with pytest.raises(ValidationFailed) as refused:
        survey(world, shapely.box(109.5, 31.0, 109.501, 31.001), land={"unused_m2": "10.00"})
    assert "outside the county" in refused.value.errors["geometry"][0]
    assert counts(world.runtime) == before


def _plan(world: World, pid: int, on: str, **extra) -> dict:
    return world.fire(pid, "plan", effective_date=on, **extra)


def test_typed_zero_basic_farmland_is_refused_at_plan_when_the_boundary_overlaps_it(world):
    # Surveyed before the layers came into force: the declared figures stand at survey...
    pid = survey(world, SQUARE, on="2019-06-01", land=declared_for(SQUARE),
                 control_lines={"basic_farmland_m2": "0"})["parcel"]["id"]
    assert world.parcel(pid).land_basis == "declared"
    # ... but the plan is judged on the map of its own day.
    with pytest.raises(RuleViolation) as refused:
        _plan(world, pid, "2023-06-01")
    assert refused.value.codes == {"BASIC_FARMLAND_PROTECTED"}
    assert Decimal(refused.value.violations[0].details["basic_farmland_m2"]) == \
        area_m2(F1, EPSG)


def test_a_polygon_removed_in_a_newer_version_blocks_only_steps_dated_before_it(world):
    pid = survey(world, SQUARE)["parcel"]["id"]
    with pytest.raises(RuleViolation) as refused:
        _plan(world, pid, "2023-12-31")
    assert refused.value.codes == {"BASIC_FARMLAND_PROTECTED"}
    out = _plan(world, pid, "2024-01-01")
    assert out["parcel"]["state"] == "planned"
    guard = next(r for r in out["event"]["rule_results"]
                 if r["rule"] == "basic_farmland_protected")
    assert guard["passed"] and guard["datasets"] == [{"kind": "basic_farmland",
                                                      "version": "2024"}]


def test_outside_the_development_boundary_is_computed_from_the_boundary(world):
    east = box(3, 0)  # inside the county, outside the development boundary
    load_layer(world, "land_use", "2020b", "2020-06-01",
               (east, {"DLBM": "0601"}), (F1, {"DLBM": "0101", "GDDB": 5}),
               (F2, {"DLBM": "0103", "GDDB": 7}), (F3, {"DLBM": "0702"}),
               (F4, {"DLBM": "0301"}))
    pid = survey(world, east, on="2024-02-01")["parcel"]["id"]
    assert world.parcel(pid).in_development_boundary is False
    with pytest.raises(RuleViolation) as refused:
        _plan(world, pid, "2024-03-01")
    assert refused.value.codes == {"OUTSIDE_DEVELOPMENT_BOUNDARY"}
    assert Decimal(refused.value.violations[0].details["outside_m2"]) == area_m2(east, EPSG)


def test_village_construction_land_counts_as_inside(world):
    east = box(3, 0)
    load_layer(world, "land_use", "2020b", "2020-06-01", (east, {"DLBM": "0702"}))
    load_layer(world, "village_construction", "2020", "2020-01-01", (east, {}))
    pid = survey(world, east, on="2024-02-01")["parcel"]["id"]
    assert world.parcel(pid).in_development_boundary is True


def _inspect(world: World, pid: int, actual: shapely.Geometry) -> dict:
    body = load_transition("inspect", {"effective_date": "2025-09-01", "planning_verified": True,
                                       "actual_geometry": geojson(actual)})
    outcome, _ = services.fire_transition(world.runtime.uow(), pid, "inspect", body,
                                          world.actors["clerk"])
    return outcome


def declared_for(geom: shapely.Geometry) -> dict:
    """A complete declared split that adds up to the boundary's own area."""
    rest = area_m2(geom, EPSG) - Decimal("8500.00")
    return {"farmland_m2": "6000.00", "paddy_m2": "1000.00", "farmland_grade": 5,
            "other_agricultural_m2": "2000.00", "unused_m2": "500.00",
            "construction_m2": str(rest)}


def test_without_a_land_use_layer_the_declared_split_must_add_up_to_the_boundary(runtime):
    world = World(runtime)
    with pytest.raises(RuleViolation) as refused:
        world.survey(geometry=geojson(SQUARE))  # the factory's 10,000 m² on ~42,800 m²
    assert refused.value.violations[0].details["field"] == "land.total_m2"
    pid = world.survey(geometry=geojson(SQUARE), land=declared_for(SQUARE))
    assert world.parcel(pid).land_basis == "declared"


def test_inspection_computes_the_area_built_outside_the_approved_boundary(runtime):
    world = World(runtime)  # no layers: the boundary is kept, the split declared
    pid = world.parcel_in("under_construction", geometry=geojson(SQUARE),
                          land=declared_for(SQUARE))
    wider = box(0, 0, 3, 2)
    before = world.event_count(pid)
    with pytest.raises(RuleViolation) as refused:
        _inspect(world, pid, wider)
    codes = {v.rule: v.details for v in refused.value.violations}
    assert set(codes) == {"OUTSIDE_APPROVED_BOUNDARY", "AREA_EXCEEDS_APPROVED"}
    outside = area_m2(shapely.difference(wider, SQUARE), EPSG)
    assert Decimal(codes["OUTSIDE_APPROVED_BOUNDARY"]["outside_m2"]) == outside
    assert world.event_count(pid) == before
    inside = box(0, 0, 2, 1)
    out = _inspect(world, pid, inside)
    assert out["parcel"]["inspection"]["actual_area_m2"] == str(area_m2(inside, EPSG))


def test_a_layer_version_is_listed_with_its_features_and_kept_whole(world):
    with world.runtime.reader() as uow:
        versions = {(v.kind, v.version): v.feature_count for v in
                    uow.session.execute(select(LayerVersion)).scalars()}
        features = uow.session.execute(select(func.count()).select_from(LayerFeature)
                                       ).scalar_one()
    assert versions[("land_use", "2020")] == 4 and versions[("basic_farmland", "2024")] == 1
    assert features == sum(versions.values())


def test_bad_features_are_reported_and_the_rest_loaded(world):
    from datetime import date

    bad = collection((F1, {"DLBM": "9999"}), (F2, {"DLBM": "0103", "KCXS": "1.5"}),
                     (F3, {}), (F4, {"DLBM": "0301"}))
    report = import_layer(world.runtime.uow(), world.actors["admin"], "land_use", "bad",
                          date(2021, 1, 1), "x", from_feature_collection("land_use", bad))
    assert report.feature_count == 1
    assert [r.index for r in report.rejected] == [0, 1, 2]
    assert "9999" in report.rejected[0].reason and "KCXS" in report.rejected[1].reason


def test_inspection_without_a_geometry_still_needs_the_measured_figures():
    with pytest.raises(ValidationFailed) as refused:
        load_transition("inspect", {"effective_date": "2025-09-01", "planning_verified": True})
    assert set(refused.value.errors) == {"actual_area_m2", "within_approved_boundary"}
