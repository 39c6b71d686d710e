"""征: the post-approval announcement and compensation."""

from __future__ import annotations

from tests.integration.rules.helpers import refused


def test_the_announcement_is_within_15_working_days_of_approval(world):
    pid = world.parcel_in("approved")  # approved Wednesday 2023-03-01
    late = {"effective_date": "2023-03-24"}
    assert refused(world, pid, "expropriate", announced_on="2023-03-23", **late) == {
        "EXPROPRIATION_ANNOUNCEMENT_LATE"}
    assert refused(world, pid, "expropriate", announced_on="2023-02-28", **late) == {
        "EXPROPRIATION_ANNOUNCEMENT_LATE"}
    assert refused(world, pid, "expropriate", announced_on="2023-03-21",
                   effective_date="2023-03-20") == {"EXPROPRIATION_ANNOUNCEMENT_LATE"}
    world.fire(pid, "expropriate", announced_on="2023-03-22", **late)  # the 15th working day
    assert world.state_of(pid) == "expropriated"


def test_compensation_must_be_paid(world):
    pid = world.parcel_in("approved")
    assert refused(world, pid, "expropriate", compensation_paid=False) == {
        "COMPENSATION_UNPAID"}
