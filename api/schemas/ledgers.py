"""Response shapes of the ledger endpoints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import DateStr, Dec, QueryInt


class QuotaAccountOut(Schema):
    id = fields.Integer()
    county_code = fields.String()
    year = fields.Integer()
    category = fields.String()
    name = fields.String()
    balance_m2 = Dec()


class QuotaAccountList(Schema):
    items = fields.List(fields.Nested(QuotaAccountOut))
    total = fields.Integer()


class QuotaEntryOut(Schema):
    id = fields.Integer()
    account_id = fields.Integer()
    kind = fields.String()
    amount_m2 = Dec()
    balance_after_m2 = Dec()
    parcel_id = fields.Integer(allow_none=True)
    audit_seq = fields.Integer(allow_none=True)
    document_no = fields.String(allow_none=True)
    land_ticket_id = fields.Integer(allow_none=True)
    reverses_entry_id = fields.Integer(allow_none=True)
    counterparty_account_id = fields.Integer(allow_none=True)
    effective_date = DateStr()


class QuotaEntryPage(Schema):
    account = fields.Nested(QuotaAccountOut)
    items = fields.List(fields.Nested(QuotaEntryOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class TransferOut(Schema):
    from_ = fields.Nested(QuotaAccountOut, data_key="from", attribute="from")
    to = fields.Nested(QuotaAccountOut)


class YearArgs(Schema):
    year = QueryInt(validate=validate.Range(min=2000, max=2100))


class PairingOut(Schema):
    id = fields.Integer()
    parcel_id = fields.Integer(allow_none=True, metadata={
        "description": "null for a parcel outside the caller's township"})
    area_m2 = Dec()
    paddy_m2 = Dec()
    occupied_grade = fields.Integer(allow_none=True)
    paired_on = DateStr()
    released_on = DateStr()
    audit_seq = fields.Integer(allow_none=True)


class FarmlandCreditOut(Schema):
    id = fields.Integer()
    county_code = fields.String()
    source = fields.String()
    project_no = fields.String()
    area_m2 = Dec()
    paddy_m2 = Dec()
    grade = fields.Integer()
    accepted_on = DateStr()
    remaining_area_m2 = Dec()
    remaining_paddy_m2 = Dec()
    land_ticket_id = fields.Integer(allow_none=True)
    pairings = fields.List(fields.Nested(PairingOut))


class FarmlandCreditList(Schema):
    items = fields.List(fields.Nested(FarmlandCreditOut))
    total = fields.Integer()


class CreditArgs(Schema):
    available = fields.Boolean(load_default=False)


class LandTicketOut(Schema):
    id = fields.Integer()
    ticket_no = fields.String()
    county_code = fields.String()
    area_m2 = Dec()
    cultivated_m2 = Dec()
    paddy_m2 = Dec()
    grade = fields.Integer()
    acceptance_ref = fields.String()
    accepted_on = DateStr()
    trade_price_yuan = Dec()
    reclamation_cost_yuan = Dec()
    net_proceeds_yuan = Dec()
    farmer_share_yuan = Dec()
    collective_share_yuan = Dec()
    buyer = fields.String()
    traded_on = DateStr()
    remaining_m2 = Dec()


class LandTicketList(Schema):
    items = fields.List(fields.Nested(LandTicketOut))
    total = fields.Integer()
