"""What the ledgers' administrative operations accept: quota accounts, allocations, transfers,
farmland credits and land tickets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from workflow.payloads.fields import Amount, Day, Id, Int, Money, Strict, Text


class QuotaAccountSchema(Strict):
    year = Int(required=True, validate=validate.Range(min=2000, max=2100))
    allocated_m2 = Amount(required=True, metadata={"description": "Initial allocation"})
    name = Text(120, load_default=None)
    category = fields.String(load_default="general",
                             validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$"))
    county_code = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))
    document_no = Text(120, load_default=None,
                       metadata={"description": "The plan notice that allocated it"})
    effective_date = Day(load_default=None, metadata={
        "description": "When the allocation is booked; default 1 January of the plan year "
                       "(today for a year still to come)"})


class AllocationSchema(Strict):
    amount_m2 = Amount(required=True, minimum=Decimal("0.01"))
    document_no = Text(120, required=True)
    effective_date = Day(load_default=None)


class TransferSchema(Strict):
    from_account_id = Id(required=True)
    to_account_id = Id(required=True)
    amount_m2 = Amount(required=True, minimum=Decimal("0.01"))
    document_no = Text(120, required=True)
    effective_date = Day(load_default=None)


CREDIT_SOURCES = ("consolidation", "reclamation", "land_ticket", "purchase")


class FarmlandCreditSchema(Strict):
    source = fields.String(required=True, validate=validate.OneOf(CREDIT_SOURCES))
    project_no = Text(120, required=True)
    area_m2 = Amount(required=True, minimum=Decimal("0.01"))
    paddy_m2 = Amount(load_default=Decimal("0.00"))
    grade = Int(required=True, validate=validate.Range(min=1, max=15))
    accepted_on = Day(required=True)
    county_code = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))

    @validates_schema
    def _paddy(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("paddy_m2", 0) > data.get("area_m2", 0):
            raise ValidationError("水田不得大于面积 / paddy_m2 must not exceed area_m2",
                                  "paddy_m2")


class LandTicketSchema(Strict):
    ticket_no = Text(64, required=True)
    area_m2 = Amount(required=True, minimum=Decimal("0.01"))
    cultivated_m2 = Amount(required=True)
    paddy_m2 = Amount(load_default=Decimal("0.00"))
    grade = Int(required=True, validate=validate.Range(min=1, max=15))
    acceptance_ref = Text(120, required=True)
    accepted_on = Day(required=True)
    trade_price_yuan = Money(required=True)
    reclamation_cost_yuan = Money(load_default=Decimal("0.00"))
    buyer = Text(200, required=True)
    traded_on = Day(required=True)
    county_code = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))

    @validates_schema
    def _parts(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("cultivated_m2", 0) > data.get("area_m2", 0):
            raise ValidationError("耕地不得大于地票面积 / cultivated_m2 must not exceed area_m2",
                                  "cultivated_m2")
        if data.get("paddy_m2", 0) > data.get("cultivated_m2", 0):
            raise ValidationError("水田不得大于耕地 / paddy_m2 must not exceed cultivated_m2",
                                  "paddy_m2")
        if ("traded_on" in data and "accepted_on" in data
                and data["traded_on"] < data["accepted_on"]):
            raise ValidationError("须验收后交易 / traded_on must not precede accepted_on",
                                  "traded_on")
