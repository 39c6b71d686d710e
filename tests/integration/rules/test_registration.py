"""登: no certificate until the land price and any idle-land fee are paid."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.integration.rules.helpers import refused, world_backend
from workflow.errors import RuleViolation


def test_registration_needs_the_land_price_paid_in_full(world):
    pid = world.parcel_in("inspected")
    assert refused(world, pid, "register") == {"PAYMENT_OUTSTANDING"}
    world.record(pid, "payment", "2023-06-01", amount_yuan="2500000.00")
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "register")
    assert err.value.violations[0].details["paid_yuan"] == "2500000.00"
    world.record(pid, "payment", "2024-05-01", amount_yuan="2500000.00")
    world.fire(pid, "register")
    assert world.state_of(pid) == "registered"


def test_registration_needs_any_idle_fee_paid(world, runtime):
    pid = world.parcel_in("inspected")
    world.record(pid, "payment", "2023-06-01", amount_yuan="5000000.00")
    runtime.test_connection.execute(
        text("UPDATE parcels SET idle_fee_yuan = :fee WHERE id = :id"),
        {"fee": 100000000 if world_backend(runtime) == "sqlite" else Decimal("1000000.00"),
         "id": pid})
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "register")
    assert err.value.violations[0].details["what_en"] == "Idle-land fee"
    world.record(pid, "payment", "2024-01-05", amount_yuan="1000000.00", purpose="idle_fee")
    world.fire(pid, "register")
