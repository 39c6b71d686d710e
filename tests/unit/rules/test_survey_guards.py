"""调: declared figures against the overlay of the surveyed boundary (SPATIAL_MISMATCH)."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.rules.helpers import make_ctx, refusals
from workflow.spatial.overlay import ComputedLines, Dataset, LandSplit, SurveyFigures

LAND_USE = Dataset("land_use", "2023", 1)
BASIC = Dataset("basic_farmland", "2023", 2)


def figures(*, farmland: str = "6000.00", paddy: str = "1000.00", grade: int | None = 5,
            basic: str | None = "0.00", red: str | None = None,
            outside: str | None = None) -> SurveyFigures:
    """A 10,000 m² boundary: 6,000 farmland (1,000 paddy), 2,000 other agricultural, 500 unused,
    1,500 construction, as a land-use layer would say."""
    split = LandSplit(Decimal(farmland), Decimal(paddy), Decimal("2000.00"),
                      Decimal("1500.00"), Decimal("500.00"), grade, Decimal("10000.00"),
                      LAND_USE)
    lines = ComputedLines(Decimal("10000.00"), None if basic is None else Decimal(basic),
                          None if red is None else Decimal(red),
                          None if outside is None else Decimal(outside), (BASIC,))
    return SurveyFigures(Decimal("10000.00"), split, lines)


def survey_ctx(payload: dict, computed: SurveyFigures | None):
    ctx = make_ctx("survey", parcel=None, payload=payload)
    ctx.parcel = None
    ctx.plans.survey = computed
    return ctx


def test_without_a_boundary_there_is_nothing_to_compare():
    ctx = survey_ctx({"land": {"farmland_m2": Decimal("1.00")}}, None)
    assert refusals("declared_figures_match_the_land", ctx) == []


def test_declared_figures_within_the_tolerance_pass():
    # 0.5% of 10,000 m² is 50 m²: 6,049.99 declared against 6,000 computed is within it.
    ctx = survey_ctx({"land": {"farmland_m2": Decimal("6049.99"), "farmland_grade": 5}},
                     figures())
    assert refusals("declared_figures_match_the_land", ctx) == []
    assert ctx.rule_results[-1]["datasets"] == [{"kind": "land_use", "version": "2023"},
                                                {"kind": "basic_farmland", "version": "2023"}]


def test_a_land_class_off_by_more_than_the_tolerance_is_refused_naming_the_class():
    ctx = survey_ctx({"land": {"farmland_m2": Decimal("6050.01")}}, figures())
    assert refusals("declared_figures_match_the_land", ctx) == ["SPATIAL_MISMATCH"]
    assert ctx.violations[0].details["field"] == "land.farmland_m2"
    assert ctx.violations[0].details["computed"] == "6000.00"


def test_fields_not_declared_are_not_compared():
    ctx = survey_ctx({"land": {"paddy_m2": Decimal("1000.00")}}, figures(farmland="9000.00"))
    assert refusals("declared_figures_match_the_land", ctx) == []


def test_another_farmland_grade_than_the_layer_is_refused():
    ctx = survey_ctx({"land": {"farmland_grade": 3}}, figures(grade=5))
    assert refusals("declared_figures_match_the_land", ctx) == ["SPATIAL_MISMATCH"]
    ok = survey_ctx({"land": {"farmland_grade": 3}}, figures(grade=None))
    assert refusals("declared_figures_match_the_land", ok) == []


def test_an_understated_basic_farmland_overlap_is_refused_an_overstated_one_is_not():
    under = survey_ctx({"control_lines": {"basic_farmland_m2": Decimal("0.00")}},
                       figures(basic="800.00"))
    assert refusals("declared_figures_match_the_land", under) == ["SPATIAL_MISMATCH"]
    assert under.violations[0].details["field"] == "control_lines.basic_farmland_m2"
    over = survey_ctx({"control_lines": {"basic_farmland_m2": Decimal("900.00")}},
                      figures(basic="800.00"))
    assert refusals("declared_figures_match_the_land", over) == []


def test_declaring_inside_the_development_boundary_when_the_map_says_outside_is_refused():
    ctx = survey_ctx({"control_lines": {"in_development_boundary": True}},
                     figures(outside="2000.00"))
    assert refusals("declared_figures_match_the_land", ctx) == ["SPATIAL_MISMATCH"]
    inside = survey_ctx({"control_lines": {"in_development_boundary": True}},
                        figures(outside="10.00"))
    assert refusals("declared_figures_match_the_land", inside) == []
