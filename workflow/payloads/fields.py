"""The field types and vocabularies every payload shares: decimal amounts, bounded text, strict
schemas, the enumerations of the contract, and ``load``, which turns a marshmallow error into a
``ValidationFailed`` naming every bad field."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from workflow.errors import ValidationFailed

MAX_AREA = Decimal("100000000000.00")
CENT = Decimal("0.01")
_PLAIN_AMOUNT = re.compile(r"^\d{1,15}(\.\d{1,2})?$")  # 10^11 m² — larger than any county
MAX_MONEY = Decimal("1000000000000000.00")  # 10^15 yuan


class Amount(fields.Decimal):
    """A non-negative decimal with at most two places. Documented as a decimal string
    ("12000.50", the contract's form); a JSON number is accepted too."""

    def __init__(self, *, minimum: Decimal = Decimal("0"), maximum: Decimal = MAX_AREA,
                 **kwargs: Any) -> None:
        self.minimum, self.maximum = minimum, maximum
        metadata = {"type": "string", "pattern": r"^\d{1,15}(\.\d{1,2})?$",
                    "example": "12000.50", **kwargs.pop("metadata", {})}
        super().__init__(places=None, as_string=True, allow_nan=False, metadata=metadata,
                         **kwargs)

    def _validated(self, value: Any) -> Decimal:
        if isinstance(value, str) and _PLAIN_AMOUNT.match(value):
            # The common case, a plain decimal string: nothing to round or reject but range.
            number = Decimal(value)
            if not self.minimum <= number <= self.maximum:
                raise ValidationError(f"须在 {self.minimum} 与 {self.maximum} 之间 / must be "
                                      f"between {self.minimum} and {self.maximum}")
            return number.quantize(CENT)
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, float):
            value = repr(value)
        if isinstance(value, str) and len(value) > 40:
            raise self.make_error("invalid")
        try:
            number = super()._validated(value)
        except (InvalidOperation, ValueError, TypeError) as exc:
            raise self.make_error("invalid") from exc
        if number is None:
            raise self.make_error("invalid")
        if abs(number) > MAX_MONEY:
            raise ValidationError("数值过大 / number too large")
        exponent = number.as_tuple().exponent
        if not isinstance(exponent, int) or exponent < -2:
            raise ValidationError("至多两位小数 / at most two decimal places")
        if not self.minimum <= number <= self.maximum:
            raise ValidationError(f"须在 {self.minimum} 与 {self.maximum} 之间 / must be between "
                                  f"{self.minimum} and {self.maximum}")
        return number.quantize(Decimal("0.01"))

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return str(Decimal(value).quantize(Decimal("0.01")))


def Money(**kwargs: Any) -> Amount:  # noqa: N802 - a field factory reads like a type
    return Amount(maximum=MAX_MONEY, **kwargs)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _no_control_characters(value: str) -> None:
    if _CONTROL.search(value):
        raise ValidationError("不得包含控制字符 / must not contain control characters")


def Text(max_length: int = 200, **kwargs: Any) -> fields.String:  # noqa: N802
    return fields.String(
        validate=[validate.Length(min=1, max=max_length), _no_control_characters], **kwargs
    )


class Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


PLANNED_USES = (
    "residential", "commodity_housing", "affordable_housing", "commercial", "industrial",
    "tourism", "entertainment", "public_service", "infrastructure", "education", "science",
    "culture", "health", "sports", "government", "military", "energy", "transport", "water",
    "mining", "comprehensive", "other",
)
SUPPLY_METHODS = ("allocation", "tender", "auction", "listing", "agreement", "lease")
OWNERSHIPS = ("collective", "state")
AUTHORITIES = ("chongqing", "state_council")
IDLE_CAUSES = ("user", "government", "force_majeure")
MAJOR_PROJECT_CATEGORIES = (
    "central_decision", "military", "transport", "energy", "water", "state_recognised",
)
RECORD_KINDS = (
    "pre_announcement", "status_survey", "risk_assessment", "plan_announcement",
    "objection_majority", "hearing", "compensation_registration", "funds_in_place",
    "agreements_signed", "payment", "idle_notice", "idle_investigation", "idle_hearing",
    "idle_disposal", "inspection_failed", "construction_progress",
    "construction_suspended", "registration_accepted", "clock_stopped", "clock_resumed", "note",
)


class Base(Strict):
    effective_date = fields.Date(
        metadata={"description": "The real-world date of the step (YYYY-MM-DD); default today"})
    expected_version = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "Refuse with VERSION_CONFLICT unless the parcel is at this "
                                 "version"})


def load(schema: type[Schema] | Schema, raw: Any) -> dict[str, Any]:
    """Load ``raw`` with ``schema`` or raise ``ValidationFailed`` naming every bad field."""
    instance = schema() if isinstance(schema, type) else schema
    if not isinstance(raw, dict):
        raise ValidationFailed({"_schema": ["请求体须为 JSON 对象 / body must be a JSON object"]})
    try:
        return dict(instance.load(raw))
    except ValidationError as exc:
        raise ValidationFailed(exc.normalized_messages()) from exc

