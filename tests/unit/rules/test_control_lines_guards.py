"""规: the three control lines (三条控制线) at planning."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.rules.helpers import make_ctx, make_parcel, refusals

LINEAR = {"category": "linear_infrastructure", "determination_ref": "渝规资红认〔2023〕5号"}
TRANSPORT = {"category": "transport", "name": "渝湘高铁石柱段", "approval_ref": "国函〔2022〕88号"}


def test_land_outside_the_red_line_needs_no_activity():
    ctx = make_ctx("plan", parcel=make_parcel(red_line_m2=Decimal("0.00")))
    assert refusals("outside_red_line", ctx) == []


@pytest.mark.parametrize("activity", [None, {}, {"category": "shopping_mall",
                                                 "determination_ref": "x"}])
def test_any_red_line_area_needs_an_allowed_activity(activity):
    ctx = make_ctx("plan", parcel=make_parcel(red_line_m2=Decimal("0.01")),
                   payload={"red_line_activity": activity})
    assert refusals("outside_red_line", ctx) == ["RED_LINE_CONFLICT"]
    assert ctx.violations[0].details["red_line_m2"] == "0.01"


def test_an_allowed_activity_may_use_the_red_line():
    ctx = make_ctx("plan", parcel=make_parcel(red_line_m2=Decimal("300")),
                   payload={"red_line_activity": LINEAR, "planned_use": "transport"})
    assert refusals("outside_red_line", ctx) == []


def test_land_without_basic_farmland_needs_no_major_project():
    ctx = make_ctx("plan", parcel=make_parcel(basic_farmland_m2=Decimal("0.00")))
    assert refusals("basic_farmland_protected", ctx) == []


@pytest.mark.parametrize("project", [
    None,
    {**TRANSPORT, "category": "tourism"},  # not a listed category
    {**TRANSPORT, "approval_ref": ""},  # listed but not approved
])
def test_basic_farmland_needs_an_approved_listed_major_project(project):
    ctx = make_ctx("plan", parcel=make_parcel(basic_farmland_m2=Decimal("0.01")),
                   payload={"major_project": project})
    assert refusals("basic_farmland_protected", ctx) == ["BASIC_FARMLAND_PROTECTED"]


def test_an_approved_listed_major_project_may_use_basic_farmland():
    ctx = make_ctx("plan", parcel=make_parcel(basic_farmland_m2=Decimal("2000")),
                   payload={"major_project": TRANSPORT, "planned_use": "transport"})
    assert refusals("basic_farmland_protected", ctx) == []


@pytest.mark.parametrize(("in_boundary", "payload", "expected"), [
    (True, {}, []),
    (False, {}, ["OUTSIDE_DEVELOPMENT_BOUNDARY"]),
    (False, {"in_village_plan": False, "major_project": None},
     ["OUTSIDE_DEVELOPMENT_BOUNDARY"]),
    (False, {"in_village_plan": True}, []),
    (False, {"major_project": TRANSPORT, "planned_use": "transport"}, []),  # single-site
    (False, {"major_project": TRANSPORT, "planned_use": "commodity_housing"},
     ["OUTSIDE_DEVELOPMENT_BOUNDARY"]),  # the label does not make housing a single-site project
])
def test_construction_inside_the_boundary_a_village_plan_or_for_a_major_project(
        in_boundary, payload, expected):
    ctx = make_ctx("plan", parcel=make_parcel(in_development_boundary=in_boundary),
                   payload=payload)
    assert refusals("inside_development_boundary", ctx) == expected


# The exemption covers the use, not the label (土地管理法 第三十五条; 自然资发〔2022〕142号).


@pytest.mark.parametrize("use", ["commodity_housing", "commercial", "industrial", "residential"])
def test_basic_farmland_transport_label_does_not_open_it_to_other_uses(use):
    """土地管理法 第三十五条: only the key energy, transport, water and military projects
    themselves may occupy permanent basic farmland; a transport label on housing does not."""
    ctx = make_ctx("plan", parcel=make_parcel(basic_farmland_m2=Decimal("2000")),
                   payload={"major_project": TRANSPORT, "planned_use": use})
    assert refusals("basic_farmland_protected", ctx) == ["BASIC_FARMLAND_USE_NOT_EXEMPT"]
    v = ctx.violations[0].details
    assert v["planned_use"] == use and v["category"] == "transport"
    assert "transport" in v["allowed_uses"] and use not in v["allowed_uses"]


@pytest.mark.parametrize(("category", "use"), [
    ("transport", "transport"), ("energy", "energy"), ("water", "water"),
    ("military", "military"), ("state_recognised", "infrastructure"),
])
def test_basic_farmland_each_major_project_category_covers_its_own_use(category, use):
    ctx = make_ctx("plan", parcel=make_parcel(basic_farmland_m2=Decimal("2000")),
                   payload={"major_project": {**TRANSPORT, "category": category},
                            "planned_use": use})
    assert refusals("basic_farmland_protected", ctx) == []


@pytest.mark.parametrize("use", ["commodity_housing", "commercial", "industrial", "tourism"])
def test_red_line_linear_infrastructure_label_does_not_open_it_to_other_uses(use):
    """自然资发〔2022〕142号: inside the red line only the limited activity itself is allowed;
    development and production construction stays prohibited whatever the category says."""
    ctx = make_ctx("plan", parcel=make_parcel(red_line_m2=Decimal("300")),
                   payload={"red_line_activity": LINEAR, "planned_use": use})
    assert refusals("outside_red_line", ctx) == ["RED_LINE_USE_NOT_EXEMPT"]
    v = ctx.violations[0].details
    assert v["planned_use"] == use and v["category"] == "linear_infrastructure"


def test_red_line_low_impact_tourism_covers_a_tourism_facility():
    ctx = make_ctx("plan", parcel=make_parcel(red_line_m2=Decimal("300")),
                   payload={"red_line_activity": {**LINEAR,
                                                  "category": "low_impact_tourism_facility"},
                            "planned_use": "tourism"})
    assert refusals("outside_red_line", ctx) == []


def test_every_exempt_category_has_its_allowed_uses_as_a_law_parameter():
    from workflow import law
    from workflow.payloads.fields import MAJOR_PROJECT_CATEGORIES, PLANNED_USES

    for category in MAJOR_PROJECT_CATEGORIES:
        assert set(law.value(f"basic_farmland.exempt_uses.{category}")) <= set(PLANNED_USES)
    for category in law.RED_LINE_ALLOWED_ACTIVITIES:
        assert set(law.value(f"red_line.exempt_uses.{category}")) <= set(PLANNED_USES)


def test_the_allowed_uses_of_a_category_are_overridable(tmp_path, monkeypatch):
    from workflow import law

    overrides = tmp_path / "law.json"
    overrides.write_text('{"basic_farmland.exempt_uses.transport": ["transport"]}')
    monkeypatch.setenv("LANDFLOW_LAW_OVERRIDES", str(overrides))
    law.reset_overrides()
    try:
        ctx = make_ctx("plan", parcel=make_parcel(basic_farmland_m2=Decimal("2000")),
                       payload={"major_project": TRANSPORT, "planned_use": "infrastructure"})
        assert refusals("basic_farmland_protected", ctx) == ["BASIC_FARMLAND_USE_NOT_EXEMPT"]
    finally:
        monkeypatch.delenv("LANDFLOW_LAW_OVERRIDES")
        law.reset_overrides()
