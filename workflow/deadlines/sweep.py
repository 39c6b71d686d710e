"""The daily sweep: set-based and idempotent.

1. Every open clock past its due date becomes ``breached`` (breach date = the day after the due
   date, whatever day the sweep runs), with one outbox event each — one UPDATE, one INSERT.
2. Every newly breached idle clock flags suspected idle land: an investigation clock (30 days,
   闲置土地处置办法 第五条) and an ``idle.suspected`` event for the approvers.
3. Every approval still unused on its second anniversary lapses: a system ``lapse`` transition
   dated the anniversary, which releases its quota and farmland pairings.
Running it twice, or a week late, gives the same result.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, insert, literal, select, update

from workflow import law, services
from workflow.access import SYSTEM
from workflow.errors import LandflowError
from workflow.models import Deadline, Parcel, SweepRun, outbox
from workflow.models.base import UTCDateTime
from workflow.models.sql import add_days, date_text, json_obj
from workflow.observability.metrics import SWEEP_FINDINGS, SWEEP_RUNS, SWEEP_SECONDS
from workflow.reports.flows import compact
from workflow.runtime import Runtime
from workflow.uow import UnitOfWork, command


@dataclass
class SweepReport:
    as_of: date
    breached: int = 0
    idle_flagged: int = 0
    lapsed: int = 0
    lapse_refused: list[tuple[int, str]] = field(default_factory=list)
    events: int = 0

    def lines(self) -> list[str]:
        return [f"sweep as of {self.as_of.isoformat()}:",
                f"  deadlines breached      {self.breached}",
                f"  suspected idle flagged  {self.idle_flagged}",
                f"  approvals lapsed        {self.lapsed}",
                f"  outbox events           {self.events}"] + [
            f"  lapse refused for parcel {pid}: {why}" for pid, why in self.lapse_refused]


def _emit_set(session: Any, select_rows: Any, count: int, now: Any) -> int:
    """Append ``count`` outbox events from a SELECT of (ord, type, parcel_id, data), numbered in
    one block (``workflow.models.outbox``)."""
    return outbox.append_select(session, select_rows, count, now)


def _breach(s: Any, run_id: int, as_of: date, now: Any, after_id: int) -> tuple[int, int]:
    """Breach every open clock past due (with id above ``after_id``) and emit one event each."""
    result = s.execute(
        update(Deadline)
        .where(Deadline.state == "open", Deadline.closed_on.is_(None),
               Deadline.due_on < as_of, Deadline.id > after_id)
        .values(state="breached", breached_on=add_days(Deadline.due_on, 1),
                sweep_run_id=run_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    count = result.rowcount or 0
    breached = select(
        Deadline.id.label("ord"), literal("deadline.breached").label("type"),
        Deadline.parcel_id,
        json_obj("deadline_id", Deadline.id, "kind", Deadline.kind,
                 "due_on", date_text(Deadline.due_on),
                 "breached_on", date_text(Deadline.breached_on)).label("data"),
    ).where(Deadline.sweep_run_id == run_id, Deadline.id > after_id)
    return count, _emit_set(s, breached, count, now)


def run_sweep(runtime: Runtime, as_of: date | None = None,
              progress: Callable[[str, int, int], None] | None = None) -> SweepReport:
    started = time.perf_counter()
    today = runtime.clock.today()
    as_of = as_of or today
    if as_of > today:
        raise ValueError(f"cannot sweep as of {as_of}: it is after today ({today})")
    report = SweepReport(as_of)

    def breaches_and_idle_land(uow: UnitOfWork) -> int:
        s = uow.session
        now = uow.now()
        run = SweepRun(as_of=as_of, started_at=now)
        s.add(run)
        s.flush()
        # 1. breaches
        report.breached, report.events = _breach(s, run.id, as_of, now, after_id=0)
        if progress:
            progress("breaches", report.breached, report.breached)
        # 2. suspected idle land; its investigation clocks may be overdue already (a late
        # sweep), so they are swept in the same run
        flagged = s.execute(select(func.count()).select_from(Deadline).where(
            Deadline.sweep_run_id == run.id, Deadline.kind == "idle_clock")).scalar_one()
        if flagged:
            last_id = s.execute(select(func.max(Deadline.id))).scalar_one()
            days = law.value("idle.investigation_start_days", as_of)
            s.execute(insert(Deadline).from_select(
                ["parcel_id", "township_id", "kind", "due_on", "basis", "explanation", "state",
                 "opened_on", "created_at", "updated_at"],
                select(
                    Deadline.parcel_id, Deadline.township_id, literal("idle_investigation"),
                    add_days(Deadline.breached_on, days),
                    literal("闲置土地处置办法 第五条"),
                    date_text(add_days(Deadline.breached_on, days)) + literal(
                        " = suspected idle land found ") + date_text(Deadline.breached_on)
                    + literal(f" + {days} days"),
                    literal("open"), Deadline.breached_on, literal(now, UTCDateTime()),
                    literal(now, UTCDateTime()),
                ).where(Deadline.sweep_run_id == run.id, Deadline.kind == "idle_clock"),
            ))
            suspected = select(
                Deadline.id.label("ord"), literal("idle.suspected").label("type"),
                Deadline.parcel_id,
                json_obj("deadline_id", Deadline.id, "agreed_start",
                         date_text(Deadline.clock_start), "idle_from",
                         date_text(Deadline.due_on)).label("data"),
            ).where(Deadline.sweep_run_id == run.id, Deadline.kind == "idle_clock")
            report.events += _emit_set(s, suspected, flagged, now)
            more, events = _breach(s, run.id, as_of, now, after_id=last_id)
            report.breached += more
            report.events += events
        report.idle_flagged = flagged
        run.breached, run.idle_flagged = report.breached, report.idle_flagged
        return run.id

    run_id = command(runtime.uow(), SYSTEM, breaches_and_idle_land).result
    # 3. lapses: each is a transition of its own (audit chain, ledger release)
    with runtime.reader() as uow:
        due = list(uow.session.execute(
            select(Parcel.id, Deadline.due_on, Parcel.last_effective_date)
            .join(Deadline, Deadline.parcel_id == Parcel.id)
            .where(Parcel.state == "approved", Deadline.kind == "approval_lapse",
                   Deadline.closed_on.is_(None), Deadline.due_on <= as_of)
            .order_by(Parcel.id)
        ))
    for i, (pid, lapse_on, last) in enumerate(due, start=1):
        try:
            services.fire_transition(runtime.uow(), pid, "lapse", {
                "effective_date": max(lapse_on, last),
                "reason": f"批准后两年未实施，{lapse_on.isoformat()} 自动失效（日常巡查）"},
                SYSTEM)
            report.lapsed += 1
            report.events += 1
        except LandflowError as err:
            report.lapse_refused.append((pid, err.code))
        if progress:
            progress("lapses", i, len(due))
    def finish(uow: UnitOfWork) -> None:
        row = uow.session.get(SweepRun, run_id)
        assert row is not None
        # The day's appended stock deltas, merged (workflow.reports.flows).
        while compact(uow.session):
            pass
        row.lapsed, row.events, row.finished_at = report.lapsed, report.events, uow.now()

    command(runtime.uow(), SYSTEM, finish)
    SWEEP_RUNS.inc()
    SWEEP_SECONDS.observe(time.perf_counter() - started)
    for kind, n in (("breached", report.breached), ("idle_flagged", report.idle_flagged),
                    ("lapsed", report.lapsed), ("lapse_refused", len(report.lapse_refused))):
        SWEEP_FINDINGS.labels(kind).inc(n)
    return report
