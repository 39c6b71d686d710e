"""What each transition body accepts, one schema per step of the lifecycle.

The service receives payloads already loaded by these schemas (the API parses with them, and so
do the command line and the demo). Cross-field facts of the payload itself (dates in order within
one body) are checked here; facts that need the parcel or the ledgers are rules.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from workflow.payloads.fields import (
    AUTHORITIES,
    IDLE_CAUSES,
    MAJOR_PROJECT_CATEGORIES,
    PLANNED_USES,
    SUPPLY_METHODS,
    Amount,
    Base,
    Day,
    FreeJSON,
    Id,
    Int,
    Money,
    Strict,
    Text,
    load,
)
from workflow.payloads.survey import GEOMETRY_BOUNDS, _check_geometry


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
    quota_account_id = Id()
    farmland_credit_ids = fields.List(Id(), validate=validate.Length(max=100))
    land_ticket_ids = fields.List(Id(), validate=validate.Length(max=100))


class RejectSchema(Base):
    reason = Text(500, required=True)


class WithdrawSchema(Base):
    reason = Text(500, load_default=None)


class ExpropriateSchema(Base):
    announced_on = Day(required=True, metadata={"description": "征收土地公告 date"})
    compensation_paid = fields.Boolean(required=True)


class SupplySchema(Base):
    method = fields.String(required=True, validate=validate.OneOf(SUPPLY_METHODS))
    price_yuan = Money(required=True)
    term_years = Int(validate=validate.Range(min=1, max=99), load_default=None)
    signed_on = Day(required=True)
    agreed_start_date = Day(required=True)
    agreed_completion_date = Day(required=True)
    land_user = Text(200, required=True)
    area_m2 = Amount(load_default=None)
    intending_users = Int(validate=validate.Range(min=1, max=10000), load_default=1)


class LapseSchema(Base):
    reason = Text(500, load_default=None)


class HandOverSchema(Base):
    note = Text(500, load_default=None)


class StartConstructionSchema(Base):
    permit_no = Text(64, required=True, metadata={"description": "施工许可证 number"})


class InspectSchema(Base):
    actual_area_m2 = Amount(metadata={
        "description": "Required without actual_geometry; computed from it otherwise"})
    within_approved_boundary = fields.Boolean(metadata={
        "description": "Required without actual_geometry; computed from it otherwise"})
    planning_verified = fields.Boolean(required=True)
    actual_geometry = FreeJSON(validate=_check_geometry, **GEOMETRY_BOUNDS, metadata={
        "description": "The completion survey's boundary (GeoJSON Polygon or MultiPolygon, "
                       "EPSG:4490); 批甲占乙 and 批少占多 are computed from it"})

    @validates_schema
    def _measured(self, data: dict[str, Any], **_: Any) -> None:
        if "actual_geometry" in data:
            return
        missing = {k: ["缺少实测数据 / required without actual_geometry"]
                   for k in ("actual_area_m2", "within_approved_boundary") if k not in data}
        if missing:
            raise ValidationError(missing)


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


def load_transition(name: str, raw: Any) -> dict[str, Any]:
    return load(TRANSITION_SCHEMAS[name], raw)
