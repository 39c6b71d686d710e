"""What each step accepts: marshmallow schemas for the survey, every transition body and records.

The service receives payloads already loaded by these schemas (the API parses with them, and so
do the command line and the demo through ``load``). Cross-field facts of the payload itself
(paddy within farmland, dates in order within one body) are checked here; facts that need the
parcel or the ledgers are rules.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from .errors import ValidationFailed

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


# --- survey -----------------------------------------------------------------------------------


def survey_problems(land: dict[str, Any], lines: dict[str, Any]
                    ) -> list[tuple[tuple[str, ...], str]]:
    """The facts a survey must be consistent in, whichever form it came in (the API's nested
    body or an import row): (field path, message) for each problem."""
    zero = Decimal(0)
    found: list[tuple[tuple[str, ...], str]] = []
    farmland = land.get("farmland_m2") or zero
    if (land.get("paddy_m2") or zero) > farmland:
        found.append((("land", "paddy_m2"),
                      "水田面积不得大于耕地面积 / paddy_m2 must not exceed farmland_m2"))
    if farmland > 0 and land.get("farmland_grade") is None:
        found.append((("land", "farmland_grade"),
                      "有耕地时须填写耕地质量等别 / farmland_grade is required when there is "
                      "farmland"))
    total = sum((land.get(k) or zero for k in
                 ("farmland_m2", "other_agricultural_m2", "unused_m2", "construction_m2")), zero)
    if total <= 0:
        found.append((("land",), "地块总面积须大于零 / the parcel's total area must be positive"))
    if (lines.get("basic_farmland_m2") or zero) > farmland:
        found.append((("control_lines",), "永久基本农田不得大于耕地面积 / basic_farmland_m2 "
                                          "must not exceed farmland_m2"))
    if (lines.get("red_line_m2") or zero) > total:
        found.append((("control_lines",), "生态保护红线面积不得大于地块面积 / red_line_m2 must "
                                          "not exceed the parcel's area"))
    return found


def _nest(problems: list[tuple[tuple[str, ...], str]]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for path, message in problems:
        if len(path) == 1:
            slot = errors.setdefault(path[0], [])
            (slot if isinstance(slot, list) else slot.setdefault("_schema", [])).append(message)
        else:
            sub = errors.setdefault(path[0], {})
            if isinstance(sub, list):
                sub = errors[path[0]] = {"_schema": sub}
            sub.setdefault(path[1], []).append(message)
    return errors


class LandSchema(Strict):
    farmland_m2 = Amount(load_default=Decimal("0.00"), metadata={"description": "耕地"})
    paddy_m2 = Amount(load_default=Decimal("0.00"), metadata={"description": "水田 (part of 耕地)"})
    farmland_grade = fields.Integer(
        validate=validate.Range(min=1, max=15), allow_none=True,
        metadata={"description": "耕地质量等别 1 (best) … 15"})
    other_agricultural_m2 = Amount(load_default=Decimal("0.00"))
    unused_m2 = Amount(load_default=Decimal("0.00"))
    construction_m2 = Amount(load_default=Decimal("0.00"))


class ControlLinesSchema(Strict):
    basic_farmland_m2 = Amount(load_default=Decimal("0.00"),
                               metadata={"description": "永久基本农田 (part of 耕地)"})
    red_line_m2 = Amount(load_default=Decimal("0.00"), metadata={"description": "生态保护红线"})
    in_development_boundary = fields.Boolean(load_default=True,
                                             metadata={"description": "城镇开发边界内"})


_GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                   "MultiPolygon", "GeometryCollection")


def _check_geometry(value: dict[str, Any]) -> None:
    kind = value.get("type")
    if kind not in _GEOMETRY_TYPES:
        raise ValidationError(f"GeoJSON geometry type must be one of {', '.join(_GEOMETRY_TYPES)}")
    if kind == "GeometryCollection":
        if not isinstance(value.get("geometries"), list):
            raise ValidationError("GeometryCollection needs 'geometries'")
    elif not isinstance(value.get("coordinates"), list):
        raise ValidationError("GeoJSON geometry needs a 'coordinates' array")


class SurveySchema(Strict):
    code = Text(64, required=True, metadata={"description": "Parcel code, unique"})
    effective_date = fields.Date(metadata={"description": "Survey date; default today"})
    township = Text(40, required=True,
                    metadata={"description": "Township name (e.g. 南宾街道) or code"})
    ownership = fields.String(required=True, validate=validate.OneOf(OWNERSHIPS))
    land = fields.Nested(LandSchema, required=True)
    control_lines = fields.Nested(ControlLinesSchema, load_default=None)
    geometry = fields.Dict(load_default=None, validate=_check_geometry,
                           metadata={"description": "Optional GeoJSON geometry"})

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        if "land" not in data:
            return  # reported as missing already
        problems = survey_problems(data["land"], data.get("control_lines") or {})
        if problems:
            raise ValidationError(_nest(problems))


# --- transitions --------------------------------------------------------------------------------


class PlanningConditionsSchema(Strict):
    plot_ratio_max = Amount(required=True, minimum=Decimal("0.01"), maximum=Decimal("100"),
                            metadata={"description": "容积率上限"})
    building_density_max = Amount(required=True, maximum=Decimal("100"),
                                  metadata={"description": "建筑密度上限 (%)"})
    green_ratio_min = Amount(required=True, maximum=Decimal("100"),
                             metadata={"description": "绿地率下限 (%)"})
    height_max_m = Amount(required=True, maximum=Decimal("1000"),
                          metadata={"description": "建筑限高 (m)"})


class MajorProjectSchema(Strict):
    category = fields.String(required=True, validate=validate.OneOf(MAJOR_PROJECT_CATEGORIES),
                             metadata={"description": "自然资规〔2018〕3号 major-project category"})
    name = Text(200, required=True)
    approval_ref = Text(120, required=True,
                        metadata={"description": "State Council (or entrusted) approval reference"})


class RedLineActivitySchema(Strict):
    category = Text(80, required=True,
                    metadata={"description": "Allowed limited activity (自然资发〔2022〕142号)"})
    determination_ref = Text(120, required=True, metadata={"description": "认定意见 reference"})


class PlanSchema(Base):
    planned_use = fields.String(required=True, validate=validate.OneOf(PLANNED_USES))
    planning_conditions = fields.Nested(PlanningConditionsSchema, required=True)
    major_project = fields.Nested(MajorProjectSchema, load_default=None)
    red_line_activity = fields.Nested(RedLineActivitySchema, load_default=None)
    in_village_plan = fields.Boolean(
        load_default=False,
        metadata={"description": "Outside the urban development boundary but inside an approved "
                                 "village plan (村庄规划)"})


class ApproveSchema(Base):
    approval_no = Text(64, required=True, metadata={"description": "Approval document number"})
    authority = fields.String(load_default="chongqing", validate=validate.OneOf(AUTHORITIES))
    quota_account_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    farmland_credit_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)),
        validate=validate.Length(max=100))
    land_ticket_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)),
        validate=validate.Length(max=100))


class RejectSchema(Base):
    reason = Text(500, required=True)


class WithdrawSchema(Base):
    reason = Text(500, load_default=None)


class ExpropriateSchema(Base):
    announced_on = fields.Date(required=True, metadata={"description": "征收土地公告 date"})
    compensation_paid = fields.Boolean(required=True)


class SupplySchema(Base):
    method = fields.String(required=True, validate=validate.OneOf(SUPPLY_METHODS))
    price_yuan = Money(required=True)
    term_years = fields.Integer(validate=validate.Range(min=1, max=99), load_default=None)
    signed_on = fields.Date(required=True)
    agreed_start_date = fields.Date(required=True)
    agreed_completion_date = fields.Date(required=True)
    land_user = Text(200, required=True)
    area_m2 = Amount(load_default=None)
    intending_users = fields.Integer(validate=validate.Range(min=1, max=10000), load_default=1)


class LapseSchema(Base):
    reason = Text(500, load_default=None)


class HandOverSchema(Base):
    note = Text(500, load_default=None)


class StartConstructionSchema(Base):
    permit_no = Text(64, required=True, metadata={"description": "施工许可证 number"})


class InspectSchema(Base):
    actual_area_m2 = Amount(required=True)
    within_approved_boundary = fields.Boolean(required=True)
    planning_verified = fields.Boolean(required=True)


class RegisterSchema(Base):
    right_holder = Text(200, load_default=None)


class DeclareIdleSchema(Base):
    cause = fields.String(required=True, validate=validate.OneOf(IDLE_CAUSES))
    determination_no = Text(64, required=True, metadata={"description": "闲置土地认定书 number"})


class ResumeSchema(Base):
    note = Text(500, load_default=None)


class RecoverSchema(Base):
    decision_no = Text(64, required=True, metadata={"description": "收回决定书 number"})
    with_compensation = fields.Boolean(
        load_default=False,
        metadata={"description": "Recovery by agreement with compensation (协议有偿收回)"})
    agreement_ref = Text(120, load_default=None)


TRANSITION_SCHEMAS: dict[str, type[Schema]] = {
    "plan": PlanSchema,
    "approve": ApproveSchema,
    "reject": RejectSchema,
    "withdraw": WithdrawSchema,
    "expropriate": ExpropriateSchema,
    "supply": SupplySchema,
    "lapse": LapseSchema,
    "hand_over": HandOverSchema,
    "start_construction": StartConstructionSchema,
    "inspect": InspectSchema,
    "register": RegisterSchema,
    "declare_idle": DeclareIdleSchema,
    "resume": ResumeSchema,
    "recover": RecoverSchema,
}


# --- records ------------------------------------------------------------------------------------


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
    new_agreed_start_date = fields.Date(load_default=None)
    new_agreed_completion_date = fields.Date(load_default=None)
    temp_use_start = fields.Date(load_default=None)
    temp_use_end = fields.Date(load_default=None)


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

    since = fields.Date(required=True)


RECORD_DETAIL_SCHEMAS: dict[str, type[Schema]] = {
    "payment": PaymentDetails, "idle_disposal": IdleDisposalDetails,
    "construction_progress": ProgressDetails, "construction_suspended": SuspendedDetails,
}


class RecordSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(RECORD_KINDS))
    date = fields.Date(required=True)
    details = fields.Dict(load_default=dict)

    @post_load
    def _details(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        schema = RECORD_DETAIL_SCHEMAS.get(data["kind"])
        if schema is not None:
            try:
                data["details"] = {**data["details"], **schema().load(data["details"])}
            except ValidationError as exc:
                raise ValidationError({"details": exc.messages}) from exc
        return data


# --- helpers ------------------------------------------------------------------------------------


def load(schema: type[Schema] | Schema, raw: Any) -> dict[str, Any]:
    """Load ``raw`` with ``schema`` or raise ``ValidationFailed`` naming every bad field."""
    instance = schema() if isinstance(schema, type) else schema
    if not isinstance(raw, dict):
        raise ValidationFailed({"_schema": ["请求体须为 JSON 对象 / body must be a JSON object"]})
    try:
        return dict(instance.load(raw))
    except ValidationError as exc:
        raise ValidationFailed(exc.normalized_messages()) from exc


def load_transition(name: str, raw: Any) -> dict[str, Any]:
    return load(TRANSITION_SCHEMAS[name], raw)


# --- ledgers ------------------------------------------------------------------------------------


class QuotaAccountSchema(Strict):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    allocated_m2 = Amount(required=True, metadata={"description": "Initial allocation"})
    name = Text(120, load_default=None)
    category = fields.String(load_default="general",
                             validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$"))
    county_code = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))
    document_no = Text(120, load_default=None,
                       metadata={"description": "The plan notice that allocated it"})
    effective_date = fields.Date(load_default=None)


class AllocationSchema(Strict):
    amount_m2 = Amount(required=True, minimum=Decimal("0.01"))
    document_no = Text(120, required=True)
    effective_date = fields.Date(load_default=None)


class TransferSchema(Strict):
    from_account_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    to_account_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    amount_m2 = Amount(required=True, minimum=Decimal("0.01"))
    document_no = Text(120, required=True)
    effective_date = fields.Date(load_default=None)


CREDIT_SOURCES = ("consolidation", "reclamation", "land_ticket", "purchase")


class FarmlandCreditSchema(Strict):
    source = fields.String(required=True, validate=validate.OneOf(CREDIT_SOURCES))
    project_no = Text(120, required=True)
    area_m2 = Amount(required=True, minimum=Decimal("0.01"))
    paddy_m2 = Amount(load_default=Decimal("0.00"))
    grade = fields.Integer(required=True, validate=validate.Range(min=1, max=15))
    accepted_on = fields.Date(required=True)
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
    grade = fields.Integer(required=True, validate=validate.Range(min=1, max=15))
    acceptance_ref = Text(120, required=True)
    accepted_on = fields.Date(required=True)
    trade_price_yuan = Money(required=True)
    reclamation_cost_yuan = Money(load_default=Decimal("0.00"))
    buyer = Text(200, required=True)
    traded_on = fields.Date(required=True)
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


# --- portal, webhooks, certificates -------------------------------------------------------------


def _check_applicant(data: dict[str, Any]) -> None:
    from .identity import valid_id_number, valid_uscc

    id_no = data.get("id_no", "")
    if data.get("type") == "organisation" and not valid_uscc(id_no):
        raise ValidationError("统一社会信用代码校验不通过 / invalid unified social credit code",
                              "id_no")
    if data.get("type") == "person" and not valid_id_number(id_no):
        raise ValidationError("公民身份号码校验不通过 / invalid citizen identity number", "id_no")


class ApplicantSchema(Strict):
    type = fields.String(required=True, validate=validate.OneOf(("organisation", "person")))
    name = Text(200, required=True)
    id_no = fields.String(required=True, validate=validate.Length(equal=18),
                          metadata={"description": "统一社会信用代码 (organisation) or "
                                                   "公民身份号码 (person), checksum verified"})

    @validates_schema
    def _checksum(self, data: dict[str, Any], **_: Any) -> None:
        _check_applicant(data)

    @post_load
    def _upper(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["id_no"] = data["id_no"].upper()
        return data


class PortalParcelSchema(SurveySchema):
    code = Text(64, load_default=None,
                metadata={"description": "Parcel code; default YKB-<portal_no>"})


class ApplicationSchema(Strict):
    portal_no = fields.String(required=True, validate=[
        validate.Length(min=1, max=64), validate.Regexp(r"^[A-Za-z0-9\-_.]+$")],
        metadata={"description": "The portal's own application number (idempotency key)"})
    item_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    applicant = fields.Nested(ApplicantSchema, required=True)
    parcel = fields.Nested(PortalParcelSchema, required=True)

    @post_load
    def _code(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if not data["parcel"].get("code"):
            data["parcel"]["code"] = f"YKB-{data['portal_no']}"
        return data


class AllowedHostSchema(Strict):
    host = fields.String(required=True, validate=[
        validate.Length(min=1, max=253),
        validate.Regexp(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)*"
                        r"[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?$")])


class SubscriptionSchema(Strict):
    url = fields.String(required=True, validate=validate.Length(min=8, max=2000))
    event_types = fields.List(fields.String(validate=validate.Regexp(r"^(\*|[a-z_.]{1,40})$")),
                              load_default=lambda: ["*"], validate=validate.Length(max=20),
                              metadata={"description": "Type prefixes, e.g. transition., "
                                                       "certificate.; * for all"})
    secret = fields.String(load_default=None, validate=validate.Length(min=16, max=128))
    from_seq = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**62))


class RevokeSchema(Strict):
    date = fields.Date(required=True)
    reason = Text(300, required=True)


# --- bulk import of surveyed parcels -------------------------------------------------------------

IMPORT_COLUMNS = ("code", "township", "ownership", "effective_date", "farmland_m2", "paddy_m2",
                  "farmland_grade", "other_agricultural_m2", "unused_m2", "construction_m2",
                  "basic_farmland_m2", "red_line_m2", "in_development_boundary", "geometry")
LAND_FIELDS = ("farmland_m2", "paddy_m2", "farmland_grade", "other_agricultural_m2",
               "unused_m2", "construction_m2")
LINE_FIELDS = ("basic_farmland_m2", "red_line_m2", "in_development_boundary")


class ImportRowSchema(Strict):
    """One surveyed parcel as a flat row (a CSV line, or a GeoJSON feature's properties)."""

    code = Text(64, required=True)
    township = Text(40, required=True)
    ownership = fields.String(required=True, validate=validate.OneOf(OWNERSHIPS))
    effective_date = fields.Date(load_default=None)
    farmland_m2 = Amount(load_default=Decimal("0.00"))
    paddy_m2 = Amount(load_default=Decimal("0.00"))
    farmland_grade = fields.Integer(validate=validate.Range(min=1, max=15), load_default=None,
                                    allow_none=True)
    other_agricultural_m2 = Amount(load_default=Decimal("0.00"))
    unused_m2 = Amount(load_default=Decimal("0.00"))
    construction_m2 = Amount(load_default=Decimal("0.00"))
    basic_farmland_m2 = Amount(load_default=Decimal("0.00"))
    red_line_m2 = Amount(load_default=Decimal("0.00"))
    in_development_boundary = fields.Boolean(load_default=True)
    geometry = fields.Dict(load_default=None, allow_none=True, validate=_check_geometry)


def survey_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """A loaded import row in the survey's own shape (the API's body), checked the same way."""
    survey = {
        "code": row["code"], "township": row["township"], "ownership": row["ownership"],
        "effective_date": row["effective_date"],
        "land": {k: row[k] for k in LAND_FIELDS},
        "control_lines": {k: row[k] for k in LINE_FIELDS},
        "geometry": row["geometry"],
    }
    problems = survey_problems(survey["land"], survey["control_lines"])
    if problems:
        raise ValidationError({".".join(path[-1:]): [msg] for path, msg in problems})
    return survey
