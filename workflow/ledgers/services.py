"""Administrative ledger operations (each one transaction with its own audit event) and the
ledgers' read side: quota accounts and entries, farmland credits and pairings, land tickets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from workflow import law
from workflow.access import LEDGER_ADMINS, LEDGER_RECORDERS, Actor, require
from workflow.canonical import money, plain
from workflow.errors import Conflict, NotFound, ValidationFailed
from workflow.ledgers.postings import post_quota
from workflow.ledgers.queries import account_view, credit_view, ticket_view
from workflow.models import County, FarmlandCredit, LandTicket, QuotaAccount
from workflow.models.repository import lock_rows
from workflow.uow import UnitOfWork, command

CENT = Decimal("0.01")




def _not_after_today(uow: UnitOfWork, body: dict[str, Any], *names: str) -> None:
    """A ledger books what has happened: a credit accepted, a ticket traded, quota allocated
    tomorrow has not been, and would shift every as-of balance until then."""
    today = uow.today()
    late = {name: [f"晚于今天 {today} / after today ({today})"]
            for name in names if body.get(name) is not None and body[name] > today}
    if late:
        raise ValidationFailed(late)


def _county(uow: UnitOfWork, code: str | None) -> str:
    if code is None:
        code = uow.session.execute(select(County.code).order_by(County.code)).scalars().first()
    if code is None or uow.session.get(County, code) is None:
        raise ValidationFailed({"county_code": [f"unknown county {code}"]})
    return code


# --- quota ---------------------------------------------------------------------------------


def _plan_year_start(uow: UnitOfWork, year: int) -> date:
    """When an account's initial allocation is booked if the request names no date: the annual
    plan is the year's quota (土地管理法 第二十三条; 土地利用年度计划管理办法 第二条), so 1 January
    of its plan year — or today for a year still to come (a ledger books nothing ahead)."""
    return min(date(year, 1, 1), uow.today())


def create_quota_account(uow: UnitOfWork, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
    """An account for a plan year with its allocation (an ``allocate`` entry)."""
    require(actor, LEDGER_ADMINS)

    def work(uow: UnitOfWork) -> dict[str, Any]:
        _not_after_today(uow, body, "effective_date")
        s = uow.session
        county = _county(uow, body.get("county_code"))
        category = body.get("category") or "general"
        exists = s.execute(select(QuotaAccount.id).where(
            QuotaAccount.county_code == county, QuotaAccount.year == body["year"],
            QuotaAccount.category == category)).first()
        if exists:
            raise Conflict({"field": "year"}, field="year")
        now, on = uow.now(), body.get("effective_date") or _plan_year_start(uow, body["year"])
        account = QuotaAccount(county_code=county, year=body["year"], category=category,
                               name=body.get("name") or f"{county} {body['year']} 年度计划指标",
                               balance_m2=Decimal("0.00"), created_at=now)
        s.add(account)
        s.flush()
        ev = uow.audit(stream=f"quota_account:{account.id}", kind="admin", name="quota.allocate",
                       effective_date=on, payload=body)
        if body["allocated_m2"] > 0:
            post_quota(s, account, "allocate", body["allocated_m2"], effective_date=on, now=now,
                       audit_event_id=ev.id, document_no=body.get("document_no"))
        s.flush()
        uow.emit("quota.allocated", None, {"account_id": account.id,
                                           "amount_m2": money(body["allocated_m2"])},
                 audit_event_id=ev.id)
        view = account_view(account)
        return view

    return command(uow, actor, work).result


def allocate_quota(uow: UnitOfWork, actor: Actor, account_id: int, body: dict[str, Any]
                   ) -> dict[str, Any]:
    require(actor, LEDGER_ADMINS)

    def work(uow: UnitOfWork) -> dict[str, Any]:
        _not_after_today(uow, body, "effective_date")
        s = uow.session
        account = lock_rows(s, QuotaAccount, [account_id]).get(account_id)
        if account is None:
            raise NotFound({"what": f"计划指标账户 {account_id} / quota account {account_id}"})
        now, on = uow.now(), body.get("effective_date") or uow.today()
        ev = uow.audit(stream=f"quota_account:{account_id}", kind="admin", name="quota.allocate",
                       effective_date=on, payload=body)
        post_quota(s, account, "allocate", body["amount_m2"], effective_date=on, now=now,  # type: ignore[arg-type]
                   audit_event_id=ev.id, document_no=body.get("document_no"))
        s.flush()
        uow.emit("quota.allocated", None, {"account_id": account_id,
                                           "amount_m2": money(body["amount_m2"])},
                 audit_event_id=ev.id)
        view = account_view(account)  # type: ignore[arg-type]
        return view

    return command(uow, actor, work).result


def transfer_quota(uow: UnitOfWork, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
    """Move quota between two accounts: both rows locked in id order, two ``transfer`` entries,
    one audit event on each account's chain."""
    require(actor, LEDGER_ADMINS)
    src_id, dst_id, amount = body["from_account_id"], body["to_account_id"], body["amount_m2"]
    if src_id == dst_id:
        raise ValidationFailed({"to_account_id": ["须为另一账户 / must differ from the source"]})

    def work(uow: UnitOfWork) -> dict[str, Any]:
        _not_after_today(uow, body, "effective_date")
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
        out_ev = uow.audit(stream=f"quota_account:{src_id}", kind="admin",
                           name="quota.transfer_out", effective_date=on, payload=body)
        in_ev = uow.audit(stream=f"quota_account:{dst_id}", kind="admin",
                          name="quota.transfer_in", effective_date=on, payload=body)
        post_quota(s, src, "transfer", -amount, effective_date=on, now=now,
                   audit_event_id=out_ev.id, document_no=doc, counterparty=dst_id)
        post_quota(s, dst, "transfer", amount, effective_date=on, now=now,
                   audit_event_id=in_ev.id, document_no=doc, counterparty=src_id)
        s.flush()
        uow.emit("quota.transferred", None, {"from_account_id": src_id, "to_account_id": dst_id,
                                             "amount_m2": money(amount)},
                 audit_event_id=out_ev.id)
        result = {"from": account_view(src), "to": account_view(dst)}
        return result

    return command(uow, actor, work).result


# --- farmland credits -----------------------------------------------------------------------


def create_farmland_credit(uow: UnitOfWork, actor: Actor, body: dict[str, Any]
                           ) -> dict[str, Any]:
    require(actor, LEDGER_RECORDERS)

    def work(uow: UnitOfWork) -> dict[str, Any]:
        _not_after_today(uow, body, "accepted_on")
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
        ev = uow.audit(stream=f"farmland_credit:{credit.id}", kind="admin",
                       name="farmland.credit", effective_date=body["accepted_on"], payload=body)
        uow.emit("farmland.credited", None, {"credit_id": credit.id,
                                             "area_m2": money(credit.area_m2)},
                 audit_event_id=ev.id)
        view = credit_view(credit, [])
        return view

    return command(uow, actor, work).result


# --- land tickets ------------------------------------------------------------------------------


def proceeds_split(trade_price: Decimal, reclamation_cost: Decimal, traded_on: date | None = None
                   ) -> tuple[Decimal, Decimal]:
    """Farmers receive their share of the net proceeds, the collective the rest (RULES §11.3),
    by the share in force on the trade's day."""
    net = max(trade_price - reclamation_cost, Decimal("0"))
    farmer = (net * law.value("地票.farmer_share", traded_on)).quantize(CENT)
    return farmer, net - farmer


def create_land_ticket(uow: UnitOfWork, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
    require(actor, LEDGER_RECORDERS)

    def work(uow: UnitOfWork) -> dict[str, Any]:
        _not_after_today(uow, body, "accepted_on", "traded_on")
        s = uow.session
        if s.execute(select(LandTicket.id).where(LandTicket.ticket_no == body["ticket_no"])
                     ).first():
            raise Conflict({"field": "ticket_no"}, field="ticket_no")
        county = _county(uow, body.get("county_code"))
        farmer, collective = proceeds_split(body["trade_price_yuan"],
                                            body["reclamation_cost_yuan"], body["traded_on"])
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
        ev = uow.audit(stream=f"land_ticket:{ticket.id}", kind="admin",
                       name="land_ticket.recorded", effective_date=body["traded_on"],
                       payload=plain(body), law_set=law.in_force_on(body["traded_on"]).id)
        uow.emit("land_ticket.recorded", None, {"land_ticket_id": ticket.id,
                                                "area_m2": money(ticket.area_m2)},
                 audit_event_id=ev.id)
        view = ticket_view(ticket)
        return view

    return command(uow, actor, work).result


