"""The auditors' chart series: quota use by year and unsupplied land by township, as of a date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from workflow.access import AUDIT_READERS, Actor, require
from workflow.canonical import money
from workflow.models import Parcel, QuotaAccount, QuotaEntry, Township
from workflow.models.sql import amount
from workflow.reports.queries import ZERO, _stock_sets, _unsupplied_area
from workflow.uow import UnitOfWork


def quota_use_series(uow: UnitOfWork, actor: Actor, *, as_of: date | None = None
                     ) -> dict[str, Any]:
    """The year's quota (all accounts of the year): allocated so far, and used by each date."""
    require(actor, AUDIT_READERS)
    with uow:
        s = uow.session
        as_of = as_of or uow.today()
        entries = s.execute(
            select(QuotaEntry.effective_date, QuotaEntry.kind, QuotaEntry.amount_m2,
                   QuotaEntry.land_ticket_id)
            .join(QuotaAccount, QuotaAccount.id == QuotaEntry.account_id)
            .where(QuotaAccount.year == as_of.year, QuotaEntry.effective_date <= as_of)
            .order_by(QuotaEntry.effective_date, QuotaEntry.id)
        ).all()
        # A land ticket redeemed adds to what the year could use; one returned to its ticket by
        # a release (a ``release`` naming the ticket) takes it away again — it was never used.
        def returned(e: Any) -> bool:
            return e.kind == "release" and e.land_ticket_id is not None

        allocated = sum((e.amount_m2 for e in entries
                         if e.kind in ("allocate", "land_ticket") or returned(e)), ZERO)
        used, dates, series = ZERO, [date(as_of.year, 1, 1).isoformat()], [money(ZERO)]
        for e in entries:
            if e.kind in ("deduct", "release") and not returned(e):
                used -= e.amount_m2
                dates.append(e.effective_date.isoformat())
                series.append(money(used))
        dates.append(as_of.isoformat())
        series.append(money(used))
        return {"year": as_of.year, "allocated_m2": money(allocated), "dates": dates,
                "used_m2": series}


def unsupplied_by_township(uow: UnitOfWork, actor: Actor, *, as_of: date | None = None
                           ) -> tuple[str, list[tuple[str, Decimal]]]:
    require(actor, AUDIT_READERS)
    with uow:
        s = uow.session
        as_of = as_of or uow.today()
        sets, _ = _stock_sets(as_of, None, None, "approved_unsupplied")
        assert sets is not None
        total = func.sum(_unsupplied_area(as_of))  # in area: a partial supply's rest
        rows = s.execute(
            select(Township.name, amount(total).label("area"))
            .join(Parcel, Parcel.township_id == Township.id)
            .join(sets, sets.c.parcel_id == Parcel.id)
            .group_by(Township.name).order_by(total.desc())
        ).all()
        return as_of.isoformat(), [(r[0], r[1]) for r in rows]
