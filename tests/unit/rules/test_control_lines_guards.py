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
                   payload={"red_line_activity": LINEAR})
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
                   payload={"major_project": TRANSPORT})
    assert refusals("basic_farmland_protected", ctx) == []


@pytest.mark.parametrize(("in_boundary", "payload", "expected"), [
    (True, {}, []),
    (False, {}, ["OUTSIDE_DEVELOPMENT_BOUNDARY"]),
    (False, {"in_village_plan": False, "major_project": None},
     ["OUTSIDE_DEVELOPMENT_BOUNDARY"]),
    (False, {"in_village_plan": True}, []),
    (False, {"major_project": TRANSPORT}, []),  # single-site major project
])
def test_construction_inside_the_boundary_a_village_plan_or_for_a_major_project(
        in_boundary, payload, expected):
    ctx = make_ctx("plan", parcel=make_parcel(in_development_boundary=in_boundary),
                   payload=payload)
    assert refusals("inside_development_boundary", ctx) == expected
