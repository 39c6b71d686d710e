"""A realistic demo portfolio for people who want to look around: parcels in every state, with
plausible areas and dates, carried there through the real transitions (so every rule holds)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from states import COLLECTIVE_PATHS
from workflow import services
from workflow.access import Actor
from workflow.accounts.services import add_user
from workflow.deadlines.calendar import add_years
from workflow.errors import Conflict, RuleViolation
from workflow.ledgers.schemas import FarmlandCreditSchema, QuotaAccountSchema
from workflow.ledgers.services import create_farmland_credit, create_quota_account
from workflow.models import Account, FarmlandCredit, QuotaAccount, Township
from workflow.operator.demo_layers import SEAT_TOWNSHIP, demo_parcel_geometry
from workflow.payloads.fields import load
from workflow.payloads.records import RecordSchema
from workflow.payloads.survey import SurveySchema
from workflow.payloads.transitions import load_transition
from workflow.runtime import Runtime
from workflow.spatial.overlay import in_force

# Target states and how often they appear in a county portfolio.
MIX: list[tuple[str, int]] = [
    ("surveyed", 6), ("planned", 6), ("approved", 8), ("expropriated", 6), ("supplied", 8),
    ("in_use", 6), ("under_construction", 12), ("inspected", 5), ("registered", 20),
    ("idle", 4), ("recovered", 2), ("rejected", 3), ("withdrawn", 3), ("lapsed", 3),
]

USES = [("industrial", 50), ("commercial", 40), ("commodity_housing", 70), ("tourism", 40),
        ("public_service", 50), ("infrastructure", 50), ("education", 50)]
USERS = ["石柱县康养旅游开发有限公司", "重庆市石柱黄连产业有限公司", "石柱县城市建设投资有限公司",
         "石柱县西沱古镇文旅有限公司", "石柱县黄水旅游度假区开发有限公司", "重庆某新材料有限公司",
         "石柱县教育委员会", "石柱县交通建设有限公司"]


def _actor(runtime: Runtime, name: str, role: str) -> Actor:
    """The demo's own accounts (no token is printed: the demo acts through the service)."""
    for attempt in range(2):
        with runtime.reader() as uow:
            acc = uow.session.execute(
                select(Account).where(Account.name == name)).scalar_one_or_none()
            if acc is not None:
                return Actor(id=acc.id, name=acc.name, role=acc.role,
                             township_id=acc.township_id)
        if attempt == 0:
            add_user(runtime.uow(), name, role)
    raise RuntimeError(f"could not create demo account {name}")


class Timeline:
    """Dates for one parcel's steps, spaced the way the law and practice space them."""

    def __init__(self, rng: random.Random, start: date) -> None:
        self.rng = rng
        self.day = start

    def after(self, lo: int, hi: int) -> date:
        self.day = self.day + timedelta(days=self.rng.randint(lo, hi))
        return self.day


SPAN_DAYS = {  # how far back a parcel must start to reach its target by today
    "surveyed": 30, "planned": 90, "approved": 200, "rejected": 200, "withdrawn": 60,
    "expropriated": 260, "lapsed": 1000, "supplied": 500, "in_use": 600,
    "under_construction": 800, "inspected": 1500, "registered": 1600, "idle": 1100,
    "recovered": 1500,
}


def _survey(rng: random.Random, code: str, township: str, on: date,
            boundary: dict[str, Any] | None = None) -> dict[str, Any]:
    """A survey: with a boundary, the land split is the layers' to compute and the parcel lies
    in the county seat; without one, the clerk declares it."""
    if boundary is not None:
        return {"code": code, "effective_date": on.isoformat(), "township": SEAT_TOWNSHIP,
                "ownership": "collective" if rng.random() < 0.8 else "state",
                "geometry": boundary}
    farmland = Decimal(rng.randrange(0, 40000, 100))
    paddy = (farmland * Decimal(rng.choice([0, 0, 10, 25, 40])) / 100).quantize(Decimal("1"))
    return {
        "code": code, "effective_date": on.isoformat(), "township": township,
        "ownership": "collective" if rng.random() < 0.8 else "state",
        "land": {
            "farmland_m2": str(farmland), "paddy_m2": str(paddy),
            "farmland_grade": rng.randint(4, 11) if farmland else None,
            "other_agricultural_m2": str(rng.randrange(0, 20000, 100)),
            "unused_m2": str(rng.randrange(0, 5000, 100)),
            "construction_m2": str(rng.randrange(100, 8000, 100)),
        },
        "control_lines": {"basic_farmland_m2": "0", "red_line_m2": "0",
                          "in_development_boundary": True},
    }


ANNUAL_QUOTA_M2 = Decimal("1334000.00")  # the plan's 6.67 km² over five years


def _ensure_ledgers(runtime: Runtime, admin: Actor, first_year: int, last_year: int) -> None:
    """A general quota account per year and a few accepted consolidation projects, as a county
    would have them, so that the demo's approvals can balance."""
    with runtime.reader() as uow:
        years = set(uow.session.execute(select(QuotaAccount.year).where(
            QuotaAccount.category == "general")).scalars())
        credits = set(uow.session.execute(select(FarmlandCredit.project_no)).scalars())
    for year in range(first_year, last_year + 1):
        if year not in years:
            create_quota_account(runtime.uow(), admin, load(QuotaAccountSchema, {
                "year": year, "allocated_m2": str(ANNUAL_QUOTA_M2),
                "name": f"石柱县 {year} 年度新增建设用地计划指标",
                "document_no": f"渝规资〔{year}〕计划下达"}))
        project = f"石柱县{year - 1}年度土地整治项目"
        if project not in credits:
            create_farmland_credit(runtime.uow(), admin, load(FarmlandCreditSchema, {
                "source": "consolidation", "project_no": project, "area_m2": "600000.00",
                "paddy_m2": "150000.00", "grade": 3,
                "accepted_on": date(year - 1, 12, 1).isoformat()}))


def generate_demo(runtime: Runtime, *, count: int = 60, random_seed: int = 2021,
                  progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    rng = random.Random(random_seed)
    today = runtime.clock.today()
    clerk = _actor(runtime, "demo-clerk", "clerk")
    approver = _actor(runtime, "demo-approver", "approver")
    admin = _actor(runtime, "demo-admin", "admin")
    oldest = today - timedelta(days=max(SPAN_DAYS.values()) + 300)
    _ensure_ledgers(runtime, admin, oldest.year, today.year)
    with runtime.reader() as uow:
        townships = [t.name for t in uow.session.execute(select(Township)).scalars()]
    if not townships:
        raise RuntimeError("no townships: run `landflow seed` first")
    with runtime.reader() as uow:
        # Boundaries only where a land-use layer (the synthetic one, or a real one) is in force
        # for the oldest demo survey.
        with_layers = in_force(uow.session, "land_use", oldest) is not None
    states = [s for s, _ in MIX]
    weights = [w for _, w in MIX]
    made: Counter[str] = Counter()
    prefix = f"DEMO-{random_seed}-"
    for i in range(count):
        target = rng.choices(states, weights)[0]
        span = SPAN_DAYS[target]
        start = today - timedelta(days=span + rng.randint(0, 300))
        code = f"{prefix}{i + 1:05d}"
        boundary = demo_parcel_geometry(i) if with_layers else None
        survey = _survey(rng, code, rng.choice(townships), start, boundary)
        try:
            outcome, _ = services.create_parcel(runtime.uow(), load(SurveySchema, survey), clerk)
        except Conflict:  # this demo parcel exists already: the demo only ever adds
            made["skipped"] += 1
            continue
        pid = outcome["parcel"]["id"]
        path = [t for t in COLLECTIVE_PATHS[target]
                if not (t == "expropriate" and survey["ownership"] == "state")]
        reached = _drive(runtime, rng, pid, survey, path, Timeline(rng, start), clerk, approver,
                         today)
        made[reached] += 1
        if progress:
            progress(i + 1, count)
    return dict(made)


def _record(runtime: Runtime, pid: int, actor: Actor, kind: str, on: date,
            **details: Any) -> None:
    services.add_record(runtime.uow(), pid, load(RecordSchema, {
        "kind": kind, "date": on.isoformat(), "details": details}), actor)


def _pre_approval_procedure(runtime: Runtime, pid: int, clerk: Actor, start: date) -> date:
    """Record the collective-land procedure of 实施条例 第二十六条 to 第三十二条; returns the
    earliest lawful approval date."""
    pre = start + timedelta(days=3)
    announced = pre + timedelta(days=30)  # ≥ 10 working days even across Golden Week
    for kind, on in (("pre_announcement", pre), ("status_survey", pre + timedelta(days=7)),
                     ("risk_assessment", pre + timedelta(days=12)),
                     ("plan_announcement", announced),
                     ("compensation_registration", announced + timedelta(days=10)),
                     ("funds_in_place", announced + timedelta(days=20)),
                     ("agreements_signed", announced + timedelta(days=25))):
        _record(runtime, pid, clerk, kind, on)
    return announced + timedelta(days=31)


def _drive(runtime: Runtime, rng: random.Random, pid: int, survey: dict[str, Any],
           path: list[str], tl: Timeline, clerk: Actor, approver: Actor, today: date) -> str:
    """Fire ``path`` with lawful dates; returns the state reached (a path that would run past
    today, or a step the ledgers cannot cover, stops early)."""
    reached = "surveyed"
    use, term = rng.choice(USES)
    start = tl.day
    price = Decimal(0)
    agreed_start: date | None = None
    approved_on: date | None = None
    for name in path:
        body: dict[str, Any]
        if name == "plan":
            body = {"effective_date": tl.after(10, 40), "planned_use": use,
                    "planning_conditions": {"plot_ratio_max": str(rng.choice([1.2, 2.0, 2.5])),
                                            "building_density_max": "40",
                                            "green_ratio_min": "25", "height_max_m": "36"}}
        elif name == "approve":
            if survey["ownership"] == "collective":
                if _pre_approval_procedure(runtime, pid, clerk, start) > today:
                    return reached
                earliest = start + timedelta(days=3 + 30 + 31)
                tl.day = max(tl.day, earliest)
            approved_on = tl.after(20, 60)
            body = {"effective_date": approved_on,
                    "approval_no": f"渝府地〔{approved_on.year}〕{rng.randint(1, 900)}号"}
        elif name == "reject":
            body = {"effective_date": tl.after(20, 60), "reason": "不符合国土空间规划用途管制"}
        elif name == "withdraw":
            body = {"effective_date": tl.after(5, 25), "reason": "申请人撤回申请"}
        elif name == "lapse":
            assert approved_on is not None
            tl.day = approved_on + timedelta(days=731)
            body = {"effective_date": tl.after(1, 60), "reason": "批准后两年未征收、未供地"}
        elif name == "expropriate":
            announced = tl.after(3, 12)
            body = {"effective_date": tl.after(5, 20), "announced_on": announced,
                    "compensation_paid": True}
        elif name == "supply":
            signed = tl.after(30, 150)
            agreed_start = signed + timedelta(days=rng.randint(60, 120))
            method = "allocation" if use in ("public_service", "infrastructure",
                                             "education") else "listing"
            price = Decimal(rng.randrange(800, 4000)) * 1000
            body = {"effective_date": signed, "method": method,
                    "price_yuan": str(price),
                    "term_years": None if method == "allocation" else term,
                    "signed_on": signed, "agreed_start_date": agreed_start,
                    "agreed_completion_date": agreed_start + timedelta(days=730),
                    "land_user": rng.choice(USERS)}
        elif name == "hand_over":
            body = {"effective_date": tl.after(10, 40)}
        elif name == "start_construction":
            assert agreed_start is not None
            tl.day = max(tl.day, agreed_start)
            started = tl.after(0, 90)
            body = {"effective_date": started,
                    "permit_no": f"500240{started:%Y%m%d}{rng.randint(1000, 9999)}"}
        elif name == "inspect":
            body = {"effective_date": tl.after(400, 700), "planning_verified": True}
            if "geometry" in survey:
                body["actual_geometry"] = survey["geometry"]
            else:
                body["actual_area_m2"] = str(sum(Decimal(survey["land"][k]) for k in (
                    "farmland_m2", "other_agricultural_m2", "unused_m2", "construction_m2")))
                body["within_approved_boundary"] = True
        elif name == "register":
            on = tl.after(10, 30)
            if on <= today and price > 0:
                _record(runtime, pid, clerk, "payment", on - timedelta(days=5),
                        amount_yuan=str(price), purpose="land_price")
            body = {"effective_date": on}
        elif name == "declare_idle":
            assert agreed_start is not None
            tl.day = add_years(agreed_start, 1)
            body = {"effective_date": tl.after(10, 90), "cause": "user",
                    "determination_no": f"石规资闲认〔{tl.day.year}〕{rng.randint(1, 99)}号"}
        elif name == "recover":
            assert agreed_start is not None
            tl.day = max(tl.day, add_years(agreed_start, 2))
            body = {"effective_date": tl.after(10, 60),
                    "decision_no": f"石府收〔{tl.day.year}〕{rng.randint(1, 99)}号"}
        else:  # pragma: no cover - every step of COLLECTIVE_PATHS is handled above
            raise AssertionError(name)
        if tl.day > today:
            return reached
        body = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in body.items()
                if v is not None}
        actor = approver if name in ("approve", "reject", "lapse", "declare_idle",
                                     "recover") else clerk
        try:
            outcome, _ = services.fire_transition(runtime.uow(), pid, name,
                                                  load_transition(name, body), actor)
        except RuleViolation:
            return reached  # e.g. the year's quota ran out: the parcel waits, as it would
        reached = outcome["parcel"]["state"]
    return reached
