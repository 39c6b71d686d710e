"""The service layer: the one door every change to a parcel goes through, one command each.

``fire_transition`` follows DESIGN "Firing a transition": lock the parcel row, re-read its state,
check ``expected_version``, the edge and the role, run every guard of the edge collecting all
violations, apply the effects, append the hash-chained audit event and the outbox event; the
bracket (``uow.command``) then commits, or rolls back for a dry run. ``add_record`` is the same
path for a dated record, including the records other wings file through it (a clock paused, a
certificate revoked). A violation or an error leaves the database exactly as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from states import CREATE_TRIGGER, MACHINE, STEP_BY_TRIGGER, ParcelState, Step, edge_exists
from states.records import record_kind, record_step
from workflow.access import Actor, visible_parcel
from workflow.canonical import plain
from workflow.context import StepContext
from workflow.effects import run_effects
from workflow.errors import (
    Conflict,
    Forbidden,
    LandflowError,
    NotFound,
    OutOfScope,
    RecordNotAllowed,
    RuleViolation,
    TransitionNotAllowed,
    ValidationFailed,
    VersionConflict,
)
from workflow.models import Parcel, ParcelRecord
from workflow.models.repository import find_township
from workflow.observability import logs
from workflow.observability.metrics import TRANSITIONS_FIRED, count_refusal
from workflow.queries import event_view, full_view, record_view
from workflow.rules import GUARDS, run_guards
from workflow.spatial.engines import engine_for
from workflow.spatial.geometry import bounds
from workflow.spatial.services import survey_figures, surveyed_land
from workflow.uow import Done, UnitOfWork, command

log = logs.get_logger("landflow.services")


def _step(name: str) -> Step:
    step = STEP_BY_TRIGGER.get(name)
    if step is None:
        raise NotFound({"what": f"操作 {name} / transition {name}"})
    return step


def _outcome(uow: UnitOfWork, ctx: StepContext, parcel: Parcel, event: Any) -> dict[str, Any]:
    return {
        "parcel": full_view(uow.session, parcel, ctx),
        "event": event_view(event) if event is not None else None,
        "rule_results": ctx.rule_results,
        "postings": plain(ctx.postings),
        "deadlines": plain(ctx.deadlines),
        "dry_run": ctx.dry_run,
        "certificate": ctx.certificate,
    }


def create_parcel(uow: UnitOfWork, survey: dict[str, Any], actor: Actor, *,
                  idempotency_key: str | None = None, dry_run: bool = False
                  ) -> tuple[dict[str, Any], bool]:
    """The ``survey`` step: record a parcel from the land survey. Returns (outcome, replayed)."""
    operation = "survey"

    def work(uow: UnitOfWork) -> dict[str, Any]:
        if not dry_run:
            return survey_in(uow, survey, actor)[0]
        try:
            outcome = survey_in(uow, survey, actor, dry_run=True)[0]
        except RuleViolation as refused:
            # A dry run that would be refused answers which rules refuse it and records nothing.
            return {"parcel": None, "event": None,
                    "rule_results": refused.extra.get("rule_results") or [], "postings": [],
                    "deadlines": [], "dry_run": True, "certificate": None, "allowed": False,
                    "violations": [v.as_dict() for v in refused.violations]}
        return outcome | {"allowed": True, "violations": []}

    def on_conflict(uow: UnitOfWork) -> Done[dict[str, Any]]:
        # Not a twin of this request (``command`` replays those): the code is someone else's.
        raise Conflict({"field": "code"}, field="code")

    return _counted(CREATE_TRIGGER, lambda: command(
        uow, actor, work, operation=operation, body=survey, idempotency_key=idempotency_key,
        dry_run=dry_run, on_conflict=on_conflict))


def survey_in(uow: UnitOfWork, survey: dict[str, Any], actor: Actor, *, dry_run: bool = False
              ) -> tuple[dict[str, Any], Parcel]:
    """The survey inside a command's unit of work (the portal's intake shares its
    transaction)."""
    step = _step(CREATE_TRIGGER)
    if actor.role not in step.roles:
        raise Forbidden({"transition": step.trigger, "role": actor.role})
    session = uow.session
    township = find_township(session, survey["township"])
    if township is None:
        raise ValidationFailed({"township": [
            f"未知的乡镇（街道）：{survey['township']} / unknown township"]})
    if actor.township_id is not None and township.id != actor.township_id:
        raise OutOfScope({"township": township.code})
    if session.execute(select(Parcel.id).where(Parcel.code == survey["code"])).first():
        raise Conflict({"field": "code"}, field="code")
    today = uow.today()
    effective = survey.get("effective_date") or today
    ctx = StepContext(uow=uow, step=step, payload=survey, actor=actor,
                      effective_date=effective, today=today, dry_run=dry_run)
    boundary = None
    if survey.get("geometry") is not None:
        boundary, ctx.plans.survey = survey_figures(session, survey["geometry"],
                                                    township.county_code, effective)
    run_guards(step.guards, ctx)
    if ctx.violations:
        raise RuleViolation(ctx.violations, rule_results=ctx.rule_results)
    surveyed = surveyed_land(survey, ctx.plans.survey)
    land = surveyed.land
    now = uow.now()
    parcel = Parcel(
        code=survey["code"],
        county_code=township.county_code,
        township_id=township.id,
        ownership=survey["ownership"],
        state=ParcelState.surveyed.value,
        version=1,
        surveyed_on=effective,
        last_effective_date=effective,
        farmland_m2=land["farmland_m2"],
        paddy_m2=land["paddy_m2"],
        farmland_grade=land.get("farmland_grade"),
        other_agricultural_m2=land["other_agricultural_m2"],
        unused_m2=land["unused_m2"],
        construction_m2=land["construction_m2"],
        total_m2=(land["farmland_m2"] + land["other_agricultural_m2"] + land["unused_m2"]
                  + land["construction_m2"]),
        basic_farmland_m2=surveyed.basic_farmland_m2,
        red_line_m2=surveyed.red_line_m2,
        in_development_boundary=surveyed.in_development_boundary,
        geometry=survey.get("geometry"),
        land_basis=surveyed.basis,
        created_at=now,
        updated_at=now,
    )
    if boundary is not None and ctx.plans.survey is not None:
        parcel.boundary = engine_for(session).to_db(boundary)
        parcel.min_lon, parcel.min_lat, parcel.max_lon, parcel.max_lat = bounds(boundary)
        parcel.spatial = plain(ctx.plans.survey.spatial())
    parcel.township = township
    session.add(parcel)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict({"field": "code"}, field="code") from exc
    ctx.parcel = parcel
    # The event records what the survey computed as well as what was sent, so that the land
    # split can be traced to the layer versions it came from.
    payload = survey if parcel.spatial is None else {
        **survey, "computed": {"land": land, "land_basis": surveyed.basis,
                               "spatial": parcel.spatial}}
    event = uow.audit(stream=f"parcel:{parcel.id}", kind="create", name=step.trigger,
                      parcel=parcel, from_state=None, to_state=parcel.state,
                      effective_date=effective, payload=payload, rule_results=ctx.rule_results,
                      law_set=ctx.law.id)
    uow.emit(f"transition.{step.trigger}", parcel.id, _event_data(parcel, step, None, event),
             audit_event_id=event.id)
    return _outcome(uow, ctx, parcel, event), parcel


def _event_data(parcel: Parcel, step: Step, from_state: str | None, event: Any
                ) -> dict[str, Any]:
    return {
        "code": parcel.code,
        "township": parcel.township.code,
        "transition": step.trigger,
        "from_state": from_state,
        "to_state": parcel.state,
        "stage": step.stage,
        "version": parcel.version,
        "effective_date": event.effective_date.isoformat(),
        "audit_seq": event.id,
    }


def _counted(label: str, call: Callable[[], tuple[dict[str, Any], bool]],
             parcel_id: int | None = None) -> tuple[dict[str, Any], bool]:
    """Run one step and count it (``workflow.observability.metrics``): fired when it
    committed (not a dry
    run, not a replay), refused under each rule or error code that refused it."""
    started = time.perf_counter()
    try:
        outcome, replayed = call()
    except LandflowError as err:
        codes = sorted({v.rule for v in err.violations} if isinstance(err, RuleViolation)
                       else set()) or [err.code]
        count_refusal(label, codes)
        log.info("transition", transition=label, parcel=parcel_id, outcome="refused",
                 codes=codes, duration_ms=round((time.perf_counter() - started) * 1000, 2))
        raise
    dry_run = bool(outcome.get("dry_run"))
    if not replayed and not dry_run:
        TRANSITIONS_FIRED.labels(label).inc()
    parcel = outcome.get("parcel") or {}
    log.info("transition", transition=label,
             parcel=parcel_id if parcel_id is not None else parcel.get("id"),
             outcome="replayed" if replayed else "dry_run" if dry_run else "fired",
             duration_ms=round((time.perf_counter() - started) * 1000, 2))
    return outcome, replayed


def fire_transition(uow: UnitOfWork, parcel_id: int, name: str, payload: dict[str, Any],
                    actor: Actor, *, expected_version: int | None = None,
                    idempotency_key: str | None = None, dry_run: bool = False
                    ) -> tuple[dict[str, Any], bool]:
    """Fire transition ``name`` on the parcel. ``payload`` is already loaded by the step's schema
    (``workflow.payloads.transitions``). Returns (outcome, replayed)."""
    label = name if name in STEP_BY_TRIGGER else "unknown"
    return _counted(label, lambda: _fire_transition(
        uow, parcel_id, name, payload, actor, expected_version=expected_version,
        idempotency_key=idempotency_key, dry_run=dry_run), parcel_id)


def _fire_transition(uow: UnitOfWork, parcel_id: int, name: str, payload: dict[str, Any],
                     actor: Actor, *, expected_version: int | None = None,
                     idempotency_key: str | None = None, dry_run: bool = False
                     ) -> tuple[dict[str, Any], bool]:
    step = _step(name)
    if not step.sources:
        raise TransitionNotAllowed({"transition": name, "state": "—"})
    # Roles are granted per step, whatever the state: a role that may never fire this step is
    # refused before the parcel is read, so that a refusal does not disclose the parcel's state.
    if actor.role not in step.roles:
        raise Forbidden({"transition": name, "role": actor.role})
    if expected_version is None:
        expected_version = payload.get("expected_version")

    locked: list[Parcel] = []

    def lock(uow: UnitOfWork) -> None:
        # Before the replay: a concurrent retry with the same key waits for the first to
        # commit and then replays it instead of being refused by the moved state. The row is
        # kept here: the session's identity map holds it only weakly, and reading it again
        # would be a second SELECT.
        locked.append(visible_parcel(uow.session, actor, parcel_id, lock=True))

    def work(uow: UnitOfWork) -> dict[str, Any]:
        session = uow.session
        parcel = locked[-1]  # locked, loaded and scope-checked by ``lock``
        if expected_version is not None and parcel.version != expected_version:
            raise VersionConflict({"current": parcel.version, "expected": expected_version})
        if not edge_exists(name, parcel.state):
            raise TransitionNotAllowed({"transition": name, "state": parcel.state})
        today = uow.today()
        ctx = StepContext(uow=uow, step=step, payload=payload, actor=actor,
                          effective_date=payload.get("effective_date") or today, today=today,
                          parcel=parcel, dry_run=dry_run)
        run_guards(step.guards, ctx)
        if ctx.violations and not dry_run:
            raise RuleViolation(ctx.violations, rule_results=ctx.rule_results)
        if ctx.violations:
            # A dry run that would be refused reports every violation and books nothing.
            outcome = _outcome(uow, ctx, parcel, None)
            outcome["violations"] = [v.as_dict() for v in ctx.violations]
            outcome["allowed"] = False
            return outcome
        from_state = parcel.state
        # The event is appended before the effects so that ledger entries and deadlines can
        # reference the event that caused them; it is all one transaction either way.
        event = uow.audit(stream=f"parcel:{parcel.id}", kind="transition", name=name,
                          parcel=parcel, from_state=from_state, to_state=step.dest.value,
                          effective_date=ctx.effective_date, payload=payload,
                          rule_results=ctx.rule_results, law_set=ctx.law.id)
        ctx.event = event
        run_effects(step.effects, ctx)
        if not MACHINE.events[name].trigger(parcel, ctx=ctx):
            raise RuleViolation(ctx.violations, rule_results=ctx.rule_results)
        parcel.state = str(parcel.state)
        parcel.version += 1
        parcel.last_effective_date = ctx.effective_date
        parcel.updated_at = uow.now()
        session.flush()  # the step's one write of its rows; the view below reads ids from it
        uow.emit(f"transition.{name}", parcel.id, _event_data(parcel, step, from_state, event),
                 audit_event_id=event.id)
        outcome = _outcome(uow, ctx, parcel, event)
        outcome["violations"] = []
        if dry_run:
            outcome["allowed"] = True
        return outcome

    return command(uow, actor, work, operation=f"transition:{parcel_id}:{name}", body=payload,
                   idempotency_key=idempotency_key, dry_run=dry_run, lock=lock)


def add_record(uow: UnitOfWork, parcel_id: int, record: dict[str, Any], actor: Actor, *,
               idempotency_key: str | None = None, dry_run: bool = False
               ) -> tuple[dict[str, Any], bool]:
    """Record a dated procedural step (DESIGN "records"); it is an audit event too. The
    record's kind decides who may file it and which guards and effects it runs
    (``states.records``). A dry run answers what filing it would do, ``allowed`` saying
    whether it would be filed, and files nothing."""
    return _counted(f"record.{record['kind']}", lambda: _add_record(
        uow, parcel_id, record, actor, idempotency_key=idempotency_key, dry_run=dry_run),
        parcel_id)


def _add_record(uow: UnitOfWork, parcel_id: int, record: dict[str, Any], actor: Actor, *,
                idempotency_key: str | None = None, dry_run: bool = False
                ) -> tuple[dict[str, Any], bool]:
    if actor.role not in record_kind(record["kind"]).roles:
        raise Forbidden({"transition": "record", "role": actor.role})

    locked: list[Parcel] = []

    def lock(uow: UnitOfWork) -> None:
        locked.append(visible_parcel(uow.session, actor, parcel_id, lock=True))

    def work(uow: UnitOfWork) -> dict[str, Any]:
        session = uow.session
        parcel = locked[-1]  # locked, loaded and scope-checked by ``lock``
        states = record_kind(record["kind"]).states
        if states is not None and parcel.state not in states:
            allowed = [str(s) for s in states]
            raise RecordNotAllowed({"kind": record["kind"], "state": parcel.state,
                                    "states": ", ".join(allowed)},
                                   kind=record["kind"], state=parcel.state,
                                   allowed_states=allowed)
        step = record_step(record["kind"], parcel.state)
        ctx = StepContext(uow=uow, step=step, payload=record, actor=actor,
                          effective_date=record["date"], today=uow.today(), parcel=parcel,
                          dry_run=dry_run)
        run_guards(step.guards, ctx)
        if ctx.violations and not dry_run:
            raise RuleViolation(ctx.violations, rule_results=ctx.rule_results)
        if ctx.violations:
            return {"record": None, "event": None, "parcel": full_view(session, parcel, ctx),
                    "rule_results": ctx.rule_results, "dry_run": True, "allowed": False,
                    "violations": [v.as_dict() for v in ctx.violations]}
        now = uow.now()
        parcel.version += 1
        parcel.updated_at = now
        event = uow.audit(stream=f"parcel:{parcel.id}", kind="record", name=record["kind"],
                          parcel=parcel, from_state=parcel.state, to_state=parcel.state,
                          effective_date=record["date"], payload=record,
                          rule_results=ctx.rule_results, law_set=ctx.law.id)
        ctx.event = event
        row = ParcelRecord(parcel_id=parcel.id, kind=record["kind"], occurred_on=record["date"],
                           details=plain(record.get("details") or {}), event_id=event.id,
                           created_at=now)
        session.add(row)
        session.flush()
        ctx._records = None  # the new record counts for its own effects
        run_effects(step.effects, ctx)
        uow.emit(f"record.{record['kind']}", parcel.id, {
            "code": parcel.code, "kind": record["kind"], "date": record["date"].isoformat(),
            "version": parcel.version, "audit_seq": event.id,
        }, audit_event_id=event.id)
        outcome: dict[str, Any] = {"record": record_view(row), "event": event_view(event),
                   "parcel": full_view(session, parcel, ctx)}
        if ctx.certificate is not None:
            outcome["certificate"] = ctx.certificate
        if dry_run:
            outcome |= {"rule_results": ctx.rule_results, "dry_run": True, "allowed": True,
                        "violations": []}
        return outcome

    return command(uow, actor, work, operation=f"record:{parcel_id}", body=record,
                   idempotency_key=idempotency_key, dry_run=dry_run, lock=lock)


def precheck_transitions(uow: UnitOfWork, parcel_id: int, actor: Actor,
                         as_of: date | None = None) -> dict[str, Any]:
    """What the caller may fire now, each with the guards that can be judged without a body."""
    with uow:
        parcel = visible_parcel(uow.session, actor, parcel_id)
        today = as_of or uow.today()
        items = []
        for step in STEP_BY_TRIGGER.values():
            if not step.sources or not edge_exists(step.trigger, parcel.state):
                continue
            if actor.role not in step.roles:
                continue
            ctx = StepContext(uow=uow, step=step, payload={}, actor=actor, effective_date=today,
                              today=today, parcel=parcel, dry_run=True)
            names = tuple(n for n in step.guards if GUARDS[n].precheck)
            run_guards(names, ctx)
            items.append({
                "transition": step.trigger,
                "to_state": step.dest.value,
                "label": {"zh": step.zh, "en": step.en},
                "ready": not ctx.violations,
                "checked": ctx.rule_results,
                "needs_payload": [n for n in step.guards if not GUARDS[n].precheck],
                "violations": [v.as_dict() for v in ctx.violations],
            })
        return {"parcel_id": parcel.id, "state": parcel.state, "version": parcel.version,
                "as_of": today.isoformat(), "items": items}
