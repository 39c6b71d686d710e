"""Every stable error and rule code, with its Chinese message and English fallback.

This is the one place codes are defined; the OpenAPI document lists them from here and
``docs/rules.md`` is generated from here and the rule registry. Templates are filled from the
violation's ``details``; a missing detail leaves the placeholder's name in braces.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    zh: str
    en: str
    kind: str  # "error" or "rule"


_CODES: list[Code] = [
    # Errors of the protocol (not rules of law).
    Code("VALIDATION_ERROR", "请求数据不合法", "The request is invalid", "error"),
    Code("TRANSITION_NOT_ALLOWED", "当前状态“{state}”不能执行“{transition}”",
         "Transition {transition} is not allowed from state {state}", "error"),
    Code("RECORD_NOT_ALLOWED", "当前状态“{state}”不能登记“{kind}”记录；该记录适用于：{states}",
         "A {kind} record does not belong to state {state}; it is filed in: {states}", "error"),
    Code("VERSION_CONFLICT", "案卷已被他人修改（当前版本 {current}，请求版本 {expected}）",
         "The parcel changed meanwhile (version {current}, you sent {expected})", "error"),
    Code("UNAUTHENTICATED", "未登录或令牌无效", "Missing or invalid bearer token", "error"),
    Code("FORBIDDEN", "当前角色无权执行此操作", "Your role may not do this", "error"),
    Code("OUT_OF_SCOPE", "该地块不在您的辖区或权限范围内",
         "This parcel is outside your township or your cases", "error"),
    Code("NOT_FOUND", "未找到{what}", "{what} not found", "error"),
    Code("CONFLICT", "与现有数据冲突：{field}", "Conflicts with existing data: {field}", "error"),
    Code("IDEMPOTENCY_KEY_REUSED", "幂等键已用于不同的请求",
         "This Idempotency-Key was used for a different request", "error"),
    Code("PAYLOAD_TOO_LARGE", "请求体过大（上限 {limit} 字节）",
         "Request body too large (limit {limit} bytes)", "error"),
    Code("METHOD_NOT_ALLOWED", "不支持该请求方法", "Method not allowed", "error"),
    Code("HEADER_TOO_LARGE", "请求头过长（Authorization 上限 {limit} 字符）",
         "Request header too large (Authorization limit {limit} characters)", "error"),
    Code("RATE_LIMITED", "认证或核验失败次数过多，请稍后再试",
         "Too many failed authentications or verifications; try again later", "error"),
    Code("RULE_VIOLATION", "违反审批规则", "Rule violation", "error"),
    Code("INTERNAL_ERROR", "服务器内部错误", "Internal server error", "error"),
    # Documents (workflow.documents).
    Code("DOCUMENT_TYPE_NOT_ALLOWED",
         "文件类型不受支持（按内容识别为 {found}），仅接受 {allowed}",
         "File type not accepted (its content is {found}); accepted: {allowed}", "error"),
    Code("DOCUMENT_TOO_LARGE", "文件过大（上限 {limit} 字节）",
         "File too large (limit {limit} bytes)", "error"),
    Code("DOCUMENT_CORRUPTED", "文件内容与登记的 SHA-256 不符，已拒绝提供",
         "The stored file no longer matches its recorded SHA-256; not served", "error"),
    Code("DOCUMENT_STORE_UNAVAILABLE", "文件存储暂不可用", "The document store is unavailable",
         "error"),
    # Structural rules.
    Code("EFFECTIVE_DATE_IN_FUTURE", "生效日期 {effective_date} 晚于今天 {today}",
         "Effective date {effective_date} is after today {today}", "rule"),
    Code("EFFECTIVE_DATE_BEFORE_LAST_EVENT",
         "生效日期 {effective_date} 早于该地块上一事件日期 {last_effective_date}",
         "Effective date {effective_date} is before the parcel's last event "
         "{last_effective_date}", "rule"),
    Code("EXPROPRIATION_NOT_APPLICABLE", "国有土地无需征收，只有集体土地可以征收",
         "Only collective land is expropriated; this parcel is state-owned", "rule"),
    Code("EXPROPRIATION_REQUIRED", "集体土地须先依法征收为国有，方可供地",
         "Collective land must be expropriated before it is supplied", "rule"),
    # Quota (新增建设用地计划指标).
    Code("QUOTA_INSUFFICIENT",
         "新增建设用地计划指标不足：需 {required_m2} 平方米，"
         "账户 {account_id} 余额 {available_m2} 平方米（另有地票 {land_tickets_m2} 平方米）",
         "Construction-land quota insufficient: {required_m2} m² required, account {account_id} "
         "holds {available_m2} m² (plus {land_tickets_m2} m² of land tickets)", "rule"),
    Code("QUOTA_ACCOUNT_MISSING",
         "{year}年无用地计划指标账户：需 {required_m2} 平方米新增建设用地计划指标，"
         "请先建立该年度账户",
         "No quota account for {year}: {required_m2} m² of construction-land quota required; "
         "open the year's account first", "rule"),
    Code("QUOTA_ACCOUNT_INVALID", "计划指标账户不可用：{reason}",
         "Quota account cannot be used: {reason}", "rule"),
    Code("LAND_TICKET_UNAVAILABLE", "地票 {ticket_id} 不可用：{reason}",
         "Land ticket {ticket_id} cannot be used: {reason}", "rule"),
    # Farmland balance (耕地占补平衡).
    Code("FARMLAND_BALANCE_UNMET",
         "耕地占补平衡未落实：占用耕地 {required_m2} 平方米（其中水田 {required_paddy_m2}），"
         "可挂钩补充耕地 {available_m2} 平方米（其中水田 {available_paddy_m2}）",
         "Farmland balance not met: {required_m2} m² occupied ({required_paddy_m2} paddy), "
         "{available_m2} m² of credits available ({available_paddy_m2} paddy)", "rule"),
    Code("FARMLAND_QUALITY_INSUFFICIENT",
         "补充耕地 {credit_id} 质量等别 {credit_grade} 低于被占用耕地等别 {occupied_grade}"
         "（占优补优）",
         "Credit {credit_id} is grade {credit_grade}, worse than the occupied grade "
         "{occupied_grade}", "rule"),
    Code("FARMLAND_CREDIT_NOT_ACCEPTED",
         "补充耕地 {credit_id} 于 {accepted_on} 验收，晚于批准日期 {approval_date}（先补后占）",
         "Credit {credit_id} was accepted on {accepted_on}, after the approval date "
         "{approval_date}", "rule"),
    Code("FARMLAND_CREDIT_INVALID", "补充耕地指标 {credit_id} 不可用：{reason}",
         "Farmland credit {credit_id} cannot be used: {reason}", "rule"),
    # Control lines and planning (规).
    Code("RED_LINE_CONFLICT",
         "地块涉及生态保护红线 {red_line_m2} 平方米，且非经认定的有限人为活动",
         "The parcel lies {red_line_m2} m² inside the ecological red line and is not an "
         "allowed limited activity with a determination", "rule"),
    Code("BASIC_FARMLAND_PROTECTED",
         "地块占用永久基本农田 {basic_farmland_m2} 平方米，须为经国务院批准的重大建设项目",
         "The parcel occupies {basic_farmland_m2} m² of permanent basic farmland; only a listed "
         "major project approved by the State Council may", "rule"),
    Code("SPATIAL_MISMATCH",
         "申报的{field_zh}（{declared}）与地块界址套合参考图层的结果（{computed}）不符",
         "Declared {field_en} ({declared}) disagrees with the overlay of the boundary on the "
         "reference layers ({computed})", "rule"),
    Code("BASIC_FARMLAND_USE_NOT_EXEMPT",
         "规划用途“{planned_use}”不属于“{category}”类重大建设项目可占用永久基本农田的用途"
         "（{allowed_uses}）",
         "Planned use {planned_use} is not one a {category} major project may put permanent "
         "basic farmland to ({allowed_uses})", "rule"),
    Code("RED_LINE_USE_NOT_EXEMPT",
         "规划用途“{planned_use}”不属于生态保护红线内“{category}”类有限人为活动的用途"
         "（{allowed_uses}）",
         "Planned use {planned_use} is not one the limited activity {category} allows inside "
         "the ecological red line ({allowed_uses})", "rule"),
    Code("OUTSIDE_DEVELOPMENT_BOUNDARY", "地块不在城镇开发边界内，也不在村庄规划范围内",
         "The parcel is outside the urban development boundary and outside a village plan",
         "rule"),
    # Approval (批).
    Code("SAME_ACTOR_FORBIDDEN", "审批人不得为经办规划审查的同一人（{actor}）",
         "The approver must not be the account that planned the parcel ({actor})", "rule"),
    Code("EXPROPRIATION_PROCEDURE_INCOMPLETE", "征收前期程序未完成：{step} — {requirement}",
         "Pre-approval expropriation procedure incomplete: {step} — {requirement}", "rule"),
    Code("EXPROPRIATION_PROCEDURE_OUT_OF_ORDER",
         "征收前期程序顺序错误：{step}（{dated}）不得早于{must_follow}（{must_follow_dated}）",
         "Pre-approval expropriation steps out of order: {step} ({dated}) may not precede "
         "{must_follow} ({must_follow_dated})", "rule"),
    Code("APPROVAL_AUTHORITY_INSUFFICIENT",
         "本次用地须由{required_zh}批准，申报批准机关为{given_zh}",
         "This approval needs the {required}; given authority: {given}", "rule"),
    Code("APPROVAL_LAPSED", "批准文件已于 {lapsed_on} 失效（批准日期 {approved_on}，有效期两年）",
         "The approval lapsed on {lapsed_on} (approved {approved_on}, valid two years)", "rule"),
    Code("APPROVAL_NOT_EXPIRED", "批准文件有效至 {lapsed_on}，尚未失效",
         "The approval is valid until {lapsed_on}; it has not lapsed", "rule"),
    Code("APPROVAL_ALREADY_IMPLEMENTED", "征收已实施，批准文件不因期满失效",
         "Expropriation was carried out; the approval does not lapse", "rule"),
    # Expropriation (征).
    Code("EXPROPRIATION_ANNOUNCEMENT_LATE",
         "征收土地公告日 {announced_on} 不在批准后 15 个工作日内（{approved_on} 至 {deadline}）",
         "Expropriation announcement {announced_on} not within 15 working days of approval "
         "({approved_on} to {deadline})", "rule"),
    Code("COMPENSATION_UNPAID", "征地补偿安置费用未足额支付", "Compensation not paid in full",
         "rule"),
    # Supply (供).
    Code("PLANNING_CONDITIONS_MISSING", "未确定规划条件的土地不得出让或划拨",
         "Land without planning conditions may not be supplied", "rule"),
    Code("SUPPLY_METHOD_NOT_ALLOWED", "{use} 用地不得以“{method}”方式供应，应为：{allowed}",
         "{use} land may not be supplied by {method}; allowed: {allowed}", "rule"),
    Code("TERM_EXCEEDS_MAXIMUM", "出让年限 {term_years} 年超过{use}用地最高年限 {max_years} 年",
         "Term {term_years} years exceeds the {max_years}-year maximum for {use} land", "rule"),
    Code("TERM_REQUIRED", "有偿使用须约定土地使用年限", "Paid use needs a term in years", "rule"),
    Code("CONTRACT_DATES_INVALID", "合同日期不合理：{problem}", "Contract dates invalid: {problem}",
         "rule"),
    Code("AREA_EXCEEDS_APPROVED", "{what} {area_m2} 平方米超过批准面积 {approved_m2} 平方米",
         "{what_en} {area_m2} m² exceeds the approved {approved_m2} m²", "rule"),
    # Inspection (验).
    Code("OUTSIDE_APPROVED_BOUNDARY", "实际用地超出批准范围（批甲占乙）",
         "Built outside the approved boundary", "rule"),
    Code("PLANNING_VERIFICATION_FAILED", "未经规划核实或核实不合格，不得组织竣工验收",
         "Planning verification missing or failed", "rule"),
    # Registration (登).
    Code("PAYMENT_OUTSTANDING", "{what}未缴清：应缴 {due_yuan} 元，已缴 {paid_yuan} 元",
         "{what_en} not fully paid: {due_yuan} yuan due, {paid_yuan} yuan paid", "rule"),
    # Idle land (闲置土地).
    Code("IDLE_NOT_DUE", "尚不构成闲置土地：{basis}，自 {idle_from} 起方满一年",
         "Not idle land yet ({basis}): one full year is reached on {idle_from}", "rule"),
    Code("IDLE_GOVERNMENT_CAUSE",
         "土地未在约定动工日期 {agreed_start} 前交付，延迟系政府原因，"
         "不得认定为土地使用者原因的闲置",
         "The land was not handed over by the agreed start date {agreed_start}: the delay is "
         "the government's, not the user's", "rule"),
    Code("IDLE_CLOCK_PAUSED", "闲置土地认定期限自 {paused_since} 起暂停，暂停期间不得认定闲置土地",
         "The idle-land clock has been paused since {paused_since}: no idleness is determined "
         "while it stands still", "rule"),
    Code("RECOVERY_NOT_DUE", "无偿收回须闲置满两年，自 {recovery_from} 起方可",
         "Recovery without compensation is lawful from {recovery_from} (two full years)",
         "rule"),
    Code("RECOVERY_COMPENSATION_REQUIRED", "因政府原因或不可抗力造成闲置的，只能协议有偿收回",
         "Idleness caused by the government or force majeure: recovery only by agreement with "
         "compensation", "rule"),
    Code("IDLE_DISPOSAL_UNSETTLED", "闲置土地处置未完成，不得恢复开发",
         "The idle-land disposal is not settled; development may not resume", "rule"),
    Code("IDLE_DISPOSAL_INVALID", "闲置土地处置方案不合规定：{problem}",
         "The idle-land disposal is not lawful: {problem}", "rule"),
]

CODES: dict[str, Code] = {c.code: c for c in _CODES}


class _Default(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(code: str, details: dict[str, object] | None = None) -> tuple[str, str]:
    entry = CODES[code]
    values = _Default({k: v for k, v in (details or {}).items()})
    return entry.zh.format_map(values), entry.en.format_map(values)
