"""The console names each rule of a step by its Chinese title (the registry's ``zh``), and by
its English meaning only when the user switched to English: on the parcel page's next steps and
in the dry-run preview's list of rules passed and violated."""

from __future__ import annotations

import re

from tests.console.test_console import PLAN_FORM, html, preview
from workflow.rules import GUARDS


def guard_row(page: str, name: str) -> str:
    found = re.search(rf'<tr class="(?:passed|failed)" data-guard="{name}">(.*?)</tr>', page,
                      re.S)
    assert found, f"no row for {name}"
    return found.group(1)


def test_the_preview_names_each_rule_by_its_chinese_title(console, world):
    """土地管理法 第三十五条: the violated basic-farmland rule and the passed ones, in Chinese."""
    pid = world.parcel_in("surveyed", control_lines={"basic_farmland_m2": "800.00"})
    console.sign_in("clerk")
    page = html(preview(console, pid, "plan", PLAN_FORM))
    failed = guard_row(page, "basic_farmland_protected")
    farmland = GUARDS["basic_farmland_protected"]
    assert farmland.zh in failed and farmland.meaning not in failed
    assert "✗ 未通过" in failed and "BASIC_FARMLAND_PROTECTED" in failed
    passed = guard_row(page, "effective_date_not_in_future")
    assert GUARDS["effective_date_not_in_future"].zh in passed and "✓ 通过" in passed
    shown = re.findall(r'data-guard="(\w+)"', page)
    assert shown and all(GUARDS[n].zh in guard_row(page, n) for n in shown)


def test_the_preview_names_the_rules_in_english_after_the_switch(console, world):
    pid = world.parcel_in("surveyed", control_lines={"basic_farmland_m2": "800.00"})
    console.sign_in("clerk")
    console.get("/console/lang/en?next=/console/queue")
    page = html(preview(console, pid, "plan", PLAN_FORM))
    failed = guard_row(page, "basic_farmland_protected")
    farmland = GUARDS["basic_farmland_protected"]
    assert farmland.meaning in failed and farmland.zh not in failed


def test_the_parcel_page_lists_the_rules_of_each_next_step_in_chinese(console, world):
    pid = world.parcel_in("surveyed")
    console.sign_in("clerk")
    page = html(console.get(f"/console/parcels/{pid}"))
    step = page[page.index('id="step-plan"'):]
    step = step[:step.index("</details>")]
    checks = dict(re.findall(r'<li data-guard="(\w+)" class="[a-z]+">(.*?)</li>', step))
    assert "basic_farmland_protected" in checks and "effective_date_not_in_future" in checks
    assert all(GUARDS[n].zh in text for n, text in checks.items())
    assert "预览时检查" in checks["basic_farmland_protected"]  # judged with the form only
    assert "✓ 通过" in checks["effective_date_not_in_future"]
    console.get("/console/lang/en?next=/console/queue")
    page = html(console.get(f"/console/parcels/{pid}"))
    assert GUARDS["basic_farmland_protected"].meaning in page
    assert GUARDS["basic_farmland_protected"].zh not in page
