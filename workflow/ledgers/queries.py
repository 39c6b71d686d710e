"""The ledgers' read side: quota accounts and entries, farmland credits and their pairings, land
tickets, and the invariants that tie balances to entries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.access import LEDGER_READERS, Actor, is_scoped, parcel_scope, require
from workflow.canonical import money
from workflow.errors import NotFound
from workflow.models import (
    FarmlandCredit,
    FarmlandPairing,
    LandTicket,
    Parcel,
    QuotaAccount,
    QuotaEntry,
)
from workflow.uow import UnitOfWork


def account_view(a: QuotaAccount) -> dict[str, Any]:
    return {"id": a.id, "county_code": a.county_code, "year": a.year, "category": a.category,
            "name": a.name, "balance_m2": money(a.balance_m2)}


def entry_view(e: QuotaEntry) -> dict[str, Any]:
    return {"id": e.id, "account_id": e.account_id, "kind": e.kind,
            "amount_m2": money(e.amount_m2), "balance_after_m2": money(e.balance_after_m2),
            "parcel_id": e.parcel_id, "audit_seq": e.audit_event_id,
            "document_no": e.document_no, "land_ticket_id": e.land_ticket_id,
            "reverses_entry_id": e.reverses_entry_id,
            "counterparty_account_id": e.counterparty_account_id,
            "effective_date": e.effective_date.isoformat()}


def _unseen_parcels(session: Session, actor: Actor, parcel_ids: set[int | None]) -> set[int]:
    """The parcels among ``parcel_ids`` that ``actor`` may not see. The county's ledgers are
    read whole, but which parcel outside its scope an entry or a pairing belongs to is not
    shown to it (the entry or pairing is, with its parcel and event left out)."""
    ids = {i for i in parcel_ids if i is not None}
    if not ids or not is_scoped(actor):
        return set()
    seen = set(session.execute(select(Parcel.id).where(Parcel.id.in_(ids),
                                                       parcel_scope(actor))).scalars())
    return ids - seen


def _masked(view: dict[str, Any], unseen: set[int]) -> dict[str, Any]:
    if view["parcel_id"] in unseen:
        view["parcel_id"] = view["audit_seq"] = None
    return view


def list_quota_accounts(uow: UnitOfWork, actor: Actor, year: int | None = None
                        ) -> dict[str, Any]:
    require(actor, LEDGER_READERS)
    with uow:
        q = select(QuotaAccount).order_by(QuotaAccount.year, QuotaAccount.id)
        if year is not None:
            q = q.where(QuotaAccount.year == year)
        items = [account_view(a) for a in uow.session.execute(q).scalars()]
        return {"items": items, "total": len(items)}


def quota_entries(uow: UnitOfWork, actor: Actor, account_id: int, page: int = 1,
                  per_page: int = 100) -> dict[str, Any]:
    require(actor, LEDGER_READERS)
    with uow:
        s = uow.session
        account = s.get(QuotaAccount, account_id)
        if account is None:
            raise NotFound({"what": f"计划指标账户 {account_id} / quota account {account_id}"})
        total = s.execute(select(func.count()).select_from(QuotaEntry)
                          .where(QuotaEntry.account_id == account_id)).scalar_one()
        rows = s.execute(select(QuotaEntry).where(QuotaEntry.account_id == account_id)
                         .order_by(QuotaEntry.id).limit(per_page)
                         .offset((page - 1) * per_page)).scalars().all()
        unseen = _unseen_parcels(s, actor, {e.parcel_id for e in rows})
        return {"account": account_view(account),
                "items": [_masked(entry_view(e), unseen) for e in rows],
                "total": total, "page": page, "per_page": per_page}


def credit_view(c: FarmlandCredit, pairings: list[FarmlandPairing] | None = None,
                unseen: set[int] | None = None) -> dict[str, Any]:
    view = {"id": c.id, "county_code": c.county_code, "source": c.source,
            "project_no": c.project_no, "area_m2": money(c.area_m2),
            "paddy_m2": money(c.paddy_m2), "grade": c.grade,
            "accepted_on": c.accepted_on.isoformat(),
            "remaining_area_m2": money(c.remaining_area_m2),
            "remaining_paddy_m2": money(c.remaining_paddy_m2),
            "land_ticket_id": c.land_ticket_id, "pairings": []}
    if pairings is not None:
        view["pairings"] = [_masked({
            "id": x.id, "parcel_id": x.parcel_id, "area_m2": money(x.area_m2),
            "paddy_m2": money(x.paddy_m2), "occupied_grade": x.occupied_grade,
            "paired_on": x.paired_on.isoformat(),
            "released_on": x.released_on.isoformat() if x.released_on else None,
            "audit_seq": x.audit_event_id}, unseen or set()) for x in pairings]
    return view


def list_farmland_credits(uow: UnitOfWork, actor: Actor, *, available_only: bool = False
                          ) -> dict[str, Any]:
    require(actor, LEDGER_READERS)
    with uow:
        s = uow.session
        q = select(FarmlandCredit).order_by(FarmlandCredit.id)
        if available_only:
            q = q.where(FarmlandCredit.remaining_area_m2 > 0)
        credits = list(s.execute(q).scalars())
        pairings: dict[int, list[FarmlandPairing]] = {}
        if credits:
            for x in s.execute(select(FarmlandPairing).where(
                    FarmlandPairing.credit_id.in_([c.id for c in credits]))
                    .order_by(FarmlandPairing.id)).scalars():
                pairings.setdefault(x.credit_id, []).append(x)
        unseen = _unseen_parcels(s, actor, {x.parcel_id for xs in pairings.values()
                                            for x in xs})
        items = [credit_view(c, pairings.get(c.id, []), unseen) for c in credits]
        return {"items": items, "total": len(items)}


def ticket_view(t: LandTicket) -> dict[str, Any]:
    return {"id": t.id, "ticket_no": t.ticket_no, "county_code": t.county_code,
            "area_m2": money(t.area_m2), "cultivated_m2": money(t.cultivated_m2),
            "paddy_m2": money(t.paddy_m2), "grade": t.grade,
            "acceptance_ref": t.acceptance_ref, "accepted_on": t.accepted_on.isoformat(),
            "trade_price_yuan": money(t.trade_price_yuan),
            "reclamation_cost_yuan": money(t.reclamation_cost_yuan),
            "net_proceeds_yuan": money(t.farmer_share_yuan + t.collective_share_yuan),
            "farmer_share_yuan": money(t.farmer_share_yuan),
            "collective_share_yuan": money(t.collective_share_yuan),
            "buyer": t.buyer, "traded_on": t.traded_on.isoformat(),
            "remaining_m2": money(t.remaining_m2)}


def list_land_tickets(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    require(actor, LEDGER_READERS)
    with uow:
        items = [ticket_view(t) for t in uow.session.execute(
            select(LandTicket).order_by(LandTicket.id)).scalars()]
        return {"items": items, "total": len(items)}


def ledger_invariants(uow: UnitOfWork) -> dict[str, Any]:
    """For checks and tests: every account's balance against the sum of its entries, every
    credit's remaining against its area minus open pairings, every land ticket's remaining
    area and the cultivated area its credits hold."""
    with uow:
        s = uow.session
        sums = dict(s.execute(select(QuotaEntry.account_id, func.sum(QuotaEntry.amount_m2))
                              .group_by(QuotaEntry.account_id)).all())
        accounts = {a.id: (a.balance_m2, sums.get(a.id) or Decimal("0.00"))
                    for a in s.execute(select(QuotaAccount)).scalars()}
        open_pairs = dict(s.execute(
            select(FarmlandPairing.credit_id, func.sum(FarmlandPairing.area_m2))
            .where(FarmlandPairing.released_on.is_(None)).group_by(FarmlandPairing.credit_id)
        ).all())
        credits = {c.id: (c.area_m2, c.remaining_area_m2, open_pairs.get(c.id) or
                          Decimal("0.00"))
                   for c in s.execute(select(FarmlandCredit)).scalars()}
        credited = dict(s.execute(
            select(FarmlandCredit.land_ticket_id, func.sum(FarmlandCredit.area_m2))
            .where(FarmlandCredit.land_ticket_id.is_not(None))
            .group_by(FarmlandCredit.land_ticket_id)).all())
        tickets = {t.id: (t.area_m2, t.remaining_m2, t.cultivated_m2,
                          credited.get(t.id) or Decimal("0.00"))
                   for t in s.execute(select(LandTicket)).scalars()}
        parcels_with_deductions = s.execute(select(func.count(func.distinct(
            QuotaEntry.parcel_id))).where(QuotaEntry.kind == "deduct")).scalar_one()
        return {"accounts": accounts, "credits": credits, "tickets": tickets,
                "parcels_with_deductions": parcels_with_deductions,
                "parcels": s.execute(select(func.count()).select_from(Parcel)).scalar_one()}
