"""The context a step's rules and effects read and write: the locked parcel, the payload, the
actor, the effective date, and what the step has found and booked so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .actors import Actor
from .errors import Violation
from .models import Parcel, ParcelRecord

if TYPE_CHECKING:
    from states import Step

    from .uow import UnitOfWork


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
    # What effects booked, reported by a dry run and stored on the audit event.
    postings: list[dict[str, Any]] = field(default_factory=list)
    deadlines: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)
    # The audit event of this step, appended before the effects run.
    event: Any = None
    _records: list[ParcelRecord] | None = None

    @property
    def session(self) -> Any:
        return self.uow.session

    @property
    def held(self) -> Parcel:
        """The locked parcel, for the rules and effects of a step on an existing parcel (every
        step but the survey that creates it)."""
        if self.parcel is None:
            raise RuntimeError(f"step {self.step.trigger!r} has no parcel in its context")
        return self.parcel

    def violate(self, code: str, **details: Any) -> None:
        self.violations.append(Violation(code, {k: _jsonable(v) for k, v in details.items()}))

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

    def latest_record(self, kind: str) -> ParcelRecord | None:
        found = self.records(kind)
        return found[-1] if found else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value
