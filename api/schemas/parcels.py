"""Response and query shapes of the parcel endpoints (request bodies: ``workflow.payloads``)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import (
    BBox,
    DateStr,
    DateTimeStr,
    Dec,
    Label,
    PageArgs,
    RuleResultSchema,
    TownshipRef,
    ViolationSchema,
)
from states import ParcelState
from workflow.payloads.fields import OWNERSHIPS, PLANNED_USES


class LandOut(Schema):
    farmland_m2 = Dec()
    paddy_m2 = Dec()
    farmland_grade = fields.Integer(allow_none=True)
    other_agricultural_m2 = Dec()
    unused_m2 = Dec()
    construction_m2 = Dec()
    total_m2 = Dec()
    total_mu = Dec(metadata={"description": "亩"})
    total_ha = Dec(metadata={"description": "hectares"})
    converted_to_construction_m2 = Dec(
        metadata={"description": "agricultural + unused land: what approval converts"})
    basis = fields.String(metadata={
        "description": "land_use_layer: computed from the boundary on the land survey layer; "
                       "declared: as the clerk declared it"})


class ControlLinesOut(Schema):
    basic_farmland_m2 = Dec()
    red_line_m2 = Dec()
    in_development_boundary = fields.Boolean()


class DeadlineOut(Schema):
    id = fields.Integer()
    parcel_id = fields.Integer()
    kind = fields.String()
    label = fields.Nested(Label)
    due_on = DateStr()
    state = fields.String()
    basis = fields.String()
    explanation = fields.String()
    opened_on = DateStr()
    closed_on = DateStr()
    breached_on = DateStr()
    paused_since = DateStr()
    pause_reason = fields.String(allow_none=True)
    amount_yuan = Dec()
    recovery_on = DateStr()


class DatasetOut(Schema):
    kind = fields.String()
    version = fields.String()


class SpatialOut(Schema):
    area_m2 = Dec()
    basic_farmland_m2 = Dec()
    red_line_m2 = Dec()
    outside_development_boundary_m2 = Dec()
    datasets = fields.List(fields.Nested(DatasetOut))


class ParcelOut(Schema):
    id = fields.Integer()
    code = fields.String()
    county_code = fields.String()
    township = fields.Nested(TownshipRef)
    ownership = fields.String()
    state = fields.String()
    state_label = fields.Nested(Label)
    stage = fields.Dict()
    version = fields.Integer()
    surveyed_on = DateStr()
    last_effective_date = DateStr()
    land = fields.Nested(LandOut)
    control_lines = fields.Nested(ControlLinesOut)
    geometry = fields.Dict(allow_none=True, metadata={
        "description": "The surveyed boundary as sent (GeoJSON, EPSG:4490)"})
    spatial = fields.Nested(SpatialOut, allow_none=True, metadata={
        "description": "What the overlay of the boundary on the reference layers in force at "
                       "the survey computed, and the (kind, version) of each layer read"})
    planning = fields.Dict(allow_none=True)
    approval = fields.Dict(allow_none=True)
    expropriation = fields.Dict(allow_none=True)
    supply = fields.Dict(allow_none=True)
    construction = fields.Dict(allow_none=True)
    inspection = fields.Dict(allow_none=True)
    registration = fields.Dict(allow_none=True)
    idle = fields.Dict(allow_none=True)
    recovery = fields.Dict(allow_none=True)
    certificate = fields.Dict(allow_none=True)
    closed_on = DateStr()
    deadlines = fields.List(fields.Nested(DeadlineOut))


class ParcelPage(Schema):
    items = fields.List(fields.Nested(ParcelOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class ParcelListArgs(PageArgs):
    state = fields.String(validate=validate.OneOf([s.value for s in ParcelState]))
    township = fields.String(validate=validate.Length(min=1, max=40))
    planned_use = fields.String(validate=validate.OneOf(PLANNED_USES))
    ownership = fields.String(validate=validate.OneOf(OWNERSHIPS))
    code = fields.String(validate=validate.Length(min=1, max=64))
    bbox = BBox()
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "geojson")),
                           metadata={"description": "geojson: the page as a FeatureCollection"})


class EventOut(Schema):
    seq = fields.Integer(metadata={"description": "Global audit sequence number"})
    stream_seq = fields.Integer(metadata={"description": "Position in the parcel's hash chain"})
    kind = fields.String()
    transition = fields.String(allow_none=True)
    record = fields.String(allow_none=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    effective_date = DateStr()
    recorded_at = DateTimeStr()
    actor = fields.String()
    role = fields.String()
    payload = fields.Dict()
    rule_results = fields.Raw()
    idempotency_key = fields.String(allow_none=True)
    law_set = fields.String(allow_none=True, metadata={
        "description": "The legal parameter set that judged the step: the law in force on its "
                       "effective date (`landflow rules --markdown` lists the sets)"})
    prev_hash = fields.String(allow_none=True)
    hash = fields.String()


class HistoryOut(Schema):
    parcel_id = fields.Integer()
    items = fields.List(fields.Nested(EventOut))


class PostingOut(Schema):
    ledger = fields.String()
    account_id = fields.Integer(allow_none=True)
    credit_id = fields.Integer(allow_none=True)
    entry = fields.String()
    amount_m2 = Dec()
    paddy_m2 = Dec()
    balance_after_m2 = Dec()
    remaining_after_m2 = Dec()
    reference = fields.String(allow_none=True)
    land_ticket_id = fields.Integer(allow_none=True)


class TransitionOut(Schema):
    parcel = fields.Nested(ParcelOut, allow_none=True)
    event = fields.Nested(EventOut, allow_none=True)
    rule_results = fields.List(fields.Nested(RuleResultSchema))
    violations = fields.List(fields.Nested(ViolationSchema))
    postings = fields.List(fields.Nested(PostingOut))
    deadlines = fields.List(fields.Dict())
    dry_run = fields.Boolean()
    allowed = fields.Boolean(metadata={
        "description": "On a dry run: whether the step would pass (violations say why not)"})
    certificate = fields.Dict(allow_none=True)


class TransitionQuery(Schema):
    dry_run = fields.Boolean(load_default=False)


class PrecheckItem(Schema):
    transition = fields.String()
    to_state = fields.String()
    label = fields.Nested(Label)
    ready = fields.Boolean()
    checked = fields.List(fields.Nested(RuleResultSchema))
    needs_payload = fields.List(fields.String())
    violations = fields.List(fields.Nested(ViolationSchema))


class PrecheckOut(Schema):
    parcel_id = fields.Integer()
    state = fields.String()
    version = fields.Integer()
    as_of = DateStr()
    items = fields.List(fields.Nested(PrecheckItem))


class RecordOut(Schema):
    id = fields.Integer()
    parcel_id = fields.Integer()
    kind = fields.String()
    date = DateStr()
    details = fields.Dict()
    event_seq = fields.Integer()


class RecordCreated(Schema):
    record = fields.Nested(RecordOut, allow_none=True)
    event = fields.Nested(EventOut, allow_none=True)
    parcel = fields.Nested(ParcelOut)
    certificate = fields.Dict(allow_none=True)
    # Only on a dry run (?dry_run=true):
    dry_run = fields.Boolean()
    allowed = fields.Boolean(metadata={
        "description": "On a dry run: whether the record would be filed"})
    rule_results = fields.List(fields.Nested(RuleResultSchema))
    violations = fields.List(fields.Nested(ViolationSchema))


class RecordList(Schema):
    items = fields.List(fields.Nested(RecordOut))
    total = fields.Integer()
