"""A realistic county portfolio at scale, written straight into PostgreSQL with COPY.

The rows are what the service would have written for each parcel's history (milestone dates,
legal clocks with their states), so that the auditor queries and the sweep see the same shapes
they see in production. It does not write audit events: the auditor's read side never reads them.
"""

from __future__ import annotations

import io
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg

MIX = [  # state, weight (a county a decade into the system)
    ("surveyed", 4), ("planned", 4), ("approved", 6), ("expropriated", 4), ("supplied", 5),
    ("in_use", 5), ("under_construction", 12), ("inspected", 6), ("registered", 44),
    ("idle", 3), ("recovered", 1), ("rejected", 2), ("withdrawn", 2), ("lapsed", 2),
]
AFTER_APPROVAL = {"approved", "expropriated", "supplied", "in_use", "under_construction",
                  "inspected", "registered", "idle", "recovered", "lapsed"}
SUPPLIED = {"supplied", "in_use", "under_construction", "inspected", "registered", "idle",
            "recovered"}
STARTED = {"under_construction", "inspected", "registered"}
USES = ["industrial", "commercial", "commodity_housing", "tourism", "public_service",
        "infrastructure", "education"]

PARCEL_COLS = [
    "code", "county_code", "township_id", "ownership", "state", "version", "surveyed_on",
    "last_effective_date", "farmland_m2", "paddy_m2", "farmland_grade", "other_agricultural_m2",
    "unused_m2", "construction_m2", "total_m2", "basic_farmland_m2", "red_line_m2",
    "in_development_boundary",
    "planned_use", "planning_conditions", "planned_on", "approval_no", "approval_authority",
    "approved_on", "expropriation_announced_on", "expropriated_on", "supply_method",
    "price_yuan", "term_years", "contract_signed_on", "agreed_start_date",
    "agreed_completion_date", "land_user", "supplied_area_m2", "supplied_on",
    "first_supplied_on", "first_supplied_m2", "handed_over_on", "construction_started_on",
    "inspected_on",
    "registered_on", "idle_cause", "idle_declared_on", "idle_determination_no", "idle_fee_yuan",
    "recovered_on", "closed_on", "created_at", "updated_at",
]
DEADLINE_COLS = [
    "parcel_id", "township_id", "kind", "due_on", "basis", "explanation", "state", "opened_on",
    "closed_on",
    "breached_on", "amount_yuan", "clock_start", "recovery_on", "cause", "determined_on",
    "determination_no", "created_at", "updated_at",
]
CONDITIONS = json.dumps({"plot_ratio_max": "2.00", "building_density_max": "40.00",
                         "green_ratio_min": "20.00", "height_max_m": "36.00"})


def _d(x: date | None) -> str:
    return "\\N" if x is None else x.isoformat()


def _v(x: object) -> str:
    if x is None:
        return "\\N"
    if isinstance(x, bool):
        return "t" if x else "f"
    return str(x)


def _add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:
        return d.replace(year=d.year + n, day=28)


def generate(dsn: str, n: int, *, today: date, seed: int = 7, batch: int = 50_000,
             lapse_backlog: float = 0.001, sweep_backlog: float = 0.01) -> dict[str, int]:
    """Write ``n`` parcels and their clocks. ``lapse_backlog`` of the approved parcels are past
    their two years (for the sweep to lapse), ``sweep_backlog`` of the running clocks are past
    due and still open (for the sweep to breach)."""
    rng = random.Random(seed)
    states = [s for s, _ in MIX]
    weights = [w for _, w in MIX]
    now = datetime.now(UTC).isoformat()
    counts = {"parcels": 0, "deadlines": 0}
    t0 = time.perf_counter()
    with psycopg.connect(dsn, autocommit=False) as conn:
        townships = [r[0] for r in conn.execute("SELECT id FROM townships ORDER BY id")]
        tweights = [6 if i < 3 else 1 for i in range(len(townships))]
        start_id = conn.execute("SELECT coalesce(max(id), 0) FROM parcels").fetchone()[0]
        pid = start_id
        for offset in range(0, n, batch):
            pbuf, dbuf = io.StringIO(), io.StringIO()
            for _ in range(min(batch, n - offset)):
                pid += 1
                state = rng.choices(states, weights)[0]
                prow, clocks = _parcel(rng, pid, state, today, rng.choices(townships, tweights)[0],
                                       now, lapse_backlog, sweep_backlog)
                pbuf.write("\t".join(prow) + "\n")
                for c in clocks:
                    dbuf.write("\t".join(c) + "\n")
                    counts["deadlines"] += 1
            with conn.cursor() as cur:
                with cur.copy(f"COPY parcels ({', '.join(PARCEL_COLS)}) FROM STDIN") as cp:
                    cp.write(pbuf.getvalue())
                with cur.copy(f"COPY deadlines ({', '.join(DEADLINE_COLS)}) FROM STDIN") as cp:
                    cp.write(dbuf.getvalue())
            conn.commit()
            counts["parcels"] += min(batch, n - offset)
            rate = counts["parcels"] / (time.perf_counter() - t0)
            print(f"\rgenerated {counts['parcels']}/{n} parcels ({rate:,.0f}/s)", end="",
                  file=sys.stderr, flush=True)
        print(file=sys.stderr)
    vacuum(dsn)
    return counts


def vacuum(dsn: str) -> None:
    """What autovacuum does after a bulk load: statistics, and the visibility map that lets
    index-only scans skip the table."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) parcels")
        conn.execute("VACUUM (ANALYZE) deadlines")
        conn.execute("VACUUM (ANALYZE) stock_flows")


def _parcel(rng: random.Random, pid: int, state: str, today: date, township: int, now: str,
            lapse_backlog: float, sweep_backlog: float) -> tuple[list[str], list[list[str]]]:
    farmland = Decimal(rng.randrange(0, 30000, 100))
    paddy = (farmland * rng.choice([0, 0, 10, 30]) / 100).quantize(Decimal("1"))
    other = Decimal(rng.randrange(0, 15000, 100))
    unused = Decimal(rng.randrange(0, 4000, 100))
    constr = Decimal(rng.randrange(100, 6000, 100))
    total = farmland + other + unused + constr
    collective = rng.random() < 0.8
    # Approvals spread over a decade; most recent land is still moving through the chain.
    # Land still waiting to be supplied, handed over or started is recent; land long since
    # supplied has mostly been built on (or declared idle).
    span = {"surveyed": 120, "planned": 200, "approved": 700, "expropriated": 650,
            "supplied": 500, "in_use": 700, "lapsed": 3000, "rejected": 2500,
            "withdrawn": 2500}.get(state, 3600)
    approved = today - timedelta(days=rng.randint(20, span))
    if state == "approved" and rng.random() < lapse_backlog:
        approved = today - timedelta(days=rng.randint(731, 800))
    surveyed = approved - timedelta(days=rng.randint(60, 200))
    planned = surveyed + timedelta(days=rng.randint(10, 40))
    use = rng.choice(USES)
    row: dict[str, object] = {c: None for c in PARCEL_COLS}
    row.update(code=f"B-{pid:08d}", county_code="500240", township_id=township,
               ownership="collective" if collective else "state", state=state, version=1,
               surveyed_on=surveyed, last_effective_date=surveyed, farmland_m2=farmland,
               paddy_m2=paddy, farmland_grade=rng.randint(3, 12) if farmland else None,
               other_agricultural_m2=other, unused_m2=unused, construction_m2=constr,
               total_m2=total,
               basic_farmland_m2=0, red_line_m2=0, in_development_boundary=True,
               created_at=now, updated_at=now)
    clocks: list[dict[str, object]] = []
    last = surveyed
    if state == "withdrawn":
        row.update(closed_on=surveyed + timedelta(days=20))
        last = row["closed_on"]
    if state not in ("surveyed", "withdrawn"):
        row.update(planned_use=use, planning_conditions=CONDITIONS, planned_on=planned)
        last = planned
    if state == "rejected":
        row.update(closed_on=planned + timedelta(days=30))
        last = row["closed_on"]
    if state in AFTER_APPROVAL:
        row.update(approval_no=f"渝府地〔{approved.year}〕{pid % 900}号",
                   approval_authority="chongqing", approved_on=approved)
        last = approved
        lapse_due = _add_years(approved, 2)
        clocks.append(dict(kind="approval_lapse", due_on=lapse_due, opened_on=approved,
                           state="open", basis="国发〔2004〕28号 第十九条",
                           explanation=f"{lapse_due} = approval {approved} + 2 full years"))
    expro = approved + timedelta(days=rng.randint(10, 25))
    if collective and state in AFTER_APPROVAL - {"approved", "lapsed"}:
        row.update(expropriation_announced_on=approved + timedelta(days=5), expropriated_on=expro)
        last = expro
        clocks[-1].update(state="met", closed_on=expro)
    elif state == "expropriated":  # state-owned land does not pass through expropriation
        row.update(ownership="collective", expropriation_announced_on=approved +
                   timedelta(days=5), expropriated_on=expro)
        clocks[-1].update(state="met", closed_on=expro)
    if state == "lapsed":
        lapsed = _add_years(approved, 2)
        row.update(closed_on=lapsed)
        last = lapsed
        clocks[-1].update(state="breached", closed_on=lapsed,
                          breached_on=lapsed + timedelta(days=1))
    if state in SUPPLIED:
        signed = max(last, approved) + timedelta(days=rng.randint(20, 200))
        start = signed + timedelta(days=rng.randint(60, 150))
        done = _add_years(start, 2)
        price = Decimal(rng.randrange(500, 8000)) * 1000
        # One supply in twenty covers part of the approval only (RULES.md §3.1).
        supplied = total if rng.random() >= 0.05 else (total * Decimal("0.8")).quantize(
            Decimal("1"))
        row.update(supply_method="listing", price_yuan=price, term_years=50,
                   contract_signed_on=signed, agreed_start_date=start,
                   agreed_completion_date=done, land_user=f"石柱县第{pid % 997}号企业",
                   supplied_area_m2=supplied, supplied_on=signed, first_supplied_on=signed,
                   first_supplied_m2=supplied,
                   handed_over_on=signed + timedelta(days=15))
        last = signed + timedelta(days=15)
        if clocks[0]["state"] == "open":  # the approval was used: its validity clock is met
            clocks[0].update(state="met", closed_on=signed)
        started = None
        if state in STARTED:
            started = start + timedelta(days=rng.randint(-20, 200))
            row.update(construction_started_on=started, permit_no=f"P{pid}")
            last = max(last, started)
        fee_on, recovery_on = _add_years(start, 1), _add_years(start, 2)
        idle_clock = dict(kind="idle_clock", due_on=fee_on, opened_on=signed, state="open",
                          clock_start=start, recovery_on=recovery_on, amount_yuan=price,
                          basis="闲置土地处置办法 第二条、第十四条",
                          explanation=f"{fee_on} = agreed start {start} + 1 full year")
        start_clock = dict(kind="agreed_start", due_on=start, opened_on=signed, state="open",
                           basis="出让合同", explanation=f"{start} = agreed start date")
        for clock in (start_clock, idle_clock):
            if started is not None:
                late = started > clock["due_on"]
                clock.update(state="breached" if late else "met", closed_on=started,
                             breached_on=clock["due_on"] + timedelta(days=1) if late else None)
            elif clock["due_on"] < today and rng.random() > sweep_backlog:
                clock.update(state="breached", breached_on=clock["due_on"] + timedelta(days=1))
        if state == "idle":
            declared = max(fee_on, last) + timedelta(days=rng.randint(5, 90))
            cause = rng.choices(["user", "government", "force_majeure"], [8, 3, 1])[0]
            row.update(idle_cause=cause, idle_declared_on=declared,
                       idle_determination_no=f"石规资闲认〔{declared.year}〕{pid % 99}号",
                       idle_fee_yuan=(price / 5) if cause == "user" else Decimal(0))
            idle_clock.update(cause=cause, determined_on=declared,
                              determination_no=row["idle_determination_no"])
            last = declared
        if state == "recovered":
            recovered = recovery_on + timedelta(days=rng.randint(1, 60))
            row.update(idle_cause="user", idle_declared_on=fee_on + timedelta(days=10),
                       recovered_on=recovered)
            for clock in (start_clock, idle_clock):
                clock.update(closed_on=recovered,
                             state="breached" if clock["state"] != "met" else "met")
            last = recovered
        if state in ("inspected", "registered"):
            row.update(inspected_on=last + timedelta(days=rng.randint(200, 500)))
            last = row["inspected_on"]
        if state == "registered":
            row.update(registered_on=last + timedelta(days=rng.randint(5, 20)))
            last = row["registered_on"]
        clocks += [start_clock, idle_clock]
    row.update(last_effective_date=min(last, today))  # type: ignore[type-var]
    out = [_v(row[c]) if not isinstance(row[c], date) else _d(row[c])  # type: ignore[arg-type]
           for c in PARCEL_COLS]
    crow = []
    for c in clocks:
        full = {k: None for k in DEADLINE_COLS}
        full.update(c, parcel_id=pid, township_id=township, created_at=now, updated_at=now)
        crow.append([_d(full[k]) if isinstance(full[k], date) else _v(full[k])  # type: ignore
                     for k in DEADLINE_COLS])
    return out, crow
