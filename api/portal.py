"""/portal/applications and /events: the county e-government portal's intake and feed."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api.auth import current_actor
from api.base import Blueprint, runtime
from api.schemas.common import DateStr, Label, QueryInt
from api.schemas.parcels import DeadlineOut
from workflow.portal import queries as cases
from workflow.portal import services as portal
from workflow.portal.schemas import ApplicationSchema

blp = Blueprint("portal", __name__, url_prefix="/api/v1/portal",
                description="The county e-government portal (渝快办 gateway)")
events = Blueprint("events", __name__, url_prefix="/api/v1/events",
                   description="The event feed: every change, in commit order")


class ClockOut(Schema):
    legal_limit_working_days = fields.Integer()
    committed_limit_working_days = fields.Integer()
    legal_basis = fields.String()
    days_used = fields.Integer()
    paused_working_days = fields.Integer()
    legal_due_on = DateStr()
    committed_due_on = DateStr()
    running = fields.Boolean()
    decided_on = DateStr()
    overdue = fields.Dict(keys=fields.String(), values=fields.Boolean())
    paused_intervals = fields.List(fields.Dict())


class NextStep(Schema):
    transition = fields.String()
    zh = fields.String()
    en = fields.String()
    by = fields.List(fields.String())


class CaseOut(Schema):
    portal_no = fields.String()
    item_code = fields.String()
    item = fields.Nested(Label)
    applicant = fields.Dict()
    parcel_id = fields.Integer()
    parcel_code = fields.String()
    filed_on = DateStr()
    state = fields.String()
    status = fields.Nested(Label)
    stage = fields.Dict()
    version = fields.Integer()
    clock = fields.Nested(ClockOut)
    next_steps = fields.List(fields.Nested(NextStep))
    deadlines = fields.List(fields.Nested(DeadlineOut))
    certificates = fields.List(fields.Dict())


class FeedEventOut(Schema):
    seq = fields.Integer()
    type = fields.String()
    parcel_id = fields.Integer(allow_none=True)
    occurred_at = fields.String(metadata={"format": "date-time"})
    data = fields.Dict()


class EventPage(Schema):
    items = fields.List(fields.Nested(FeedEventOut))
    next = fields.Integer(metadata={"description": "Pass as `after` to continue"})


class EventArgs(Schema):
    after = QueryInt(load_default=0, validate=validate.Range(min=0, max=2**62))
    limit = QueryInt(load_default=100, validate=validate.Range(min=1, max=1000))
    type = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                       metadata={"description": "Type prefixes to keep (repeatable)"})



@blp.route("/applications", methods=["POST"])
@blp.arguments(ApplicationSchema)
@blp.response(201, CaseOut)
def file_application(body: dict[str, Any]) -> Any:
    """File an application for a parcel (portal role); idempotent on `portal_no`: a retry
    returns the same case (200), never a second one."""
    case, replayed = portal.file_application(runtime().uow(), current_actor(), body)
    return case, (200 if replayed else 201), ({"Idempotent-Replayed": "true"} if replayed else {})


@blp.route("/applications/<portal_no>", methods=["GET"])
@blp.response(200, CaseOut)
def read_application(portal_no: str) -> Any:
    """The case as the portal shows it: stage, legal clock, next step, certificates."""
    return cases.read_application(runtime().reader(), current_actor(), portal_no)


@events.route("", methods=["GET"])
@events.arguments(EventArgs, location="query", as_kwargs=True)
@events.response(200, EventPage)
def list_events(after: int, limit: int, type: list[str] | None = None) -> Any:  # noqa: A002
    """Events after a cursor, in strictly increasing `seq`; remember `next` and nothing is
    missed or seen twice."""
    return cases.list_events(runtime().reader(), current_actor(), after=after, limit=limit,
                              types=type)
