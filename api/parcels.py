"""/parcels: survey, list, read, fire transitions, pre-check, history and records."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, request
from marshmallow import Schema

from api.auth import current_actor
from api.base import Blueprint, runtime
from api.schemas.parcels import (
    HistoryOut,
    ParcelListArgs,
    ParcelOut,
    ParcelPage,
    PrecheckOut,
    RecordCreated,
    RecordList,
    TransitionOut,
    TransitionQuery,
)
from states import STEPS
from workflow import queries, services
from workflow.errors import ValidationFailed
from workflow.payloads.fields import CONTROL_CHARACTERS
from workflow.payloads.records import RecordSchema
from workflow.payloads.survey import SurveySchema
from workflow.payloads.transitions import TRANSITION_SCHEMAS
from workflow.reports.exports import feature_collection

blp = Blueprint("parcels", __name__, url_prefix="/api/v1/parcels",
                description="Parcels and their lifecycle 调规批征供用建验登")

IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "maxLength": 200},
    "description": "Same key and body: the first response is returned and nothing is written; "
                   "same key, other body: 422 IDEMPOTENCY_KEY_REUSED",
}



def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 200 or CONTROL_CHARACTERS.search(key):
        raise ValidationFailed({"Idempotency-Key": ["1–200 characters, none of them control "
                                                    "characters"]})
    return key


def respond(outcome: dict[str, Any], replayed: bool, status: int = 200) -> Any:
    """The service's outcome is already the documented JSON shape (``workflow.views``): it is
    sent as it is instead of being walked again through the response schema, which only
    documents it."""
    response = current_app.response_class(current_app.json.dumps(outcome), status=status,
                                          mimetype="application/json")
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@blp.route("", methods=["POST"])
@blp.arguments(SurveySchema)
@blp.arguments(TransitionQuery, location="query", as_kwargs=True)
@blp.response(201, TransitionOut)
@blp.doc(parameters=[IDEMPOTENCY_HEADER])
def survey(payload: dict[str, Any], dry_run: bool) -> Any:
    """Record a surveyed parcel (the `survey` step: clerk or portal)."""
    outcome, replayed = services.create_parcel(
        runtime().uow(), payload, current_actor(), idempotency_key=idempotency_key(),
        dry_run=dry_run)
    return respond(outcome, replayed, 200 if dry_run else 201)


@blp.route("", methods=["GET"])
@blp.arguments(ParcelListArgs, location="query", as_kwargs=True)
@blp.response(200, ParcelPage)
def list_parcels(**filters: Any) -> Any:
    """List parcels (filters: state, township, planned use, ownership, code, bbox; paginated);
    ``format=geojson`` answers the page as a FeatureCollection."""
    fmt = filters.pop("format", "json")
    page = queries.list_parcels(runtime().reader(), current_actor(), **filters)
    if fmt == "geojson":
        return Response(json.dumps(feature_collection(page["items"]), ensure_ascii=False),
                        mimetype="application/geo+json")
    return page


@blp.route("/<int:parcel_id>", methods=["GET"])
@blp.response(200, ParcelOut)
def read_parcel(parcel_id: int) -> Any:
    """A parcel with its version and open deadlines."""
    return queries.read_parcel(runtime().reader(), current_actor(), parcel_id)


@blp.route("/<int:parcel_id>/history", methods=["GET"])
@blp.response(200, HistoryOut)
def history(parcel_id: int) -> Any:
    """The parcel's audit events, oldest first, with their hash chain."""
    return queries.parcel_history(runtime().reader(), current_actor(), parcel_id)


@blp.route("/<int:parcel_id>/transitions", methods=["GET"])
@blp.response(200, PrecheckOut)
def precheck(parcel_id: int) -> Any:
    """The transitions the caller may fire now, each with the rules that can be judged now."""
    return services.precheck_transitions(runtime().reader(), parcel_id, current_actor())


@blp.route("/<int:parcel_id>/records", methods=["POST"])
@blp.arguments(RecordSchema)
@blp.arguments(TransitionQuery, location="query", as_kwargs=True)
@blp.response(201, RecordCreated)
@blp.doc(parameters=[IDEMPOTENCY_HEADER])
def add_record(payload: dict[str, Any], parcel_id: int, dry_run: bool) -> Any:
    """Record a dated procedural step (pre-announcement, hearing, payment, …);
    ``?dry_run=true`` answers 200 with ``allowed`` and files nothing."""
    outcome, replayed = services.add_record(runtime().uow(), parcel_id, payload,
                                            current_actor(), idempotency_key=idempotency_key(),
                                            dry_run=dry_run)
    return respond(outcome, replayed, 200 if dry_run else 201)


@blp.route("/<int:parcel_id>/records", methods=["GET"])
@blp.response(200, RecordList)
def list_records(parcel_id: int) -> Any:
    """The parcel's records, oldest first."""
    return queries.parcel_records(runtime().reader(), current_actor(), parcel_id)


def _transition_view(name: str, schema: type[Schema], summary: str) -> None:
    def fire(payload: dict[str, Any], parcel_id: int, dry_run: bool) -> Any:
        outcome, replayed = services.fire_transition(
            runtime().uow(), parcel_id, name, payload, current_actor(),
            idempotency_key=idempotency_key(), dry_run=dry_run)
        return respond(outcome, replayed)

    fire.__name__ = f"fire_{name}"
    fire.__doc__ = summary
    view = blp.doc(parameters=[IDEMPOTENCY_HEADER])(fire)
    view = blp.response(200, TransitionOut)(view)
    view = blp.arguments(TransitionQuery, location="query", as_kwargs=True)(view)
    view = blp.arguments(schema)(view)
    blp.route(f"/<int:parcel_id>/transitions/{name}", methods=["POST"],
              endpoint=f"fire_{name}")(view)


for _step in STEPS:
    if _step.sources:
        _roles = ", ".join(r.value for r in _step.roles)
        _transition_view(
            _step.trigger, TRANSITION_SCHEMAS[_step.trigger],
            f"{_step.zh} / {_step.en}: "
            f"{', '.join(s.value for s in _step.sources)} → {_step.dest.value} ({_roles})")
