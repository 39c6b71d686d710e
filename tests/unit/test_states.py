"""The lifecycle table and the shared machine (no database)."""

from __future__ import annotations

import ast
from pathlib import Path

from states import COLLECTIVE_PATHS, MACHINE, STEPS, ParcelState, build_machine, edge_exists, step
from states.diagram import mermaid
from workflow.effects import EFFECTS
from workflow.rules import GUARDS

ROOT = Path(__file__).resolve().parents[2]


def test_every_state_and_step_of_the_design_is_in_the_table():
    assert {s.value for s in ParcelState} == {
        "surveyed", "planned", "approved", "expropriated", "supplied", "in_use",
        "under_construction", "inspected", "registered", "idle", "recovered", "rejected",
        "withdrawn", "lapsed"}
    edges = {(src.value, s.trigger, s.dest.value) for s in STEPS for src in s.sources}
    assert edges == {
        ("surveyed", "plan", "planned"), ("planned", "approve", "approved"),
        ("planned", "reject", "rejected"), ("surveyed", "withdraw", "withdrawn"),
        ("planned", "withdraw", "withdrawn"), ("approved", "expropriate", "expropriated"),
        ("expropriated", "supply", "supplied"), ("approved", "supply", "supplied"),
        ("recovered", "supply", "supplied"), ("approved", "lapse", "lapsed"),
        ("expropriated", "lapse", "lapsed"), ("supplied", "hand_over", "in_use"),
        ("in_use", "start_construction", "under_construction"),
        ("under_construction", "inspect", "inspected"), ("inspected", "register", "registered"),
        ("supplied", "declare_idle", "idle"), ("in_use", "declare_idle", "idle"),
        ("under_construction", "declare_idle", "idle"), ("idle", "resume", "under_construction"),
        ("idle", "recover", "recovered"),
    }


def test_the_machine_has_no_back_doors():
    names = set(MACHINE.events)
    assert not any(n.startswith("to_") for n in names)
    assert names == {s.trigger for s in STEPS if s.sources}


def test_the_machine_is_shared_and_not_bound_to_rows():
    assert MACHINE.models == [] or MACHINE.models == [MACHINE] or not MACHINE.models
    assert edge_exists("approve", "planned") and not edge_exists("approve", "surveyed")
    assert build_machine() is not MACHINE


def test_a_condition_refuses_when_violations_remain():
    class Row:
        state = "surveyed"

    class Ctx:
        violations = ["x"]

    row = Row()
    assert MACHINE.events["plan"].trigger(row, ctx=Ctx()) is False
    assert row.state == "surveyed"
    Ctx.violations = []
    assert MACHINE.events["plan"].trigger(row, ctx=Ctx()) is True
    assert row.state == "planned"


def test_every_guard_and_effect_named_in_the_table_is_registered_and_used():
    from states.records import RECORD_KINDS

    named_guards = {g for s in STEPS for g in s.guards}
    named_guards |= {g for k in RECORD_KINDS.values() for g in k.guards}
    named_effects = {e for s in STEPS for e in s.effects}
    named_effects |= {e for k in RECORD_KINDS.values() for e in k.effects}
    assert named_guards <= set(GUARDS), named_guards - set(GUARDS)
    assert named_effects <= set(EFFECTS), named_effects - set(EFFECTS)
    assert set(GUARDS) <= named_guards, set(GUARDS) - named_guards
    assert set(EFFECTS) <= named_effects, set(EFFECTS) - named_effects


def test_every_collective_path_is_a_walk_of_the_table_to_its_state():
    assert set(COLLECTIVE_PATHS) == set(ParcelState)
    for target, path in COLLECTIVE_PATHS.items():
        here = ParcelState.surveyed
        for trigger in path:
            assert here in step(trigger).sources, (target, trigger, here)
            here = step(trigger).dest
        assert here == ParcelState(target)


def test_the_diagram_draws_every_edge():
    text = mermaid()
    assert text.startswith("stateDiagram-v2")
    for s in STEPS:
        for src in s.sources:
            assert f"{src.value} --> {s.dest.value}: {s.trigger}" in text


def test_the_committed_lifecycle_diagram_is_current():
    from states.diagram import lifecycle_markdown

    doc = (ROOT / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    assert doc == lifecycle_markdown(), "stale: run make docs"


def _imports(package: str) -> set[str]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_imports_point_one_way():
    assert not _imports("states") & {"workflow", "api", "flask", "sqlalchemy"}
    assert not _imports("workflow") & {"api", "flask"}


def test_the_committed_rules_document_is_current():
    from workflow.rules.doc import rules_markdown

    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert doc == rules_markdown(), "stale: run make docs"


def test_every_rule_code_the_design_fixes_exists():
    from workflow.codes import CODES

    for code in ("QUOTA_INSUFFICIENT", "FARMLAND_BALANCE_UNMET", "BASIC_FARMLAND_PROTECTED",
                 "RED_LINE_CONFLICT", "EXPROPRIATION_PROCEDURE_INCOMPLETE",
                 "APPROVAL_AUTHORITY_INSUFFICIENT", "APPROVAL_LAPSED",
                 "SUPPLY_METHOD_NOT_ALLOWED", "TERM_EXCEEDS_MAXIMUM", "AREA_EXCEEDS_APPROVED",
                 "OUTSIDE_APPROVED_BOUNDARY", "PAYMENT_OUTSTANDING", "SAME_ACTOR_FORBIDDEN",
                 "TRANSITION_NOT_ALLOWED", "VERSION_CONFLICT", "VALIDATION_ERROR",
                 "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "IDEMPOTENCY_KEY_REUSED"):
        assert code in CODES, code


def test_every_rule_code_is_exercised_by_some_test():
    """A rule without a test that breaks when the rule is removed does not exist."""
    tests_text = "".join(p.read_text(encoding="utf-8")
                         for p in (ROOT / "tests").rglob("test_*.py"))
    missing = sorted({c for g in GUARDS.values() for c in g.codes if c not in tests_text})
    assert not missing, f"rule codes no test mentions: {missing}"


def test_a_hash_over_preserialised_payload_equals_the_ordinary_hash():
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from workflow.audit import compute_hash, compute_hash_json
    from workflow.canonical import canonical_json

    body = {"stream": "parcel:1", "stream_seq": 1, "parcel_id": 1, "kind": "create",
            "name": "survey", "from_state": None, "to_state": "surveyed", "actor_id": None,
            "actor": 'x "payload":0', "role": "admin",
            "recorded_at": datetime(2026, 1, 1, tzinfo=UTC), "effective_date": date(2025, 1, 1),
            "payload": {"code": "A", "land": {"farmland_m2": Decimal("1.00")}, "g": [1.5, 2]},
            "rule_results": [], "idempotency_key": None}
    assert compute_hash_json("ab" * 32, body, canonical_json(body["payload"])) == \
        compute_hash("ab" * 32, body)
