"""What a record (a dated procedural step) accepts, with the details each kind must carry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate

from workflow.payloads.fields import RECORD_KINDS, Amount, Day, FreeJSON, Money, Strict, Text


class PaymentDetails(Schema):
    class Meta:
        unknown = EXCLUDE

    amount_yuan = Money(required=True, minimum=Decimal("0.01"))
    purpose = fields.String(load_default="land_price",
                            validate=validate.OneOf(("land_price", "idle_fee", "compensation",
                                                     "other")))


class IdleDisposalDetails(Schema):
    class Meta:
        unknown = EXCLUDE

    option = fields.String(required=True, validate=validate.OneOf((
        "extension", "change_of_use", "temporary_use", "agreed_recovery", "land_swap")))
    agreement_ref = Text(120, required=True, metadata={"description": "补充协议 number"})
    new_agreed_start_date = Day(load_default=None)
    new_agreed_completion_date = Day(load_default=None)
    temp_use_start = Day(load_default=None)
    temp_use_end = Day(load_default=None)


class ProgressDetails(Schema):
    class Meta:
        unknown = EXCLUDE

    developed_area_m2 = Amount(required=True)
    planned_area_m2 = Amount(required=True, minimum=Decimal("0.01"))
    invested_yuan = Money(required=True)
    total_investment_yuan = Money(required=True, minimum=Decimal("0.01"))


class SuspendedDetails(Schema):
    class Meta:
        unknown = EXCLUDE

    since = Day(required=True)


RECORD_DETAIL_SCHEMAS: dict[str, type[Schema]] = {
    "payment": PaymentDetails, "idle_disposal": IdleDisposalDetails,
    "construction_progress": ProgressDetails, "construction_suspended": SuspendedDetails,
}


class RecordSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(RECORD_KINDS))
    effective_date = Day(required=True, metadata={
        "description": "The real-world date of the step (YYYY-MM-DD), as on transitions. "
                       "`date` is accepted as its alias (the name records used first)."})
    details = FreeJSON(load_default=dict, metadata={
        "description": "What the step recorded; free-form JSON, at most 8 levels deep"})

    @pre_load
    def _date_alias(self, data: Any, **_: Any) -> Any:
        if not isinstance(data, dict) or "date" not in data:
            return data
        data = dict(data)
        alias = data.pop("date")
        if "effective_date" not in data:
            data["effective_date"] = alias
        elif data["effective_date"] != alias:
            raise ValidationError([f"与 effective_date 不一致 / differs from effective_date "
                                   f"({data['effective_date']})"], "date")
        return data

    @post_load
    def _details(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        # One name inside: the record's date (``date`` is what services and effects read).
        data["date"] = data.pop("effective_date")
        schema = RECORD_DETAIL_SCHEMAS.get(data["kind"])
        if schema is not None:
            try:
                data["details"] = {**data["details"], **schema().load(data["details"])}
            except ValidationError as exc:
                raise ValidationError({"details": exc.messages}) from exc
        return data
