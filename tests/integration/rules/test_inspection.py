"""验: 批少占多, 批甲占乙 and planning verification."""

from __future__ import annotations

import pytest

from tests.integration.rules.helpers import refused
from workflow.errors import RuleViolation


def test_approved_small_occupied_large_is_refused(world):
    pid = world.parcel_in("under_construction")
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "inspect", actual_area_m2="10250.00")
    v = err.value.violations[0]
    assert v.rule == "AREA_EXCEEDS_APPROVED" and v.details["excess_m2"] == "250.00"
    world.fire(pid, "inspect", actual_area_m2="10000.00")


def test_built_outside_the_approved_boundary_and_unverified_planning_are_refused(world):
    pid = world.parcel_in("under_construction")
    assert refused(world, pid, "inspect", within_approved_boundary=False,
                   planning_verified=False) == {"OUTSIDE_APPROVED_BOUNDARY",
                                                "PLANNING_VERIFICATION_FAILED"}
