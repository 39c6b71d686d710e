"""Every guard that reads no database has unit tests in the module named after its own; the
ones left out really do read the database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.unit.rules.helpers import DatabaseTouched, make_ctx, make_parcel
from workflow.rules import GUARDS

HERE = Path(__file__).parent

# Guards that query the database (ctx.session, lock_rows): covered by tests/integration/rules.
DB_GUARDS = {
    "quota_available": {},
    "farmland_balanced": {},
    "approving_authority_sufficient": {"approval_no": "渝府地〔2023〕500号"},
}


def guards_run_by_unit_tests() -> dict[str, set[str]]:
    """Guard name -> the unit-test modules that run it through ``refusals("name", ctx)``."""
    found: dict[str, set[str]] = {}
    for path in HERE.glob("test_*_guards.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "refusals" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                found.setdefault(node.args[0].value, set()).add(path.stem)
    return found


def test_the_database_guards_are_registered_guards():
    assert set(DB_GUARDS) <= set(GUARDS)


def test_every_guard_that_reads_no_database_has_unit_tests():
    assert sorted(set(GUARDS) - set(DB_GUARDS) - set(guards_run_by_unit_tests())) == []


def test_unit_tests_name_only_registered_guards_and_no_database_guard():
    named = set(guards_run_by_unit_tests())
    assert sorted(named - set(GUARDS)) == []
    assert sorted(named & set(DB_GUARDS)) == []


def test_each_guard_is_tested_in_the_module_of_its_rule_module():
    for name, modules in guards_run_by_unit_tests().items():
        module = GUARDS[name].fn.__module__.rsplit(".", 1)[-1]
        assert modules == {f"test_{module}_guards"}, name


@pytest.mark.parametrize("name", sorted(DB_GUARDS))
def test_the_guards_left_out_read_the_database(name):
    ctx = make_ctx("approve", parcel=make_parcel(), payload=DB_GUARDS[name])
    with pytest.raises(DatabaseTouched):
        GUARDS[name](ctx)
