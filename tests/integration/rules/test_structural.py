"""Which ownership an edge applies to: expropriate and supply."""

from __future__ import annotations

from tests.integration.rules.helpers import refused


def test_only_collective_land_is_expropriated(world):
    pid = world.parcel_in("approved", ownership="state")
    assert refused(world, pid, "expropriate") == {"EXPROPRIATION_NOT_APPLICABLE"}


def test_collective_land_is_supplied_only_after_expropriation(world):
    pid = world.parcel_in("approved")
    assert refused(world, pid, "supply") == {"EXPROPRIATION_REQUIRED"}
