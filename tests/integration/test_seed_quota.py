"""A fresh install can approve (issue 14, item 4): the seed opens the plan years' quota
accounts from the county plan's figures (专栏3 row 5, 【6.67】 km² over 2021–2025 ÷ 5, [UNV])."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from workflow.models import QuotaAccount, QuotaEntry
from workflow.operator.seed import seed_quota_accounts


def test_the_seed_opens_each_plan_year_account_once(runtime):
    assert seed_quota_accounts(runtime.uow) == [2021, 2022, 2023, 2024, 2025]
    with runtime.reader() as uow:
        accounts = uow.session.execute(
            select(QuotaAccount).order_by(QuotaAccount.year)).scalars().all()
        assert [a.year for a in accounts] == [2021, 2022, 2023, 2024, 2025]
        assert all(a.balance_m2 == Decimal("1334000.00") for a in accounts)
        # Five years of it make the plan's five-year total, 6.67 km².
        assert sum(a.balance_m2 for a in accounts) == Decimal("6670000.00")
        entries = uow.session.execute(select(QuotaEntry)).scalars().all()
        assert {(e.kind, e.effective_date.month, e.effective_date.day) for e in entries} == {
            ("allocate", 1, 1)}
    assert seed_quota_accounts(runtime.uow) == []  # idempotent: nothing allocated twice


def test_the_seed_leaves_an_existing_account_alone(runtime):
    from tests.factories import World

    world = World(runtime, ledgers=False)
    world.quota_account(2024, "500.00")
    assert seed_quota_accounts(runtime.uow) == [2021, 2022, 2023, 2025]
    with runtime.reader() as uow:
        balance = uow.session.execute(select(QuotaAccount.balance_m2).where(
            QuotaAccount.year == 2024)).scalar_one()
    assert balance == Decimal("500.00")
