"""Test factories: accounts, and parcels carried to any state through the real transitions."""

from __future__ import annotations

import itertools
from copy import deepcopy
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from states import COLLECTIVE_PATHS
from workflow import services
from workflow.access import Actor
from workflow.accounts.services import add_user
from workflow.ledgers import services as ledger_services
from workflow.ledgers.schemas import FarmlandCreditSchema, QuotaAccountSchema
from workflow.models import Account, AuditEvent, Parcel
from workflow.payloads.fields import load
from workflow.payloads.records import RecordSchema
from workflow.payloads.survey import SurveySchema
from workflow.payloads.transitions import load_transition
from workflow.runtime import Runtime

_codes = itertools.count(1)

SURVEY: dict[str, Any] = {
    "effective_date": "2022-11-01",
    "township": "南宾街道",
    "ownership": "collective",
    "land": {
        "farmland_m2": "6000.00", "paddy_m2": "1000.00", "farmland_grade": 5,
        "other_agricultural_m2": "2000.00", "unused_m2": "500.00", "construction_m2": "1500.00",
    },
    "control_lines": {"basic_farmland_m2": "0", "red_line_m2": "0",
                      "in_development_boundary": True},
}

# One lawful timeline through the whole chain (today in tests is 2026-06-30).
PAYLOADS: dict[str, dict[str, Any]] = {
    "plan": {"effective_date": "2023-02-01", "planned_use": "industrial",
             "planning_conditions": {"plot_ratio_max": "2.0", "building_density_max": "40",
                                     "green_ratio_min": "20", "height_max_m": "24"}},
    "approve": {"effective_date": "2023-03-01", "approval_no": "渝府地〔2023〕101号"},
    "reject": {"effective_date": "2023-03-01", "reason": "不符合国土空间规划"},
    "withdraw": {"effective_date": "2023-01-20", "reason": "申请人撤回"},
    "expropriate": {"effective_date": "2023-03-20", "announced_on": "2023-03-10",
                    "compensation_paid": True},
    "supply": {"effective_date": "2023-05-06", "method": "listing", "price_yuan": "5000000.00",
               "term_years": 50, "signed_on": "2023-05-06", "agreed_start_date": "2023-08-01",
               "agreed_completion_date": "2025-08-01", "land_user": "石柱县某实业有限公司"},
    "lapse": {"effective_date": "2025-03-02", "reason": "批准后两年未实施"},
    "hand_over": {"effective_date": "2023-06-01"},
    "start_construction": {"effective_date": "2023-07-15", "permit_no": "500240202307150101"},
    "inspect": {"effective_date": "2025-09-01", "actual_area_m2": "10000.00",
                "within_approved_boundary": True, "planning_verified": True},
    "register": {"effective_date": "2025-10-10"},
    "declare_idle": {"effective_date": "2024-09-01", "cause": "user",
                     "determination_no": "石规资闲认〔2024〕1号"},
    "resume": {"effective_date": "2024-10-01"},
    "recover": {"effective_date": "2025-08-05", "decision_no": "石府收〔2025〕1号"},
}

# The pre-approval expropriation procedure of collective land (实施条例 第二十六条至第三十二条),
# dated so that every period holds before the approval of 2023-03-01.
PRE_APPROVAL_RECORDS: list[tuple[str, str]] = [
    ("pre_announcement", "2022-11-10"),
    ("status_survey", "2022-11-20"),
    ("risk_assessment", "2022-11-25"),
    ("plan_announcement", "2022-12-05"),
    ("compensation_registration", "2022-12-20"),
    ("funds_in_place", "2023-02-15"),
    ("agreements_signed", "2023-02-20"),
]

PATHS = COLLECTIVE_PATHS

ROLES = ("clerk", "approver", "auditor", "portal", "admin")


def role_for(transition: str) -> str:
    return {"approve": "approver", "reject": "approver", "lapse": "approver",
            "declare_idle": "approver", "recover": "approver"}.get(transition, "clerk")


class World:
    """A county with one account per role, quota and farmland credits enough for many
    approvals, and helpers that drive real transitions."""

    def __init__(self, runtime: Runtime, *, ledgers: bool = True) -> None:
        self.runtime = runtime
        self.actors: dict[str, Actor] = {}
        self.tokens: dict[str, str] = {}
        for role in ROLES:
            self.add_account(role, role)
        self.quota_accounts: dict[int, int] = {}
        if ledgers:
            for year in range(2022, 2027):
                self.quota_accounts[year] = self.quota_account(year, "10000000.00")["id"]
            self.credit("1000000.00", "300000.00", grade=3, accepted_on="2022-06-01")

    def quota_account(self, year: int, allocated: str, **extra: Any) -> dict[str, Any]:
        body = load(QuotaAccountSchema, {"year": year, "allocated_m2": allocated, **extra})
        return ledger_services.create_quota_account(self.runtime.uow(), self.actors["admin"],
                                                    body)

    def credit(self, area: str, paddy: str = "0", *, grade: int = 5,
               accepted_on: str = "2022-06-01", source: str = "consolidation",
               project_no: str | None = None) -> dict[str, Any]:
        body = load(FarmlandCreditSchema, {
            "source": source, "project_no": project_no or f"石柱土整-{next(_codes)}",
            "area_m2": area, "paddy_m2": paddy, "grade": grade, "accepted_on": accepted_on})
        return ledger_services.create_farmland_credit(self.runtime.uow(), self.actors["admin"],
                                                      body)

    def record(self, parcel_id: int, kind: str, on: str, actor: str = "clerk",
               **details: Any) -> dict[str, Any]:
        body = load(RecordSchema, {"kind": kind, "date": on, "details": details})
        outcome, _ = services.add_record(self.runtime.uow(), parcel_id, body, self.actors[actor])
        return outcome

    def pre_approval_records(self, parcel_id: int, skip: tuple[str, ...] = ()) -> None:
        for kind, on in PRE_APPROVAL_RECORDS:
            if kind not in skip:
                self.record(parcel_id, kind, on)

    def add_account(self, key: str, role: str, township: str | None = None) -> Actor:
        created = add_user(self.runtime.uow(), f"{key}-{next(_codes)}", role, township)
        with self.runtime.reader() as uow:
            acc = uow.session.get(Account, created.account_id)
            assert acc is not None
            actor = Actor(id=acc.id, name=acc.name, role=acc.role, township_id=acc.township_id)
        self.actors[key] = actor
        self.tokens[key] = created.token
        return actor

    def survey(self, actor: str = "clerk", **overrides: Any) -> int:
        body = deepcopy(SURVEY)
        body["code"] = overrides.pop("code", f"SZ-{next(_codes):06d}")
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(body.get(key), dict):
                body[key].update(value)
            else:
                body[key] = value
        outcome, _ = services.create_parcel(self.runtime.uow(), load(SurveySchema, body),
                                            self.actors[actor])
        return int(outcome["parcel"]["id"])

    def payload(self, name: str, **overrides: Any) -> dict[str, Any]:
        body = deepcopy(PAYLOADS.get(name, {}))
        body.update(overrides)
        return body

    def fire(self, parcel_id: int, name: str, actor: str | None = None, *,
             idempotency_key: str | None = None, dry_run: bool = False,
             **overrides: Any) -> dict[str, Any]:
        if name == "approve" and "approval_no" not in overrides:
            # One approval document per parcel unless a test groups them: the authority
            # thresholds add up the parcels of one approval.
            overrides["approval_no"] = f"渝府地〔2023〕{1000 + parcel_id}号"
        body = load_transition(name, self.payload(name, **overrides))
        outcome, _ = services.fire_transition(
            self.runtime.uow(), parcel_id, name, body, self.actors[actor or role_for(name)],
            idempotency_key=idempotency_key, dry_run=dry_run)
        return outcome

    def parcel_in(self, state: str, ownership: str = "collective", **survey: Any) -> int:
        """A parcel carried to ``state`` through every transition on the way, with the records
        the law wants before each step (pre-approval procedure, land-price payment)."""
        pid = self.survey(ownership=ownership, **survey)
        path = list(PATHS[state])
        if ownership == "state":
            path = [t for t in path if t != "expropriate"]
        for name in path:
            self.prepare(pid, name, ownership)
            self.fire(pid, name)
        return pid

    def prepare(self, parcel_id: int, name: str, ownership: str = "collective") -> None:
        """The records a step needs before it can lawfully fire."""
        if name == "approve" and ownership == "collective":
            self.pre_approval_records(parcel_id)
        if name == "register":
            self.record(parcel_id, "payment", "2023-06-01",
                        amount_yuan=PAYLOADS["supply"]["price_yuan"])
        if name == "resume":  # the idle-land fee: 20% of the land price
            self.record(parcel_id, "payment", "2024-09-20", amount_yuan="1000000.00",
                        purpose="idle_fee")

    # --- reading the database directly (what tests check) ---------------------------------

    def parcel(self, parcel_id: int) -> Parcel:
        with self.runtime.reader() as uow:
            p = uow.session.get(Parcel, parcel_id)
            assert p is not None
            uow.session.expunge(p)
            return p

    def state_of(self, parcel_id: int) -> str:
        return self.parcel(parcel_id).state

    def event_count(self, parcel_id: int | None = None) -> int:
        with self.runtime.reader() as uow:
            q = select(func.count()).select_from(AuditEvent)
            if parcel_id is not None:
                q = q.where(AuditEvent.parcel_id == parcel_id)
            return int(uow.session.execute(q).scalar_one())


def d(text: str) -> date:
    return date.fromisoformat(text)


def dec(text: str) -> Decimal:
    return Decimal(text)
