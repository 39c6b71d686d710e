"""What a record (a dated procedural step) accepts, with the details each kind must carry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate

from workflow.payloads.fields import RECORD_KINDS, Amount, Day, FreeJSON, Money, Strict, Text


class Details(Strict):
    """What any procedural record may carry: the document that records the step and a remark.
    A key no rule knows is refused (422 naming ``details.<key>``), so that a typo does not
    leave a rule reading nothing."""

    document_no = Text(120, metadata={"description": "The document's number (文号)"})
    remarks = Text(2000)


class PaymentDetails(Details):
    amount_yuan = Money(required=True, minimum=Decimal("0.01"))
    purpose = fields.String(load_default="land_price",
                            validate=validate.OneOf(("land_price", "idle_fee", "compensation",
                                                     "other")))
    receipt_no = Text(120)


class IdleDisposalDetails(Details):
    option = fields.String(required=True, validate=validate.OneOf((
        "extension", "change_of_use", "temporary_use", "agreed_recovery", "land_swap")))
    agreement_ref = Text(120, required=True, metadata={"description": "补充协议 number"})
    new_agreed_start_date = Day(load_default=None)
    new_agreed_completion_date = Day(load_default=None)
    temp_use_start = Day(load_default=None)
    temp_use_end = Day(load_default=None)


class ProgressDetails(Details):
    developed_area_m2 = Amount(required=True)
    planned_area_m2 = Amount(required=True, minimum=Decimal("0.01"))
    invested_yuan = Money(required=True)
    total_investment_yuan = Money(required=True, minimum=Decimal("0.01"))


class SuspendedDetails(Details):
    since = Day(required=True)
    reason = Text(500)


class ReasonDetails(Details):
    reason = Text(500)


class RegistrationDetails(Details):
    application_no = Text(120, metadata={"description": "受理编号"})


class FundsDetails(Details):
    amount_yuan = Money(minimum=Decimal("0.01"))


class NoteDetails(Schema):
    """A note says what the clerk writes: the one record whose details are free-form (bounded
    by ``FreeJSON``)."""

    class Meta:
        unknown = INCLUDE


# Every kind the records endpoint accepts has its schema (a test holds this list to
# ``RECORD_KINDS``).
RECORD_DETAIL_SCHEMAS: dict[str, type[Schema]] = {
    **{kind: Details for kind in (
        "pre_announcement", "status_survey", "risk_assessment", "plan_announcement",
        "objection_majority", "hearing", "compensation_registration", "agreements_signed",
        "idle_notice", "idle_investigation", "idle_hearing", "clock_resumed")},
    "funds_in_place": FundsDetails,
    "payment": PaymentDetails, "idle_disposal": IdleDisposalDetails,
    "construction_progress": ProgressDetails, "construction_suspended": SuspendedDetails,
    "inspection_failed": ReasonDetails, "clock_stopped": ReasonDetails,
    "registration_accepted": RegistrationDetails, "note": NoteDetails,
}


def _flat(messages: Any, prefix: str) -> dict[str, Any]:
    """Nested marshmallow messages as ``{"details.<field>": [...]}``."""
    if not isinstance(messages, dict):
        return {prefix: messages}
    out: dict[str, Any] = {}
    for key, value in messages.items():
        name = prefix if key == "_schema" else f"{prefix}.{key}"
        if isinstance(value, dict):
            out.update(_flat(value, name))
        else:
            out[name] = value
    return out


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
        schema = RECORD_DETAIL_SCHEMAS[data["kind"]]
        try:
            data["details"] = dict(schema().load(data["details"]))
        except ValidationError as exc:
            raise ValidationError(_flat(exc.messages, "details")) from exc
        return data
