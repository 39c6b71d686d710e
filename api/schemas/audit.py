"""Query and response shapes of the auditor endpoints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import BBox, DateStr, Dec, PageArgs, QueryInt, TownshipRefMixin
from workflow.payloads.fields import Day

FORMATS = ("json", "csv", "xlsx", "geojson")
FILE_FORMATS = ("json", "csv", "xlsx")
CATEGORIES = ("approved_unexpropriated", "expropriated_unsupplied", "approved_unsupplied",
              "supplied_unused")


class AsOfArgs(Schema):
    as_of = Day(metadata={"description": "Answer as of this date (default today)"})
    township = fields.String(validate=validate.Length(min=1, max=40))


class FileArgs(Schema):
    """``?format=csv|xlsx`` sends the answer as a file; ``?lang=`` picks its headers."""

    format = fields.String(load_default="json", validate=validate.OneOf(FILE_FORMATS))
    lang = fields.String(validate=validate.OneOf(("zh", "en")), metadata={
        "description": "File headers: CSV has column names unless `zh` (Chinese, and 是/否 for "
                       "yes/no); XLSX has Chinese headers unless `en`"})


class ReportArgs(AsOfArgs, FileArgs):
    pass


class AuditListArgs(PageArgs, AsOfArgs, FileArgs):
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))
    bbox = BBox()


class UnsuppliedArgs(AuditListArgs):
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    cohort = QueryInt(validate=validate.Range(min=1990, max=2100))


class IdleItem(TownshipRefMixin):
    code = fields.String()
    parcel_id = fields.Integer()
    clock_start = DateStr()
    idle_from = DateStr()
    days_idle = fields.Integer()
    land_price_yuan = Dec()
    fee_due_yuan = Dec()
    fee_from = DateStr(metadata={"description": "The user's own full year is reached (from a "
                                                "late hand-over, 闲置土地处置办法 第八条第(一)项)"})
    recovery_from = DateStr()
    recovery_due = fields.Boolean()
    cause = fields.String(allow_none=True)
    government_delay = fields.String(
        allow_none=True, metadata={"description": "late_hand_over: the land was not handed over "
                                                  "by the agreed start date; no fee is due"})
    handed_over_on = DateStr(allow_none=True)
    paused_since = DateStr(allow_none=True, metadata={"description": "the clock stands still"})
    determination = fields.String()
    determined_on = DateStr()
    determination_no = fields.String(allow_none=True)
    area_m2 = Dec()


class IdlePage(Schema):
    as_of = DateStr()
    items = fields.List(fields.Nested(IdleItem))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    page_fee_due_yuan = Dec()


class UnsuppliedItem(TownshipRefMixin):
    code = fields.String()
    parcel_id = fields.Integer()
    categories = fields.List(fields.String())
    labels = fields.List(fields.String())
    cohort = fields.Integer()
    approved_on = DateStr()
    approval_no = fields.String(allow_none=True)
    area_m2 = Dec(metadata={"description": "The area in this stock: the approval's unsupplied "
                                           "rest, or its supplied but unused part"})
    age_days = fields.Integer()
    expropriated_on = DateStr()
    supplied_on = DateStr()
    agreed_start_date = DateStr()
    approved_m2 = Dec(metadata={"description": "The approval's whole area"})
    supplied_m2 = Dec(metadata={"description": "Of it, supplied by as_of (the first supply)"})


class UnsuppliedPage(Schema):
    as_of = DateStr()
    definition_version = fields.Integer()
    items = fields.List(fields.Nested(UnsuppliedItem))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class CohortOut(Schema):
    cohort = fields.Integer()
    parcels = fields.Integer()
    approved_m2 = Dec()
    supplied_m2 = Dec()
    approved_unexpropriated_m2 = Dec()
    expropriated_unsupplied_m2 = Dec()
    approved_unsupplied_m2 = Dec()
    supplied_unused_m2 = Dec()
    supply_rate = Dec()


class RollingOut(Schema):
    window_years = fields.Integer()
    from_ = DateStr(data_key="from", attribute="from")
    approved_m2 = Dec()
    supplied_m2 = Dec()
    supply_rate = Dec()
    minimum = Dec()
    below_minimum = fields.Boolean()


class SummaryOut(Schema):
    as_of = DateStr()
    definition_version = fields.Integer()
    township = fields.String(allow_none=True)
    cohorts = fields.List(fields.Nested(CohortOut))
    stock_m2 = fields.Dict(keys=fields.String(), values=fields.String())
    rolling = fields.Nested(RollingOut)


class IndicatorOut(Schema):
    key = fields.String()
    seq = fields.Integer()
    name = fields.Dict(keys=fields.String(), values=fields.String())
    unit = fields.String()
    nature = fields.String()
    cumulative = fields.Boolean()
    value_2020 = Dec()
    target_2025 = Dec()
    value = Dec()
    basis = fields.String()
    status = fields.String()


class IndicatorsOut(Schema):
    as_of = DateStr()
    plan = fields.String()
    period = fields.List(fields.Integer())
    items = fields.List(fields.Nested(IndicatorOut))


class ChartArgs(Schema):
    as_of = Day()
