"""docs/rules.md states the decisions of law of issue 12 item 11, each with its articles and the
law parameters that configure it."""

from __future__ import annotations

from workflow import law
from workflow.rules.decisions import DECISIONS
from workflow.rules.doc import rules_markdown


def test_every_decision_names_parameters_that_exist():
    for d in DECISIONS:
        assert set(d.params) <= set(law.PARAMS), d.question


def test_the_rules_document_states_the_idle_fee_and_34号_decisions():
    """闲置土地处置办法 第十四条、第十七条、第十八条 (resume and the fee); 国土资发〔2010〕34号 and
    暂行条例 第十四条 (which payment deadlines bind industrial land)."""
    doc = rules_markdown()
    section = doc.split("## Decisions of law", 1)[1].split("\n## ", 1)[0]
    assert "`idle.resume_requires_fee_paid`" in section and "第十七条" in section
    assert "国土资发〔2010〕34号" in section and "industrial land" in section
    assert "`grant.real_estate_uses`" in section
