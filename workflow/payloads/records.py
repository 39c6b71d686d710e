"""What a record (a dated procedural step) accepts, with the details each kind must carry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

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
    effective_date = Day(load_default=None, metadata={
        "description": "The real-world date of the step (YYYY-MM-DD), as on transitions; "
                       "required (or its alias `date`)"})
    date = Day(load_default=None, metadata={
        "description": "Alias of `effective_date` (the name records used first); give one"})
    details = FreeJSON(load_default=dict, metadata={
        "description": "What the step recorded; free-form JSON, at most 8 levels deep"})

    @validates_schema
    def _one_date(self, data: dict[str, Any], **_: Any) -> None:
        given, alias = data.get("effective_date"), data.get("date")
        if given is None and alias is None:
            raise ValidationError(["必填 / Missing data for required field."], "effective_date")
        if given is not None and alias is not None and given != alias:
            raise ValidationError([f"与 effective_date 不一致 / differs from effective_date "
                                   f"({given})"], "date")

    @post_load
    def _details(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        # One name inside: the record's date (``date`` is what services and effects read).
        data["date"] = data.pop("effective_date") or data["date"]
        schema = RECORD_DETAIL_SCHEMAS.get(data["kind"])
        if schema is not None:
            try:
                data["details"] = {**data["details"], **schema().load(data["details"])}
            except ValidationError as exc:
                raise ValidationError({"details": exc.messages}) from exc
        return data
