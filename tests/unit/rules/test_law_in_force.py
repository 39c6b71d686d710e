"""The law in force on the day: legal parameters have validity periods, and a step is judged by
the parameters in force on its effective date.

The parameter that changed: which uses must be granted by tender, auction or listing (招拍挂).
Under 招标拍卖挂牌出让国有土地使用权规定 (国土资源部令第11号, in force 2002-07-01) 第四条 only
commercial, tourism, entertainment and commodity-housing land; industrial land joined by
国务院关于加强土地调控有关问题的通知 (国发〔2006〕31号, 2006-08-31) and stayed under 国土资源部令
第39号 (in force 2007-11-01) 第四条.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.unit.rules.helpers import make_ctx, make_parcel, refusals
from workflow import law
from workflow.audit import compute_hash, event_body

D = date.fromisoformat
CONDITIONS = {"plot_ratio_max": "2.0", "building_density_max": "40"}


def supplying(on: str, use: str = "industrial", method: str = "agreement"):
    parcel = make_parcel(state="expropriated", planned_use=use, planning_conditions=CONDITIONS)
    return make_ctx("supply", parcel=parcel, effective_date=on,
                    payload={"method": method, "intending_users": 1})


@pytest.mark.parametrize(("on", "ok"), [
    ("2005-05-06", True),   # 11号令 第四条: industrial land not yet listed
    ("2006-08-30", True),   # the last day before 国发〔2006〕31号
    ("2006-08-31", False),  # 国发〔2006〕31号: 工业用地必须采用招标拍卖挂牌方式出让
    ("2007-10-31", False),
    ("2007-11-01", False),  # 39号令 第四条
    ("2023-05-06", False),
])
def test_industrial_land_by_agreement_is_judged_by_the_law_of_the_supply_day(on, ok):
    """A backdated grant of industrial land by agreement (协议出让) is lawful on a day before
    国发〔2006〕31号 made 招拍挂 compulsory for industrial land, and refused from that day on
    (39号令 第四条 since 2007-11-01)."""
    got = refusals("supply_method_allowed", supplying(on))
    assert got == ([] if ok else ["SUPPLY_METHOD_NOT_ALLOWED"])


def test_commercial_land_needed_tender_before_2006_too():
    """11号令 第四条 already required 招拍挂 for commercial land: the old law is not no law."""
    assert refusals("supply_method_allowed", supplying("2005-05-06", use="commercial")) == [
        "SUPPLY_METHOD_NOT_ALLOWED"]


def test_each_day_has_the_versions_in_force_on_it():
    """valid_from and valid_to are both inclusive; the sets meet without a gap."""
    key = "supply.tender_required_uses"
    assert "industrial" not in law.value(key, D("2006-08-30"))
    assert "industrial" in law.value(key, D("2006-08-31"))
    assert law.in_force_on(D("2006-08-30")).until == D("2006-08-30")
    assert law.in_force_on(D("2006-08-31")).since == D("2006-08-31")
    assert law.in_force_on(D("2007-11-01")).param(key).source.startswith(
        "招标拍卖挂牌出让国有建设用地使用权规定 (39号令)")
    # Without a day: the current version, the one a step of today would read.
    assert law.value(key) == law.current().value(key) == law.value(key, D("2026-06-30"))
    assert law.PARAMS[key] is law.HISTORY[key][-1]


def test_every_version_names_its_source_and_the_notices_that_bound_it():
    for key, versions in law.HISTORY.items():
        for p in versions:
            assert p.source, key
            if p.valid_from is not None or p.valid_to is not None:
                assert p.enacted_by, key
            if p.valid_to is not None:
                assert p.ended_by, key


def test_a_set_is_named_by_its_first_day_and_its_values():
    sets = law.law_sets()
    assert len({s.id for s in sets}) == len(sets)
    assert sets[0].id.startswith("origin#") and sets[0].since is None
    assert law.in_force_on(D("2006-09-15")).id.startswith("2006-08-31#")
    assert law.in_force_on(D("2007-01-01")) is law.in_force_on(D("2006-09-15"))
    assert all(len(s.id) <= 64 for s in sets)  # audit_events.law_set is String(64)


@pytest.mark.parametrize("versions", [
    # a gap of one day
    [dict(valid_to=D("2006-08-30")), dict(valid_from=D("2006-09-01"))],
    # an overlap
    [dict(valid_to=D("2006-08-31")), dict(valid_from=D("2006-08-31"))],
    # a second open start
    [dict(), dict()],
    # no version in force after the last
    [dict(valid_to=D("2006-08-30"))],
    # the first version must start open: it judges every earlier day
    [dict(valid_from=D("2002-07-01"))],
])
def test_a_history_with_a_gap_or_an_overlap_is_refused(versions):
    params = [law.Param("x.y", i, "n", "src", "EX", **v, enacted_by="n", ended_by="n")
              for i, v in enumerate(versions)]
    with pytest.raises(ValueError, match="x.y"):
        law._histories(params)


def test_an_override_changes_the_current_version_never_a_past_one(tmp_path, monkeypatch):
    key = "supply.tender_required_uses"
    old = law.in_force_on(D("2005-05-06"))
    now = law.current()
    path = tmp_path / "law.json"
    path.write_text(json.dumps({key: ["commercial"]}), encoding="utf-8")
    monkeypatch.setenv("LANDFLOW_LAW_OVERRIDES", str(path))
    law.reset_overrides()
    try:
        assert law.value(key) == ("commercial",)
        assert law.current().value(key) == ("commercial",)
        assert law.current().id != now.id  # an overridden set is another set
        assert law.in_force_on(D("2005-05-06")).value(key) == old.value(key)
        assert law.in_force_on(D("2005-05-06")).id == old.id
    finally:
        monkeypatch.delenv("LANDFLOW_LAW_OVERRIDES")
        law.reset_overrides()
    assert law.current().id == now.id


def test_the_context_reads_the_law_of_its_effective_date():
    ctx = supplying("2005-05-06")
    assert ctx.law is law.in_force_on(D("2005-05-06"))
    ctx.effective_date = D("2023-05-06")
    assert ctx.law is law.current()


def _event(law_set: str | None) -> dict:
    return {"stream": "parcel:1", "stream_seq": 2, "parcel_id": 1, "kind": "transition",
            "name": "supply", "from_state": "expropriated", "to_state": "supplied",
            "actor_id": 1, "actor": "clerk", "role": "clerk", "recorded_at": "2026-06-30T00:00Z",
            "effective_date": D("2005-05-06"), "payload": {}, "rule_results": [],
            "idempotency_key": None, "law_set": law_set}


def test_the_law_set_is_inside_the_hash_when_recorded():
    """Which law judged a step is evidence of the decision: rewriting it breaks the chain."""
    judged = law.in_force_on(D("2005-05-06")).id
    assert event_body(_event(judged))["law_set"] == judged
    assert compute_hash(None, event_body(_event(judged))) != compute_hash(
        None, event_body(_event(law.current().id)))


def test_an_event_without_a_law_set_hashes_as_before_the_column_existed():
    """Events written before 0009 (and administrative events no rule judged) keep their hash."""
    body = event_body(_event(None))
    assert "law_set" not in body
    assert body == {k: v for k, v in _event(None).items() if k != "law_set"}


def test_rules_effects_and_clocks_read_the_law_of_the_step():
    """No guard, effect or clock reads a legal parameter without a day (``law.value(key)`` is
    the current law): they read ``ctx.law`` — the parameters in force on the step's effective
    date — or name the day (``law.value(key, day)``)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[3] / "workflow"
    files = [*(root / "rules").glob("*.py"), *(root / "effects").glob("*.py"),
             root / "deadlines" / "clocks.py"]
    undated = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "value" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "law" and len(node.args) + len(node.keywords) < 2):
                undated.append(f"{path.relative_to(root)}:{node.lineno}")
    assert undated == []
