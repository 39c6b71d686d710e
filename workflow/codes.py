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
    Code("VERSION_CONFLICT", "案卷已被他人修改（当前版本 {current}，请求版本 {expected}）",
         "The parcel changed meanwhile (version {current}, you sent {expected})", "error"),
    Code("UNAUTHENTICATED", "未登录或令牌无效", "Missing or invalid bearer token", "error"),
    Code("FORBIDDEN", "当前角色无权执行此操作", "Your role may not do this", "error"),
    Code("OUT_OF_SCOPE", "该地块不在您的辖区范围内", "This parcel is outside your township",
         "error"),
    Code("NOT_FOUND", "未找到{what}", "{what} not found", "error"),
    Code("CONFLICT", "与现有数据冲突：{field}", "Conflicts with existing data: {field}", "error"),
    Code("IDEMPOTENCY_KEY_REUSED", "幂等键已用于不同的请求",
         "This Idempotency-Key was used for a different request", "error"),
    Code("PAYLOAD_TOO_LARGE", "请求体过大（上限 {limit} 字节）",
         "Request body too large (limit {limit} bytes)", "error"),
    Code("METHOD_NOT_ALLOWED", "不支持该请求方法", "Method not allowed", "error"),
    Code("RATE_LIMITED", "认证失败次数过多，请稍后再试",
         "Too many failed authentications; try again later", "error"),
    Code("RULE_VIOLATION", "违反审批规则", "Rule violation", "error"),
    Code("INTERNAL_ERROR", "服务器内部错误", "Internal server error", "error"),
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
]

CODES: dict[str, Code] = {c.code: c for c in _CODES}


class _Default(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(code: str, details: dict[str, object] | None = None) -> tuple[str, str]:
    entry = CODES[code]
    values = _Default({k: v for k, v in (details or {}).items()})
    return entry.zh.format_map(values), entry.en.format_map(values)
