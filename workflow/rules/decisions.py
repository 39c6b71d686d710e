"""Decisions of law: questions the statutes leave to the implementer, each answered once, with
the articles read and the law parameter that makes it configurable. ``docs/rules.md`` prints them
(``workflow.rules.doc``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    question: str
    decision: str
    basis: str
    params: tuple[str, ...] = ()


DECISIONS: tuple[Decision, ...] = (
    Decision(
        "May `resume` after idle land of the user's making require the idle-land fee paid first?",
        "Yes, by default. `resume` closes the idle case; a user-cause case is disposed of by the "
        "fee decision, so it closes when the decision is performed. No article makes the "
        "resumption of works itself wait for the fee: a county that lets development resume "
        "first sets `idle.resume_requires_fee_paid` to false — the `idle_fee_payment` clock then "
        "keeps running (its breach is recorded) and first registration still waits for the fee "
        "(`idle_fee_fully_paid`). A government cause or force majeure owes no fee and resumes "
        "after a negotiated disposal.",
        "闲置土地处置办法 第十四条第(一)项 (fee decision, 20%), 第十七条 (pay within 30 days of "
        "service; reconsideration or suit), 第十八条 (enforced through the court, not by "
        "holding the works), 第八条、第十二条 (government cause: negotiated disposal)",
        ("idle.resume_requires_fee_paid", "idle.fee_payment_days"),
    ),
    Decision(
        "Do the payment deadlines of 国土资发〔2010〕34号 apply to industrial land?",
        "No. 34号 is the notice on real-estate land (关于加强房地产用地供应和监管有关问题的通知): "
        "its 50%-within-one-month down payment applies to the uses in `grant.real_estate_uses`. "
        "Industrial land and other grants owe the price within the 60 days of 暂行条例 第十四条, "
        "in instalments as 财综〔2009〕74号 allows: a first instalment of at least 50% within "
        "those 60 days, the whole within one year (the two-year exception for special projects "
        "is not modelled). A contract with a stricter schedule binds its parties; Landflow's "
        "clocks are the legal outer limits.",
        "国土资发〔2010〕34号; 城镇国有土地使用权出让和转让暂行条例 第十四条; 财综〔2009〕74号",
        ("grant.real_estate_uses", "grant.down_payment_ratio", "grant.down_payment_months",
         "grant.full_payment_days", "grant.balance_deadline_years"),
    ),
    Decision(
        "What does a release (lapse, rejection, withdrawal) give back when a land ticket (地票) "
        "helped fund the approval?",
        "Each posting goes back to its source: the deduction to the annual quota account, the "
        "ticket's area to the ticket (a `release` entry naming the ticket), and the farmland "
        "credit the ticket's reclaimed cultivated land became back into the ticket. Ticket area "
        "never becomes annual plan quota; a ticket returned and redeemed again credits its "
        "cultivated land once.",
        "土地管理法 第二十三条; 土地利用年度计划管理办法 第二条; 重庆市地票管理办法 第二条; "
        "RULES §11",
    ),
    Decision(
        "On which day is a quota account's allocation booked when the request names none?",
        "On 1 January of its plan year (today for a year still to come): the annual plan is the "
        "year's quota, and as-of balances of backdated approvals in the year must see it.",
        "土地管理法 第二十三条; 土地利用年度计划管理办法 第二条",
    ),
)


def decisions_markdown() -> list[str]:
    lines = ["", "## Decisions of law", "",
             "Questions the statutes leave open, answered once; where a county may answer "
             "otherwise, the law parameter named sets it.", ""]
    for n, d in enumerate(DECISIONS, 1):
        lines.append(f"{n}. **{d.question}** {d.decision}")
        lines.append(f"   Basis: {d.basis}.")
        if d.params:
            lines.append("   Parameters: " + ", ".join(f"`{p}`" for p in d.params) + ".")
    return lines
