"""The field types and vocabularies every payload shares: decimal amounts, bounded dates, strict
integers, bounded text and free JSON, strict schemas, the enumerations of the contract, and
``load``, which turns a marshmallow error into a ``ValidationFailed`` naming every bad field."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from workflow import law
from workflow.errors import ValidationFailed
from workflow.payloads.jsonsafe import json_problems

MAX_AREA = Decimal("100000000000.00")
CENT = Decimal("0.01")
# ASCII digits only: Python's \d and Decimal() also take full-width and other scripts' digits.
_PLAIN_AMOUNT = re.compile(r"^[0-9]{1,15}(\.[0-9]{1,2})?$")  # 10^11 m² — larger than any county
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$")
MAX_MONEY = Decimal("1000000000000000.00")  # 10^15 yuan
# Row ids are 32-bit integer columns.
MAX_ID = 2**31 - 1


class Amount(fields.Decimal):
    """A non-negative decimal with at most two places. Documented as a decimal string
    ("12000.50", the contract's form); a JSON number is accepted too."""

    def __init__(self, *, minimum: Decimal = Decimal("0"), maximum: Decimal = MAX_AREA,
                 **kwargs: Any) -> None:
        self.minimum, self.maximum = minimum, maximum
        metadata = {"type": "string", "pattern": r"^[0-9]{1,15}(\.[0-9]{1,2})?$",
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
        if isinstance(value, str) and (len(value) > 40 or not _NUMBER.match(value)):
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


# Characters that make a name or number read differently from what is stored: C0 and C1
# controls, bidirectional embeddings, overrides, isolates and marks, zero-width characters and
# the byte-order mark; and lone surrogates, which cannot be stored at all.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                      "\u2066-\u2069\ufeff\ud800-\udfff]")


def _no_control_characters(value: str) -> None:
    if CONTROL_CHARACTERS.search(value):
        raise ValidationError("不得包含控制字符、方向控制符或零宽字符 / must not contain control, "
                              "bidirectional or zero-width characters")


def Text(max_length: int = 200, **kwargs: Any) -> fields.String:  # noqa: N802
    return fields.String(
        validate=[validate.Length(min=1, max=max_length), _no_control_characters], **kwargs
    )


def Int(**kwargs: Any) -> fields.Integer:  # noqa: N802
    """An integer given as a JSON integer: not 5.5, 5.0, "5" or true."""
    return fields.Integer(strict=True, **kwargs)


def Id(**kwargs: Any) -> fields.Integer:  # noqa: N802
    return Int(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def date_window() -> tuple[date, date]:
    """The dates the system accepts (``workflow.law``: dates.earliest, dates.latest)."""
    return law.value("dates.earliest"), law.value("dates.latest")


def check_day(day: date) -> None:
    earliest, latest = date_window()
    if not earliest <= day <= latest:
        raise ValidationError(f"须在 {earliest} 与 {latest} 之间 / must be between {earliest} "
                              f"and {latest}")


class Day(fields.Date):
    """A date written YYYY-MM-DD inside the window the system accepts. Every date that comes in
    is one of these: the calendar arithmetic behind a date (working days, anniversaries, the
    auditors' cohorts) is then bounded, and never reaches year 1 or 10000."""

    default_error_messages = {
        "invalid": "须为 YYYY-MM-DD 格式的日期 / not a valid date (YYYY-MM-DD)",
        "format": "须为 YYYY-MM-DD 格式的日期 / not a valid date (YYYY-MM-DD)",
    }

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> date:
        if isinstance(value, datetime) or not isinstance(value, (str, date)):
            raise self.make_error("invalid")
        if isinstance(value, str) and not _ISO_DAY.match(value):
            raise self.make_error("invalid")
        day = super()._deserialize(value, attr, data, **kwargs)
        check_day(day)
        return day


def parse_day(text: str, name: str) -> date:
    """A date from outside any payload (a command-line option), held to the same form and
    window; ``ValidationFailed`` naming ``name`` otherwise."""
    try:
        return Day().deserialize(text)  # type: ignore[no-any-return]
    except ValidationError as exc:
        raise ValidationFailed({name: exc.messages}) from exc


class FreeJSON(fields.Dict):
    """A JSON object the contract does not shape (record details, GeoJSON): bounded in depth
    and size, its numbers finite and its text storable, whoever built it."""

    def __init__(self, *, max_depth: int = 8, max_nodes: int = 2000, **kwargs: Any) -> None:
        self.max_depth, self.max_nodes = max_depth, max_nodes
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict[str, Any]:
        if isinstance(value, dict):  # before the copy below, which would drop repeated keys
            problems = json_problems(value, max_depth=self.max_depth, max_nodes=self.max_nodes)
            if problems:
                raise ValidationError(problems)
        return super()._deserialize(value, attr, data, **kwargs)  # type: ignore[no-any-return]


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
    effective_date = Day(
        metadata={"description": "The real-world date of the step (YYYY-MM-DD); default today"})
    expected_version = Int(
        validate=validate.Range(min=1, max=MAX_ID),
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

