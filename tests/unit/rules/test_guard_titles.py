"""Every registered rule has a Chinese title beside its English meaning: users read Chinese
first, English is the fallback (STYLE: user-facing messages Chinese first). The console's
preview and parcel page show the title; ``docs/rules.md`` lists it."""

from __future__ import annotations

import re

import pytest

from workflow.rules import GUARDS
from workflow.rules.doc import rules_markdown
from workflow.rules.registry import Guard

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_registered_rule_has_a_chinese_title():
    missing = sorted(name for name, g in GUARDS.items() if not CJK.search(g.zh or ""))
    assert missing == [], f"guards without a Chinese title (zh=...): {missing}"


@pytest.mark.parametrize("name", sorted(GUARDS))
def test_the_chinese_title_is_one_short_line(name):
    zh = GUARDS[name].zh
    assert zh == zh.strip() and "\n" not in zh and "|" not in zh and len(zh) <= 80, zh


def test_a_rule_reads_chinese_first_and_english_on_request():
    g = GUARDS["basic_farmland_protected"]
    assert g.title() == g.title("zh") == g.zh and "永久基本农田" in g.zh
    assert g.title("en") == g.meaning
    # A guard registered without a title falls back to its English meaning.
    bare = Guard("bare", lambda ctx: None, (), "source", "English only")
    assert bare.title("zh") == "English only"


def test_the_rules_document_lists_every_chinese_title():
    doc = rules_markdown()
    assert "| title (zh) |" in doc
    for name, g in GUARDS.items():
        assert f"| `{name}` | {g.zh} |" in doc, name
