"""Issue 12, item 11: the smaller defects of the second legal review, each named for its rule."""

from __future__ import annotations

import pytest

from tests.factories import World
from tests.integration.rules.helpers import ready_to_approve
from workflow import queries


@pytest.fixture
def world(runtime):
    return World(runtime)


def test_a_step_lists_each_legal_clock_it_opens_once(world):
    """国发〔2004〕28号 第十九条 (the approval's two-year clock) and 土地管理法实施条例 第三十一条
    (the announcement clock): the approval's answer lists each clock it opened once, exactly as
    the parcel read afterwards does."""
    pid = ready_to_approve(world)
    out = world.fire(pid, "approve")
    ids = [d["id"] for d in out["parcel"]["deadlines"]]
    assert len(ids) == len(set(ids)), out["parcel"]["deadlines"]
    read = queries.read_parcel(world.runtime.reader(), world.actors["auditor"], pid)
    assert out["parcel"]["deadlines"] == read["deadlines"]
    assert sorted(d["kind"] for d in read["deadlines"]) == [
        "approval_lapse", "expropriation_announcement"]


def test_a_record_lists_the_clock_it_opens_once(world):
    """重庆市土地房屋权属登记条例 第二十五条: the registration clock opened by an accepted
    application appears once in the record's answer."""
    pid = world.parcel_in("inspected")
    out = world.record(pid, "registration_accepted", "2025-09-26")
    ids = [d["id"] for d in out["parcel"]["deadlines"]]
    assert len(ids) == len(set(ids)), out["parcel"]["deadlines"]
    read = queries.read_parcel(world.runtime.reader(), world.actors["auditor"], pid)
    assert out["parcel"]["deadlines"] == read["deadlines"]
