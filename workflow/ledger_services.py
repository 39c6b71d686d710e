"""Administrative ledger operations (each one transaction with its own audit event) and the
ledgers' read side: quota accounts and entries, farmland credits and pairings, land tickets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from . import law
from .actors import Actor
from .audit import append_event, plain
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .models import (
    County,
    FarmlandCredit,
    FarmlandPairing,
    LandTicket,
    Parcel,
    QuotaAccount,
    QuotaEntry,
)
from .repositories import lock_rows
from .uow import UnitOfWork
from .views import money

CENT = Decimal("0.01")
LEDGER_ADMINS = ("admin",)
LEDGER_READERS = ("admin", "auditor", "approver", "clerk")


def _require(actor: Actor, roles: tuple[str, ...]) -> None:
    if actor.role not in roles:
        raise Forbidden({"role": actor.role})


def _county(uow: UnitOfWork, code: str | None) -> str:
    if code is None:
        code = uow.session.execute(select(County.code).order_by(County.code)).scalars().first()
    if code is None or uow.session.get(County, code) is None:
        raise ValidationFailed({"county_code": [f"unknown county {code}"]})
    return code


def _entry(account: QuotaAccount, kind: str, amount: Decimal, event_id: int, on: Any, now: Any,
           **refs: Any) -> QuotaEntry:
    account.balance_m2 = account.balance_m2 + amount
    if account.balance_m2 < 0:
        raise ValidationFailed({"amount_m2": [
            f"余额不足 / balance {account.balance_m2 - amount} m² is less than {-amount} m²"]})
    return QuotaEntry(account_id=account.id, kind=kind, amount_m2=amount,
                      balance_after_m2=account.balance_m2, audit_event_id=event_id,
                      effective_date=on, created_at=now, **refs)


# --- quota ---------------------------------------------------------------------------------


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


def create_quota_account(uow: UnitOfWork, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
    """An account for a plan year with its allocation (an ``allocate`` entry)."""
    _require(actor, LEDGER_ADMINS)
    with uow:
        s = uow.session
        county = _county(uow, body.get("county_code"))
        category = body.get("category") or "general"
        exists = s.execute(select(QuotaAccount.id).where(
            QuotaAccount.county_code == county, QuotaAccount.year == body["year"],
            QuotaAccount.category == category)).first()
        if exists:
            raise Conflict({"field": "year"}, field="year")
        now, on = uow.now(), body.get("effective_date") or uow.today()
        account = QuotaAccount(county_code=county, year=body["year"], category=category,
                               name=body.get("name") or f"{county} {body['year']} 年度计划指标",
                               balance_m2=Decimal("0.00"), created_at=now)
        s.add(account)
        s.flush()
        ev = append_event(s, stream=f"quota_account:{account.id}", kind="admin",
                          name="quota.allocate", actor_id=actor.id, actor=actor.name,
                          role=actor.role, recorded_at=now, effective_date=on, payload=body)
        if body["allocated_m2"] > 0:
            s.add(_entry(account, "allocate", body["allocated_m2"], ev.id, on, now,
                         document_no=body.get("document_no")))
        s.flush()
        uow.emit("quota.allocated", None, {"account_id": account.id,
                                           "amount_m2": money(body["allocated_m2"])},
                 audit_event_id=ev.id)
        view = account_view(account)
        uow.commit()
        return view


def allocate_quota(uow: UnitOfWork, actor: Actor, account_id: int, body: dict[str, Any]
                   ) -> dict[str, Any]:
    _require(actor, LEDGER_ADMINS)
    with uow:
        s = uow.session
        account = lock_rows(s, QuotaAccount, [account_id]).get(account_id)
        if account is None:
            raise NotFound({"what": f"计划指标账户 {account_id} / quota account {account_id}"})
        now, on = uow.now(), body.get("effective_date") or uow.today()
        ev = append_event(s, stream=f"quota_account:{account_id}", kind="admin",
                          name="quota.allocate", actor_id=actor.id, actor=actor.name,
                          role=actor.role, recorded_at=now, effective_date=on, payload=body)
        entry = _entry(account, "allocate", body["amount_m2"], ev.id, on, now,  # type: ignore[arg-type]
                       document_no=body.get("document_no"))
        s.add(entry)
        s.flush()
        uow.emit("quota.allocated", None, {"account_id": account_id,
                                           "amount_m2": money(body["amount_m2"])},
                 audit_event_id=ev.id)
        view = account_view(account)  # type: ignore[arg-type]
        uow.commit()
        return view


def transfer_quota(uow: UnitOfWork, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
    """Move quota between two accounts: both rows locked in id order, two ``transfer`` entries,
    one audit event on each account's chain."""
    _require(actor, LEDGER_ADMINS)
    src_id, dst_id, amount = body["from_account_id"], body["to_account_id"], body["amount_m2"]
    if src_id == dst_id:
        raise ValidationFailed({"to_account_id": ["须为另一账户 / must differ from the source"]})
    with uow:
        s = uow.session
        rows = lock_rows(s, QuotaAccount, [src_id, dst_id])
        for key, aid in (("from_account_id", src_id), ("to_account_id", dst_id)):
            if aid not in rows:
                raise ValidationFailed({key: [f"unknown account {aid}"]})
        src: Any = rows[src_id]
        dst: Any = rows[dst_id]
        if src.balance_m2 < amount:
            raise ValidationFailed({"amount_m2": [
                f"转出账户余额 {src.balance_m2} 平方米不足 / source balance {src.balance_m2} m² "
                f"is less than {amount} m²"]})
        now, on = uow.now(), body.get("effective_date") or uow.today()
        doc = body.get("document_no")
        out_ev = append_event(s, stream=f"quota_account:{src_id}", kind="admin",
                              name="quota.transfer_out", actor_id=actor.id, actor=actor.name,
                              role=actor.role, recorded_at=now, effective_date=on, payload=body)
        in_ev = append_event(s, stream=f"quota_account:{dst_id}", kind="admin",
                             name="quota.transfer_in", actor_id=actor.id, actor=actor.name,
                             role=actor.role, recorded_at=now, effective_date=on, payload=body)
        s.add(_entry(src, "transfer", -amount, out_ev.id, on, now, document_no=doc,
                     counterparty_account_id=dst_id))
        s.add(_entry(dst, "transfer", amount, in_ev.id, on, now, document_no=doc,
                     counterparty_account_id=src_id))
        s.flush()
        uow.emit("quota.transferred", None, {"from_account_id": src_id, "to_account_id": dst_id,
                                             "amount_m2": money(amount)},
                 audit_event_id=out_ev.id)
        result = {"from": account_view(src), "to": account_view(dst)}
        uow.commit()
        return result


def list_quota_accounts(uow: UnitOfWork, actor: Actor, year: int | None = None
                        ) -> dict[str, Any]:
    _require(actor, LEDGER_READERS)
    with uow:
        q = select(QuotaAccount).order_by(QuotaAccount.year, QuotaAccount.id)
        if year is not None:
            q = q.where(QuotaAccount.year == year)
        items = [account_view(a) for a in uow.session.execute(q).scalars()]
        return {"items": items, "total": len(items)}


def quota_entries(uow: UnitOfWork, actor: Actor, account_id: int, page: int = 1,
                  per_page: int = 100) -> dict[str, Any]:
    _require(actor, LEDGER_READERS)
    with uow:
        s = uow.session
        account = s.get(QuotaAccount, account_id)
        if account is None:
            raise NotFound({"what": f"计划指标账户 {account_id} / quota account {account_id}"})
        total = s.execute(select(func.count()).select_from(QuotaEntry)
                          .where(QuotaEntry.account_id == account_id)).scalar_one()
        rows = s.execute(select(QuotaEntry).where(QuotaEntry.account_id == account_id)
                         .order_by(QuotaEntry.id).limit(per_page)
                         .offset((page - 1) * per_page)).scalars()
        return {"account": account_view(account), "items": [entry_view(e) for e in rows],
                "total": total, "page": page, "per_page": per_page}


# --- farmland credits -----------------------------------------------------------------------


def credit_view(c: FarmlandCredit, pairings: list[FarmlandPairing] | None = None
                ) -> dict[str, Any]:
    view = {"id": c.id, "county_code": c.county_code, "source": c.source,
            "project_no": c.project_no, "area_m2": money(c.area_m2),
            "paddy_m2": money(c.paddy_m2), "grade": c.grade,
            "accepted_on": c.accepted_on.isoformat(),
            "remaining_area_m2": money(c.remaining_area_m2),
            "remaining_paddy_m2": money(c.remaining_paddy_m2),
            "land_ticket_id": c.land_ticket_id, "pairings": []}
    if pairings is not None:
        view["pairings"] = [{
            "id": x.id, "parcel_id": x.parcel_id, "area_m2": money(x.area_m2),
            "paddy_m2": money(x.paddy_m2), "occupied_grade": x.occupied_grade,
            "paired_on": x.paired_on.isoformat(),
            "released_on": x.released_on.isoformat() if x.released_on else None,
            "audit_seq": x.audit_event_id} for x in pairings]
    return view


def create_farmland_credit(uow: UnitOfWork, actor: Actor, body: dict[str, Any]
                           ) -> dict[str, Any]:
    _require(actor, ("admin", "clerk"))
    with uow:
        s = uow.session
        county = _county(uow, body.get("county_code"))
        now = uow.now()
        credit = FarmlandCredit(county_code=county, source=body["source"],
                                project_no=body["project_no"], area_m2=body["area_m2"],
                                paddy_m2=body["paddy_m2"], grade=body["grade"],
                                accepted_on=body["accepted_on"],
                                remaining_area_m2=body["area_m2"],
                                remaining_paddy_m2=body["paddy_m2"], created_at=now)
        s.add(credit)
        s.flush()
        ev = append_event(s, stream=f"farmland_credit:{credit.id}", kind="admin",
                          name="farmland.credit", actor_id=actor.id, actor=actor.name,
                          role=actor.role, recorded_at=now, effective_date=body["accepted_on"],
                          payload=body)
        uow.emit("farmland.credited", None, {"credit_id": credit.id,
                                             "area_m2": money(credit.area_m2)},
                 audit_event_id=ev.id)
        view = credit_view(credit, [])
        uow.commit()
        return view


def list_farmland_credits(uow: UnitOfWork, actor: Actor, *, available_only: bool = False
                          ) -> dict[str, Any]:
    _require(actor, LEDGER_READERS)
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
        items = [credit_view(c, pairings.get(c.id, [])) for c in credits]
        return {"items": items, "total": len(items)}


# --- land tickets ------------------------------------------------------------------------------


def proceeds_split(trade_price: Decimal, reclamation_cost: Decimal) -> tuple[Decimal, Decimal]:
    """Farmers receive their share of the net proceeds, the collective the rest (RULES §11.3)."""
    net = max(trade_price - reclamation_cost, Decimal("0"))
    farmer = (net * law.value("地票.farmer_share")).quantize(CENT)
    return farmer, net - farmer


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


def create_land_ticket(uow: UnitOfWork, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
    _require(actor, ("admin", "clerk"))
    with uow:
        s = uow.session
        if s.execute(select(LandTicket.id).where(LandTicket.ticket_no == body["ticket_no"])
                     ).first():
            raise Conflict({"field": "ticket_no"}, field="ticket_no")
        county = _county(uow, body.get("county_code"))
        farmer, collective = proceeds_split(body["trade_price_yuan"],
                                            body["reclamation_cost_yuan"])
        now = uow.now()
        ticket = LandTicket(
            ticket_no=body["ticket_no"], county_code=county, area_m2=body["area_m2"],
            cultivated_m2=body["cultivated_m2"], paddy_m2=body["paddy_m2"], grade=body["grade"],
            acceptance_ref=body["acceptance_ref"], accepted_on=body["accepted_on"],
            trade_price_yuan=body["trade_price_yuan"],
            reclamation_cost_yuan=body["reclamation_cost_yuan"], farmer_share_yuan=farmer,
            collective_share_yuan=collective, buyer=body["buyer"], traded_on=body["traded_on"],
            remaining_m2=body["area_m2"], created_at=now)
        s.add(ticket)
        s.flush()
        ev = append_event(s, stream=f"land_ticket:{ticket.id}", kind="admin",
                          name="land_ticket.recorded", actor_id=actor.id, actor=actor.name,
                          role=actor.role, recorded_at=now, effective_date=body["traded_on"],
                          payload=plain(body))
        uow.emit("land_ticket.recorded", None, {"land_ticket_id": ticket.id,
                                                "area_m2": money(ticket.area_m2)},
                 audit_event_id=ev.id)
        view = ticket_view(ticket)
        uow.commit()
        return view


def list_land_tickets(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    _require(actor, LEDGER_READERS)
    with uow:
        items = [ticket_view(t) for t in uow.session.execute(
            select(LandTicket).order_by(LandTicket.id)).scalars()]
        return {"items": items, "total": len(items)}


def ledger_invariants(uow: UnitOfWork) -> dict[str, Any]:
    """For checks and tests: every account's balance against the sum of its entries, every
    credit's remaining against its area minus open pairings."""
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
        parcels_with_deductions = s.execute(select(func.count(func.distinct(
            QuotaEntry.parcel_id))).where(QuotaEntry.kind == "deduct")).scalar_one()
        return {"accounts": accounts, "credits": credits,
                "parcels_with_deductions": parcels_with_deductions,
                "parcels": s.execute(select(func.count()).select_from(Parcel)).scalar_one()}
