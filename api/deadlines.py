"""/deadlines: the legal clocks; pausing and resuming one with a reason."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api import exports
from api.auth import current_actor
from api.base import Blueprint, runtime
from api.schemas.audit import FileArgs
from api.schemas.common import PageArgs, QueryInt
from api.schemas.parcels import DeadlineOut
from workflow.deadlines import queries as clocks
from workflow.deadlines import services as svc
from workflow.models.deadlines import DEADLINE_STATES
from workflow.payloads.fields import MAX_ID, Day, Strict, Text
from workflow.reports.exports import Table

blp = Blueprint("deadlines", __name__, url_prefix="/api/v1/deadlines",
                description="Legal clocks: due dates, breaches, pauses")


class DeadlineArgs(PageArgs, FileArgs):
    as_of = Day(metadata={"description": "The clocks opened by this date, in the state they "
                                         "were in on it"})
    due_before = Day()
    state = fields.String(validate=validate.OneOf(DEADLINE_STATES))
    kind = fields.String(validate=validate.Length(min=1, max=40))
    township = fields.String(validate=validate.Length(min=1, max=40))
    parcel_id = QueryInt(validate=validate.Range(min=1, max=MAX_ID))


class DeadlinePage(Schema):
    as_of = fields.String(metadata={"format": "date"})
    items = fields.List(fields.Nested(DeadlineOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class PauseIn(Strict):
    date = Day(required=True)
    reason = Text(300, required=True)


class ResumeIn(Strict):
    date = Day(required=True)



@blp.route("", methods=["GET"])
@blp.arguments(DeadlineArgs, location="query", as_kwargs=True)
@blp.response(200, DeadlinePage)
@blp.alt_response(200, description="Every matching clock as CSV or XLSX with "
                  "?format=csv|xlsx (not paged)", success=True, content_type="text/csv")
def list_deadlines(format: str = "json", lang: str | None = None, **args: Any) -> Any:
    """Deadlines, filtered by due date, state, kind, township or parcel; ``as_of`` answers as
    of a past date."""
    if format == "json":
        return clocks.list_deadlines(runtime().reader(), current_actor(), **args)
    args.pop("page", None)
    args.pop("per_page", None)
    rows = clocks.deadline_rows(runtime().reader(), current_actor(), **args)
    day = (args.get("as_of") or runtime().clock.today()).isoformat()
    return exports.send(Table(f"deadlines-{day}", clocks.DEADLINE_COLUMNS, rows), format, lang)


@blp.route("/<int:deadline_id>/pause", methods=["POST"])
@blp.arguments(PauseIn)
@blp.response(200, DeadlineOut)
def pause(body: dict[str, Any], deadline_id: int) -> Any:
    """Stop a clock with a reason (e.g. a government cause); approver."""
    return svc.pause_deadline(runtime().uow(), current_actor(), deadline_id, body["date"],
                              body["reason"])


@blp.route("/<int:deadline_id>/resume", methods=["POST"])
@blp.arguments(ResumeIn)
@blp.response(200, DeadlineOut)
def resume(body: dict[str, Any], deadline_id: int) -> Any:
    """Let a paused clock run on; its due date moves by the days it stood still."""
    return svc.resume_deadline(runtime().uow(), current_actor(), deadline_id, body["date"])
