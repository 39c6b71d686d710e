"""The context a step's rules and effects read and write: the locked parcel, the payload, the
actor, the effective date and the law in force on it (``law``), what the guards planned for the
effects (``plans``), and what the step has found and booked so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from workflow import law as legal
from workflow.access import Actor
from workflow.canonical import plain
from workflow.errors import Violation
from workflow.ledgers.pairing import Plan as PairingPlan
from workflow.ledgers.plans import QuotaPlan
from workflow.models import County, Deadline, FarmlandCredit, Parcel, ParcelRecord
from workflow.spatial import overlay
from workflow.spatial.engines import engine_for
from workflow.spatial.geometry import parse_boundary
from workflow.spatial.overlay import BuiltLand, ControlLines, SurveyFigures

if TYPE_CHECKING:
    from states import Step
    from workflow.uow import UnitOfWork

ZERO = Decimal("0.00")


@dataclass
class StepPlans:
    """What the guards of a step decided and the effects carry out, so that both see the same
    rows and figures (the guard locked them; the effect posts against them)."""

    quota: QuotaPlan | None = None
    farmland: PairingPlan | None = None
    # The credit rows the farmland plan draws on, by the keys of its takes.
    farmland_rows: dict[Any, FarmlandCredit] = field(default_factory=dict)
    # Why the land is idle: "not_started", or "stalled" since ``suspended_since``.
    idle_basis: str | None = None
    suspended_since: date | None = None
    # What the overlay computed for a surveyed boundary, for the guard that compares it with
    # what was declared and for the parcel row.
    survey: SurveyFigures | None = None


@dataclass
class StepContext:
    uow: UnitOfWork
    step: Step
    payload: dict[str, Any]
    actor: Actor
    effective_date: date
    today: date
    parcel: Parcel | None = None
    dry_run: bool = False
    violations: list[Violation] = field(default_factory=list)
    rule_results: list[dict[str, Any]] = field(default_factory=list)
    plans: StepPlans = field(default_factory=StepPlans)
    # What effects booked, reported by a dry run and stored on the audit event.
    postings: list[dict[str, Any]] = field(default_factory=list)
    deadlines: list[dict[str, Any]] = field(default_factory=list)
    # The parcel's clocks that have not closed, read once per step (``deadlines.clocks``).
    clocks: list[Deadline] | None = None
    # The certificate the step issued or revoked, as the response shows it.
    certificate: dict[str, Any] | None = None
    # The audit event of this step, appended before the effects run.
    event: Any = None
    # The reference-layer versions the guards read, (kind, version), in the order read.
    datasets_read: list[dict[str, str]] = field(default_factory=list)
    _records: list[ParcelRecord] | None = None
    _law: legal.LawSet | None = None
    _lines: ControlLines | None = None
    _built: BuiltLand | None = None

    @property
    def session(self) -> Any:
        return self.uow.session

    @property
    def law(self) -> legal.LawSet:
        """The legal parameters in force on the step's effective date: every rule and effect of
        the step reads its numbers here, so that a backdated step is judged by the law of its
        day. Its ``id`` is recorded on the step's audit event."""
        if self._law is None or not (
                (self._law.since is None or self._law.since <= self.effective_date)
                and (self._law.until is None or self.effective_date <= self._law.until)):
            self._law = legal.in_force_on(self.effective_date)
        return self._law

    @property
    def held(self) -> Parcel:
        """The locked parcel, for the rules and effects of a step on an existing parcel (every
        step but the survey that creates it)."""
        if self.parcel is None:
            raise RuntimeError(f"step {self.step.trigger!r} has no parcel in its context")
        return self.parcel

    def violate(self, code: str, **details: Any) -> None:
        self.violations.append(Violation(code, plain(details)))

    def records(self, kind: str | None = None) -> list[ParcelRecord]:
        """The parcel's records, oldest first; read once per step."""
        if self._records is None:
            if self.parcel is None:
                self._records = []
            else:
                self._records = list(
                    self.session.execute(
                        select(ParcelRecord)
                        .where(ParcelRecord.parcel_id == self.parcel.id)
                        .order_by(ParcelRecord.occurred_on, ParcelRecord.id)
                    ).scalars()
                )
        if kind is None:
            return list(self._records)
        return [r for r in self._records if r.kind == kind]

    def control_lines(self, *reading: str) -> ControlLines:
        """The parcel's control-line figures on the step's effective date: where it has a
        boundary and a layer of the kind is in force, what the overlay computes (so that a
        backdated step is judged against the map of its day); the declared figures otherwise.
        The versions of the layer kinds ``reading`` are recorded as read by the calling guard."""
        if self._lines is None:
            p = self.held
            computed = None
            if p.spatial is not None:  # set with the boundary at survey
                engine = engine_for(self.session)
                geom = engine.from_db(p.boundary)
                if geom is not None:
                    epsg = self.session.get(County, p.county_code).projected_epsg  # type: ignore[union-attr]
                    computed = overlay.control_lines(self.session, engine, geom, epsg,
                                                     self.effective_date)
            self._lines = overlay.with_declared(computed, p)
        self.datasets_read.extend(d.ref() for d in self._lines.datasets if d.kind in reading)
        return self._lines

    def built_land(self) -> BuiltLand | None:
        """The completion survey's ``actual_geometry`` measured against the parcel's approved
        boundary (``None`` without one in the payload)."""
        raw = self.payload.get("actual_geometry")
        if raw is None:
            return None
        if self._built is None:
            p = self.held
            engine = engine_for(self.session)
            epsg = self.session.get(County, p.county_code).projected_epsg  # type: ignore[union-attr]
            approved = engine.from_db(p.boundary) if p.spatial is not None else None
            self._built = overlay.built_land(parse_boundary(raw), approved, epsg)
        return self._built

    def latest_record(self, kind: str) -> ParcelRecord | None:
        found = self.records(kind)
        return found[-1] if found else None


def paid(ctx: StepContext, kind: str, purpose: str | None = None) -> Decimal:
    """The sum of the parcel's payment records of ``purpose`` up to the effective date."""
    total = ZERO
    for r in ctx.records(kind):
        if r.occurred_on > ctx.effective_date:
            continue
        if purpose is not None and (r.details or {}).get("purpose", "land_price") != purpose:
            continue
        total += Decimal(str((r.details or {}).get("amount_yuan", "0")))
    return total
