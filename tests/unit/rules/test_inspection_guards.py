"""验: 批少占多, 批甲占乙 and planning verification."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.rules.helpers import make_ctx, make_parcel, refusals

LAWFUL = {"actual_area_m2": Decimal("10000.00"), "within_approved_boundary": True,
          "planning_verified": True}


def inspecting(payload: dict | None = None, **parcel):
    parcel = {"state": "under_construction", "total_m2": Decimal("10000.00"), **parcel}
    return make_ctx("inspect", parcel=make_parcel(**parcel), payload={**LAWFUL, **(payload or {})})


@pytest.mark.parametrize(("actual", "supplied", "expected"), [
    ("10000.00", None, []),  # no supplied area: the approved total
    ("10000.01", None, ["AREA_EXCEEDS_APPROVED"]),
    ("8000.00", "8000.00", []),
    ("8000.01", "8000.00", ["AREA_EXCEEDS_APPROVED"]),  # under the total, over the supply
])
def test_occupied_area_within_approved(actual, supplied, expected):
    ctx = inspecting({"actual_area_m2": Decimal(actual)},
                     supplied_area_m2=Decimal(supplied) if supplied else None)
    assert refusals("actual_area_within_approved", ctx) == expected


def test_the_excess_is_named():
    ctx = inspecting({"actual_area_m2": Decimal("10250.00")})
    refusals("actual_area_within_approved", ctx)
    assert ctx.violations[0].details["excess_m2"] == "250.00"
    assert ctx.violations[0].details["approved_m2"] == "10000.00"


@pytest.mark.parametrize(("within", "expected"), [
    (True, []), (False, ["OUTSIDE_APPROVED_BOUNDARY"])])
def test_works_inside_the_approved_boundary(within, expected):
    ctx = inspecting({"within_approved_boundary": within})
    assert refusals("built_within_approved_boundary", ctx) == expected


@pytest.mark.parametrize(("verified", "expected"), [
    (True, []), (False, ["PLANNING_VERIFICATION_FAILED"])])
def test_planning_verified(verified, expected):
    ctx = inspecting({"planning_verified": verified})
    assert refusals("planning_verified", ctx) == expected
