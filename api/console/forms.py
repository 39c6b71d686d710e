"""Forms generated from the payload schemas (``workflow.payloads.transitions``): one control per
field, nested schemas flattened to dotted names, labels Chinese first; and the way back, from a
submitted form to the body the schema loads — so the console and the API judge the same body
with the same schema, and the schema's errors land next to the field that caused them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields, validate

from workflow.payloads.fields import Amount, Day, FreeJSON

# Labels of the payload fields, Chinese first.
LABELS: dict[str, tuple[str, str]] = {
    "effective_date": ("生效日期（实际办理日期）", "Effective date"),
    "planned_use": ("规划用途", "Planned use"),
    "planning_conditions": ("规划条件", "Planning conditions"),
    "plot_ratio_max": ("容积率上限", "Max plot ratio"),
    "building_density_max": ("建筑密度上限（%）", "Max building density (%)"),
    "green_ratio_min": ("绿地率下限（%）", "Min green ratio (%)"),
    "height_max_m": ("建筑限高（米）", "Max height (m)"),
    "major_project": ("重大建设项目", "Major project"),
    "category": ("类别", "Category"),
    "name": ("名称", "Name"),
    "approval_ref": ("批准文号", "Approval reference"),
    "red_line_activity": ("生态保护红线内允许的有限人为活动", "Activity allowed in the red line"),
    "determination_ref": ("认定意见文号", "Determination reference"),
    "in_village_plan": ("位于已批准的村庄规划内", "Inside an approved village plan"),
    "approval_no": ("批准文号", "Approval number"),
    "authority": ("批准机关", "Approving authority"),
    "quota_account_id": ("计划指标账户编号", "Quota account id"),
    "farmland_credit_ids": ("补充耕地指标编号（逗号分隔）",
                            "Farmland credit ids (comma separated)"),
    "land_ticket_ids": ("地票编号（逗号分隔）", "Land ticket ids (comma separated)"),
    "reason": ("理由", "Reason"),
    "announced_on": ("征收土地公告日期", "Announced on"),
    "compensation_paid": ("征地补偿已足额支付", "Compensation paid"),
    "method": ("供地方式", "Supply method"),
    "price_yuan": ("出让价款（元）", "Land price (yuan)"),
    "term_years": ("使用年限（年）", "Term (years)"),
    "signed_on": ("合同签订日期", "Contract signed on"),
    "agreed_start_date": ("约定动工日期", "Agreed start date"),
    "agreed_completion_date": ("约定竣工日期", "Agreed completion date"),
    "land_user": ("土地使用者", "Land user"),
    "area_m2": ("供地面积（平方米）", "Area supplied (m²)"),
    "intending_users": ("意向用地者数量", "Intending users"),
    "note": ("备注", "Note"),
    "permit_no": ("施工许可证号", "Construction permit no."),
    "actual_area_m2": ("实测用地面积（平方米）", "Actual area (m²)"),
    "within_approved_boundary": ("在批准范围内建设", "Built within the approved boundary"),
    "planning_verified": ("规划核实已通过", "Planning verified"),
    "actual_geometry": ("实测范围（GeoJSON）", "Actual boundary (GeoJSON)"),
    "right_holder": ("权利人", "Right holder"),
    "cause": ("闲置原因", "Cause"),
    "determination_no": ("闲置土地认定书编号", "Determination number"),
    "decision_no": ("收回决定书编号", "Decision number"),
    "with_compensation": ("协议有偿收回", "Recovery with compensation"),
    "agreement_ref": ("协议文号", "Agreement reference"),
}

CHOICE_LABELS: dict[str, tuple[str, str]] = {
    "residential": ("住宅", "residential"), "commodity_housing": ("商品住宅", "commodity housing"),
    "affordable_housing": ("保障性住房", "affordable housing"),
    "commercial": ("商业", "commercial"), "industrial": ("工业", "industrial"),
    "tourism": ("旅游", "tourism"), "entertainment": ("娱乐", "entertainment"),
    "public_service": ("公共管理与公共服务", "public service"),
    "infrastructure": ("基础设施", "infrastructure"), "education": ("教育", "education"),
    "science": ("科研", "science"), "culture": ("文化", "culture"),
    "health": ("医疗卫生", "health"),
    "sports": ("体育", "sports"), "government": ("机关团体", "government"),
    "military": ("军事", "military"), "energy": ("能源", "energy"),
    "transport": ("交通", "transport"), "water": ("水利", "water"), "mining": ("采矿", "mining"),
    "comprehensive": ("综合", "comprehensive"), "other": ("其他", "other"),
    "allocation": ("划拨", "allocation"), "tender": ("招标", "tender"),
    "auction": ("拍卖", "auction"), "listing": ("挂牌", "listing"),
    "agreement": ("协议", "agreement"), "lease": ("租赁", "lease"),
    "chongqing": ("重庆市人民政府", "Chongqing"), "state_council": ("国务院", "State Council"),
    "force_majeure": ("不可抗力", "force majeure"),
    "central_decision": ("党中央、国务院明确支持", "central decision"),
    "state_recognised": ("国家认定的重大项目", "state recognised"),
    "true": ("是", "yes"), "false": ("否", "no"),
}

# Where one value means different things in different fields.
FIELD_CHOICE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "cause": {"user": ("土地使用者原因", "the user"),
              "government": ("政府原因", "the government")},
}

SKIPPED = ("expected_version",)


@dataclass
class Control:
    name: str  # dotted for nested fields
    kind: str  # text, number, date, select, boolean, ids, json
    label: tuple[str, str]
    required: bool
    choices: list[tuple[str, tuple[str, str]]] = field(default_factory=list)
    hint: str | None = None
    group: tuple[str, str] | None = None

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")


def controls(schema: type[Schema], prefix: str = "", group: tuple[str, str] | None = None
             ) -> list[Control]:
    """The controls of ``schema``'s fields, nested schemas flattened."""
    out: list[Control] = []
    for name, f in schema().fields.items():
        if name in SKIPPED:
            continue
        dotted = prefix + name
        label = LABELS.get(name, (name, name))
        if isinstance(f, fields.Nested):
            nested = f.nested if isinstance(f.nested, type) else type(f.nested)
            out.extend(controls(nested, dotted + ".", label))  # type: ignore[arg-type]
            continue
        hint = (f.metadata or {}).get("description")
        c = Control(dotted, _kind(f), label, bool(f.required), hint=hint, group=group)
        if c.kind == "select":
            own = FIELD_CHOICE_LABELS.get(name, {})
            c.choices = [(v, own.get(v) or CHOICE_LABELS.get(v, (v, v))) for v in _one_of(f)]
        out.append(c)
    return out


def _one_of(f: fields.Field) -> list[str]:
    for v in f.validators:
        if isinstance(v, validate.OneOf):
            return [str(c) for c in v.choices]
    return []


def _kind(f: fields.Field) -> str:
    if isinstance(f, Day):
        return "date"
    if isinstance(f, FreeJSON):
        return "json"
    if isinstance(f, fields.Boolean):
        return "boolean"
    if isinstance(f, fields.List):
        return "ids"
    if isinstance(f, (Amount, fields.Integer)):
        return "number"
    if isinstance(f, fields.String) and _one_of(f):
        return "select"
    return "text"


def body_from_form(schema: type[Schema], form: Any) -> dict[str, Any]:
    """The JSON body a form stands for: empty controls are left out (the schema then applies
    its defaults and says which required ones are missing); nested groups left wholly empty
    are left out too."""
    body: dict[str, Any] = {}
    for c in controls(schema):
        raw = form.get(c.name, "")
        if raw is None or str(raw).strip() == "":
            continue
        raw = str(raw).strip()
        value: Any = raw
        if c.kind == "boolean":
            value = {"true": True, "false": False}.get(raw, raw)
        elif c.kind == "ids":
            parts = [p for p in raw.replace("，", ",").replace(" ", ",").split(",") if p]
            value = [int(p) if p.isdigit() else p for p in parts]
        elif c.kind == "json":
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw
        elif c.kind == "number" and _is_integer_field(schema, c.name):
            value = int(raw) if raw.isdigit() else raw
        target = body
        *parents, leaf = c.name.split(".")
        for p in parents:
            target = target.setdefault(p, {})
        target[leaf] = value
    return body


def _is_integer_field(schema: type[Schema], dotted: str) -> bool:
    s: Any = schema()
    *parents, leaf = dotted.split(".")
    for p in parents:
        nested = s.fields[p].nested
        s = nested() if isinstance(nested, type) else nested
    return isinstance(s.fields[leaf], fields.Integer)


def flat_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """A schema's nested error messages keyed by the dotted control names."""
    out: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for k, v in errors.items():
            key = f"{prefix}{k}"
            if isinstance(v, dict):
                out.update(flat_errors(v, key + "."))
            else:
                out[key] = [str(m) for m in (v if isinstance(v, list) else [v])]
    elif errors:
        out[prefix.rstrip(".") or "_schema"] = [str(errors)]
    return out


def form_values(body: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """A body flattened back to the controls' values (to refill a form)."""
    out: dict[str, str] = {}
    for k, v in body.items():
        key = prefix + k
        if isinstance(v, dict) and k != "actual_geometry":
            out.update(form_values(v, key + "."))
        elif isinstance(v, bool):
            out[key] = "true" if v else "false"
        elif isinstance(v, list):
            out[key] = ", ".join(str(x) for x in v)
        elif isinstance(v, dict):
            out[key] = json.dumps(v, ensure_ascii=False)
        elif v is not None:
            out[key] = str(v)
    return out


RECORD_LABELS: dict[str, tuple[str, str]] = {
    "pre_announcement": ("征收土地预公告", "pre-announcement"),
    "status_survey": ("土地现状调查", "status survey"),
    "risk_assessment": ("社会稳定风险评估", "social-stability risk assessment"),
    "plan_announcement": ("征地补偿安置方案公告", "compensation plan announced"),
    "objection_majority": ("多数被征地农民有异议", "a majority objects"),
    "hearing": ("听证", "hearing"),
    "compensation_registration": ("补偿登记", "compensation registration"),
    "funds_in_place": ("征地补偿费用足额到位", "funds in place"),
    "agreements_signed": ("签订征地补偿安置协议", "agreements signed"),
    "payment": ("缴款", "payment"),
    "idle_notice": ("闲置土地调查通知书", "idle-land notice"),
    "idle_investigation": ("闲置土地调查", "idle-land investigation"),
    "idle_hearing": ("闲置土地听证", "idle-land hearing"),
    "idle_disposal": ("闲置土地处置方案", "idle-land disposal"),
    "inspection_failed": ("核验未通过", "inspection failed"),
    "construction_progress": ("开发建设进度", "construction progress"),
    "construction_suspended": ("停工", "construction suspended"),
    "registration_accepted": ("不动产登记受理", "registration accepted"),
    "clock_stopped": ("时限中止", "clock stopped"),
    "clock_resumed": ("时限恢复", "clock resumed"),
    "note": ("备注", "note"),
}


def record_body(form: Any) -> dict[str, Any]:
    """The body of a record from its form: kind, date, and details — a payment's amount and
    purpose, a note, or (for the kinds with more) the details as JSON."""
    body: dict[str, Any] = {}
    for key in ("kind", "date"):
        value = str(form.get(key, "")).strip()
        if value:
            body[key] = value
    details: Any = {}
    raw = str(form.get("details", "")).strip()
    if raw:
        try:
            details = json.loads(raw)
        except ValueError:
            details = raw
    if isinstance(details, dict):
        for key in ("amount_yuan", "purpose", "note"):
            value = str(form.get(key, "")).strip()
            if value:
                details[key] = value
    if details:
        body["details"] = details
    return body
