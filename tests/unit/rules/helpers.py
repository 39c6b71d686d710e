"""Building a ``StepContext`` in memory: an unsaved parcel, its records and clocks preset, and a
unit of work that fails the test if a guard reaches for the database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from states import STEP_BY_TRIGGER, Step
from workflow.access import Actor
from workflow.context import StepContext
from workflow.deadlines.calendar import add_years
from workflow.models import Deadline, Parcel, ParcelRecord
from workflow.rules import run_guards

D = date.fromisoformat
TODAY = D("2026-06-30")

CLERK = Actor(id=1, name="clerk", role="clerk")
APPROVER = Actor(id=2, name="approver", role="approver")

# The parcel of the integration tests' survey: 10,000 m² of collective land, 6,000 m² of it
# farmland (1,000 m² paddy, grade 5), no control line touched.
PARCEL: dict[str, Any] = {
    "id": 1, "code": "500240-UNIT-0001", "county_code": "500240", "township_id": 1,
    "ownership": "collective", "state": "planned", "version": 1,
    "surveyed_on": D("2022-11-01"), "last_effective_date": D("2022-11-01"),
    "farmland_m2": Decimal("6000.00"), "paddy_m2": Decimal("1000.00"), "farmland_grade": 5,
    "other_agricultural_m2": Decimal("2000.00"), "unused_m2": Decimal("500.00"),
    "construction_m2": Decimal("1500.00"), "total_m2": Decimal("10000.00"),
    "basic_farmland_m2": Decimal("0.00"), "red_line_m2": Decimal("0.00"),
    "in_development_boundary": True,
}


class DatabaseTouched(AssertionError):
    pass


class NoDatabase:
    """The unit of work of an in-memory context: it has no session and no clock."""

    @property
    def session(self) -> Any:
        raise DatabaseTouched("the guard read the database")

    def now(self) -> Any:
        raise DatabaseTouched("the guard asked the unit of work for the time")


def make_parcel(**attrs: Any) -> Parcel:
    """An unsaved parcel: ``PARCEL`` overridden by ``attrs``; every other column is None."""
    return Parcel(**{**PARCEL, **attrs})


def rec(kind: str, on: str, **details: Any) -> ParcelRecord:
    return ParcelRecord(kind=kind, occurred_on=D(on), details=details)


def idle_clock(clock_start: str, closed_on: str | None = None, *, opened_on: str = "2023-05-06",
               paused_since: str | None = None, due_on: str | None = None,
               recovery_on: str | None = None) -> Deadline:
    """An idle clock as the supply opens it: fee at one full year, recovery at two."""
    start = D(clock_start)
    return Deadline(kind="idle_clock", clock_start=start,
                    state="paused" if paused_since else "open",
                    opened_on=D(opened_on), paused_since=D(paused_since) if paused_since else None,
                    due_on=D(due_on) if due_on else add_years(start, 1),
                    recovery_on=D(recovery_on) if recovery_on else add_years(start, 2),
                    closed_on=D(closed_on) if closed_on else None)


def make_ctx(step: str | Step, *, parcel: Parcel | None = None, payload: dict | None = None,
             actor: Actor = CLERK, effective_date: str | None = None,
             today: date = TODAY, records: list[ParcelRecord] | tuple = (),
             clocks: list[Deadline] | None = None) -> StepContext:
    """The context of ``step`` (a trigger of ``states`` or a ``Step``) on ``parcel`` (default: a
    fresh ``make_parcel()``). Its records are preset, so ``ctx.records()`` reads no session;
    ``clocks`` presets the parcel's open clocks the same way."""
    ctx = StepContext(
        uow=NoDatabase(),  # type: ignore[arg-type]
        step=STEP_BY_TRIGGER[step] if isinstance(step, str) else step,
        payload=dict(payload or {}), actor=actor,
        effective_date=D(effective_date) if effective_date else today, today=today,
        parcel=parcel if parcel is not None else make_parcel(), dry_run=False,
    )
    ctx._records = sorted(records, key=lambda r: r.occurred_on)
    if clocks is not None:
        ctx.clocks = list(clocks)
    return ctx


def refusals(name: str, ctx: StepContext) -> list[str]:
    """Run guard ``name`` through the registry on ``ctx``; the codes it raised, in order. The
    guard must sit on the context's step, so that every context is one a transition builds."""
    assert name in ctx.step.guards, f"{name} is not a guard of {ctx.step.trigger}"
    run_guards((name,), ctx)
    return [v.rule for v in ctx.violations]
