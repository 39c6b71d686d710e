"""Stocks are areas, not parcels (RULES.md §3.1: approved = 批而未征 + 征而未供 + supplied):
the part of an approval left over by a partial supply stays approved-but-unsupplied, in the
paged list, its export and the summary, as of every date."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import World
from workflow.reports import queries as q

# The factories' parcel: 10,000 m² approved 2023-03-01, expropriated 2023-03-20, supplied
# 2023-05-06; here only 8,000 m² of it is supplied.
PARTIAL = "8000.00"


@pytest.fixture
def world(runtime):
    return World(runtime)


def _partly_supplied(world: World, ownership: str = "collective") -> int:
    pid = world.survey(ownership=ownership)
    for name in ("plan", "approve", "expropriate", "supply"):
        if ownership == "state" and name == "expropriate":
            continue
        world.prepare(pid, name, ownership)
        world.fire(pid, name, **({"area_m2": PARTIAL} if name == "supply" else {}))
    return pid


def _items(runtime, actor, on: str, **kw):
    page = q.unsupplied(runtime.reader(), actor, as_of=date.fromisoformat(on), per_page=100,
                        **kw)
    out: dict[int, list] = {}
    for i in page["items"]:
        out.setdefault(i["parcel_id"], []).append(i)
    return page, out


def test_partial_supply_leaves_the_rest_of_the_approval_in_approved_but_unsupplied(world,
                                                                                   runtime):
    """RULES.md §3.1: 批而未供 = approved − supplied, in area: 10,000 m² approved, 8,000 m²
    supplied leaves 2,000 m² approved but unsupplied (and, expropriated, 征而未供)."""
    auditor = world.actors["auditor"]
    pid = _partly_supplied(world)
    # Before the supply: the whole approval is in the stock.
    _, before = _items(runtime, auditor, "2023-04-01")
    assert [i["area_m2"] for i in before[pid]] == ["10000.00"]
    # After it: the 2,000 m² left over stay, as 征而未供 and 批而未供.
    page, after = _items(runtime, auditor, "2023-06-01")
    (rest,) = after[pid]
    assert rest["categories"] == ["expropriated_unsupplied", "approved_unsupplied"]
    assert rest["area_m2"] == "2000.00"
    assert rest["approved_m2"] == "10000.00" and rest["supplied_m2"] == "8000.00"
    assert page["total"] == 1
    _, filtered = _items(runtime, auditor, "2023-06-01", category="expropriated_unsupplied")
    assert filtered[pid][0]["area_m2"] == "2000.00"
    _, cohort = _items(runtime, auditor, "2023-06-01", cohort=2023)
    assert pid in cohort
    # Once the agreed start has passed unbuilt, the supplied 8,000 m² are 供而未用 beside it.
    _, later = _items(runtime, auditor, "2023-09-01")
    by_cat = {tuple(i["categories"]): i["area_m2"] for i in later[pid]}
    assert by_cat == {("expropriated_unsupplied", "approved_unsupplied"): "2000.00",
                      ("supplied_unused",): "8000.00"}


def test_partial_supply_counts_only_the_supplied_area_in_the_supply_rate(world, runtime):
    """RULES.md §3.1/§3.2: supply_rate = supplied_area / approved_area; a parcel partly
    supplied counts its supplied area, not the whole approval."""
    auditor = world.actors["auditor"]
    _partly_supplied(world)
    s = q.unsupplied_summary(runtime.reader(), auditor, as_of=date(2023, 9, 1))
    (c,) = s["cohorts"]
    assert c["approved_m2"] == "10000.00" and c["supplied_m2"] == "8000.00"
    assert c["approved_unsupplied_m2"] == "2000.00"
    assert c["expropriated_unsupplied_m2"] == "2000.00"
    assert c["approved_unexpropriated_m2"] == "0.00"
    assert c["supplied_unused_m2"] == "8000.00"
    assert c["supply_rate"] == "0.8000"
    assert s["rolling"]["supplied_m2"] == "8000.00" and s["rolling"]["supply_rate"] == "0.8000"
    assert s["stock_m2"]["approved_unsupplied"] == "2000.00"
    # The identity of §3.1 holds: approved = 批而未征 + 征而未供 + supplied.
    assert (float(c["approved_unexpropriated_m2"]) + float(c["expropriated_unsupplied_m2"])
            + float(c["supplied_m2"])) == float(c["approved_m2"])


def test_partial_supply_of_state_land_keeps_the_rest_as_approved_but_unsupplied(world,
                                                                                 runtime):
    """RULES.md §3.1: for state-owned land 批而未征 is N/A; the rest is 批而未供 only."""
    auditor = world.actors["auditor"]
    pid = _partly_supplied(world, "state")
    _, after = _items(runtime, auditor, "2023-06-01")
    assert [(i["categories"], i["area_m2"]) for i in after[pid]] == [
        (["approved_unsupplied"], "2000.00")]
    s = q.unsupplied_summary(runtime.reader(), auditor, as_of=date(2023, 6, 1))
    assert s["stock_m2"]["approved_unsupplied"] == "2000.00"
    assert s["cohorts"][0]["supplied_m2"] == "8000.00"


def test_the_export_of_unsupplied_land_agrees_with_the_paged_list(world, runtime):
    """The export is the list, row for row: the partly supplied approval's rest included."""
    auditor = world.actors["auditor"]
    pid = _partly_supplied(world)
    world.parcel_in("approved")
    table = q.unsupplied_table(runtime.reader(), auditor, as_of=date(2023, 9, 1))
    rows = list(table.items)
    page, _ = _items(runtime, auditor, "2023-09-01")
    assert [(r["parcel_id"], r["categories"], r["area_m2"]) for r in rows] == [
        (i["parcel_id"], i["categories"], i["area_m2"]) for i in page["items"]]
    assert any(r["parcel_id"] == pid and r["area_m2"] == "2000.00" for r in rows)


def test_partial_supply_is_disposed_of_only_in_its_supplied_area(world, runtime):
    """The 批而未供 disposal rate counts the supplied area as disposed, the rest stays stock."""
    auditor = world.actors["auditor"]
    _partly_supplied(world)
    result = q.indicators(runtime.reader(), auditor, as_of=date(2023, 12, 31))
    rate = {i["key"]: i for i in result["items"]}["unsupplied_idle_disposal_rate"]
    # Stock on 2023-01-01 is empty (approved 2023-03-01): no rate; on 2024 the 2,000 m² remain.
    assert rate["value"] is None
    result = q.indicators(runtime.reader(), auditor, as_of=date(2024, 12, 31))
    rate = {i["key"]: i for i in result["items"]}["unsupplied_idle_disposal_rate"]
    assert "2000.00 m² approved-unsupplied" in rate["basis"] and rate["value"] == "0.00"
