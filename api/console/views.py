"""The console's routes: each parses, calls one service or query of ``workflow`` with the
signed-in actor (the same roles, township scope, rules, idempotency and audit as the API), and
renders a template. Nothing here reaches the database but through the service layer."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlsplit

import xstatic.pkg.leaflet as leaflet_pkg
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.exceptions import HTTPException

from api import charts, exports
from api.base import runtime
from api.console import forms
from api.console.signin import (
    AUTH_COOKIE,
    clear_auth_cookie,
    harden,
    lang,
    load_actor,
    me,
    public,
    require_sign_in,
    set_auth_cookie,
    t,
)
from api.errors import STATUS_BY_CODE
from api.schemas.audit import AuditListArgs, UnsuppliedArgs
from states import STAGES, STEP_BY_TRIGGER
from states.records import INTERNAL_RECORD_KINDS, record_kind
from workflow import law, services
from workflow.accounts.ratelimit import Blocked
from workflow.accounts.sessions import sign_in, sign_out
from workflow.errors import LandflowError, RuleViolation, Unauthenticated, ValidationFailed
from workflow.ledgers import queries as ledger_queries
from workflow.payloads.fields import CONTROL_CHARACTERS, PLANNED_USES, RECORD_KINDS, Day, load
from workflow.payloads.records import RecordSchema
from workflow.payloads.transitions import TRANSITION_SCHEMAS
from workflow.reports import charts as chart_data
from workflow.reports import queries as reports
from workflow.reports.queries import CATEGORY_LABELS
from workflow.rules import GUARDS
from workflow.worklist import queries as worklist

blp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                static_folder="static", static_url_path="/static")

AUDIT_ROLES = ("auditor", "admin", "approver")
LEDGER_ROLES = ("admin", "auditor", "approver", "clerk")


@blp.before_request
def _before() -> Any:
    load_actor()
    from flask import current_app

    return require_sign_in(current_app.view_functions)


blp.after_request(harden)


@blp.app_template_global("t")
def _t(zh: str, en: str) -> str:
    return t(zh, en)


@blp.context_processor
def _context() -> dict[str, Any]:
    from flask import g

    return {"actor": g.get("console_actor"), "lang": lang(), "STAGES": STAGES}


@blp.app_template_global("label_of")
def _label_of(pair: Any) -> str:
    """A (zh, en) pair or {"zh", "en"} mapping in the user's language."""
    if isinstance(pair, dict):
        return t(pair.get("zh", ""), pair.get("en", ""))
    return t(pair[0], pair[1])


# --- errors: shown as pages, with the problem's Chinese message ------------------------------


@blp.errorhandler(CSRFError)
def _csrf_refused(err: CSRFError) -> Any:
    return render_template("console/error.html", status=400, code="CSRF",
                           message=t("表单缺少有效的安全令牌（CSRF），请求未执行。",
                                     "The form carried no valid CSRF token; nothing was done."),
                           ), 400


@blp.errorhandler(LandflowError)
def _refused(err: LandflowError) -> Any:
    status = STATUS_BY_CODE.get(err.code, 422)
    return render_template("console/error.html", status=status, code=err.code,
                           message=t(err.message, err.message_en)), status


@blp.errorhandler(HTTPException)
def _http(err: HTTPException) -> Any:
    status = err.code or 500
    return render_template("console/error.html", status=status, code=str(status),
                           message=err.description), status


# --- sign-in ---------------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/console/") \
                and not CONTROL_CHARACTERS.search(target) and "\\" not in target:
            return target
    return url_for("console.home")


@blp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    nxt = request.values.get("next")
    if request.method == "GET":
        return render_template("console/login.html", next=nxt, error=None)
    name = request.form.get("username", "").strip()[:80]
    password = request.form.get("password", "")[:200]
    rt = runtime()
    from api.auth import client_address

    try:
        signed = sign_in(rt.uow(), name, password, client=client_address(),
                         failure_limit=rt.settings.auth_failures_per_minute,
                         lifetime=_lifetime())
    except Blocked as blocked:
        response = Response(render_template(
            "console/login.html", next=nxt, username=name,
            error=t(f"登录失败次数过多，请 {blocked.retry_after} 秒后再试。",
                    f"Too many failed sign-ins; try again in {blocked.retry_after} s.")),
            status=429, headers={"Retry-After": str(blocked.retry_after)})
        return response
    except Unauthenticated:
        return render_template("console/login.html", next=nxt, username=name,
                               error=t("用户名或密码错误。", "Wrong user name or password.")), 401
    keep_lang = session.get("lang")
    session.clear()  # a new CSRF secret for the signed-in session
    if keep_lang:
        session["lang"] = keep_lang
    response = redirect(_safe_next(nxt), code=303)
    set_auth_cookie(response, signed.token, int(_lifetime().total_seconds()))
    return response


def _lifetime() -> Any:
    from datetime import timedelta

    return timedelta(minutes=runtime().settings.console_session_minutes)


@blp.route("/logout", methods=["POST"])
def logout() -> Any:
    token = request.cookies.get(AUTH_COOKIE, "")
    sign_out(runtime().uow(), token, me())
    keep_lang = session.get("lang")
    session.clear()
    if keep_lang:
        session["lang"] = keep_lang
    response = redirect(url_for("console.login"), code=303)
    clear_auth_cookie(response)
    return response


@blp.route("/lang/<any(zh, en):code>")
@public
def switch_language(code: str) -> Any:
    session["lang"] = code
    return redirect(_safe_next(request.args.get("next")), code=303)


@blp.route("/vendor/leaflet/<path:filename>")
@public
def leaflet(filename: str) -> Any:
    return send_from_directory(leaflet_pkg.BASE_DIR, filename, max_age=86400)


@blp.route("/")
def home() -> Any:
    if me().role == "auditor":
        return redirect(url_for("console.audit_list", report="unsupplied"), code=303)
    return redirect(url_for("console.queue"), code=303)


# --- the work queue --------------------------------------------------------------------------


class QueueArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    stage = fields.String(validate=validate.OneOf(list(STAGES)))
    township = fields.String(validate=validate.Length(min=1, max=40))
    planned_use = fields.String(validate=validate.OneOf(PLANNED_USES))
    code = fields.String(validate=validate.Length(min=1, max=64))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))


def _args(schema: Schema) -> dict[str, Any]:
    raw = {k: v for k, v in request.args.items() if v != ""}
    try:
        return dict(schema.load(raw))
    except ValidationError as exc:
        raise ValidationFailed(exc.normalized_messages()) from exc


@blp.route("/queue")
def queue() -> Any:
    args = _args(QueueArgs())
    data = worklist.work_queue(runtime().reader(), me(), **args)
    pages = max(1, -(-data["total"] // data["per_page"]))
    return render_template("console/queue.html", data=data, args=args, pages=pages,
                           townships=worklist.townships(runtime().reader()),
                           planned_uses=[(u, forms.CHOICE_LABELS.get(u, (u, u)))
                                         for u in PLANNED_USES],
                           step_labels={k: (s.zh, s.en) for k, s in STEP_BY_TRIGGER.items()},
                           queue_stages=worklist.MAIN_STAGES + ("disposal",))


# --- the parcel page, preview and confirm ---------------------------------------------------


def _parcel_context(parcel_id: int) -> dict[str, Any]:
    actor = me()
    page = worklist.parcel_page(runtime().reader(), actor, parcel_id)
    precheck = services.precheck_transitions(runtime().reader(), parcel_id, actor)
    steps = []
    for item in precheck["items"]:
        name = item["transition"]
        steps.append({**item, "controls": forms.controls(TRANSITION_SCHEMAS[name])})
    kinds = [(k, forms.RECORD_LABELS.get(k, (k, k))) for k in RECORD_KINDS
             if k not in INTERNAL_RECORD_KINDS and actor.role in record_kind(k).roles]
    return {"page": page, "p": page["parcel"], "steps": steps,
            "version": precheck["version"], "guards": GUARDS,
            "today": precheck["as_of"], "record_kinds": kinds,
            "record_key": uuid.uuid4().hex, "record_labels": forms.RECORD_LABELS}


@blp.route("/parcels/<int:parcel_id>")
def parcel(parcel_id: int) -> Any:
    return render_template("console/parcel.html", **_parcel_context(parcel_id),
                           open_step=None, values={}, errors={})


@blp.route("/parcels/<int:parcel_id>/map.geojson")
def parcel_map(parcel_id: int) -> Any:
    return worklist.parcel_map(runtime().reader(), me(), parcel_id)


def _schema_for(name: str) -> type[Schema]:
    schema = TRANSITION_SCHEMAS.get(name)
    if schema is None:
        abort(404)
    return schema


def _expected_version() -> int | None:
    raw = request.form.get("expected_version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@blp.route("/parcels/<int:parcel_id>/transitions/<name>/preview", methods=["POST"])
def preview(parcel_id: int, name: str) -> Any:
    schema = _schema_for(name)
    body = forms.body_from_form(schema, request.form)
    version = _expected_version()
    if version is not None:
        body["expected_version"] = version
    try:
        payload = load(schema, body)
    except ValidationFailed as failed:
        return render_template("console/parcel.html", **_parcel_context(parcel_id),
                               open_step=name, values=forms.form_values(body),
                               errors=forms.flat_errors(failed.errors)), 422
    outcome, _ = services.fire_transition(runtime().uow(), parcel_id, name, payload, me(),
                                          dry_run=True)
    return _render_preview(parcel_id, name, body, outcome, uuid.uuid4().hex)


def _render_preview(parcel_id: int, name: str, body: dict[str, Any], outcome: dict[str, Any],
                    key: str, status: int = 200, committed_error: bool = False) -> Any:
    step = STEP_BY_TRIGGER[name]
    violations = outcome.get("violations") or []
    by_code: dict[str, list[dict[str, Any]]] = {}
    for v in violations:
        by_code.setdefault(v["rule"], []).append(v)
    rules = []
    for r in outcome.get("rule_results") or []:
        g = GUARDS.get(r["rule"])
        rules.append({**r, "meaning": g.meaning if g else r["rule"],
                      "source": g.source if g else "",
                      "violations": [v for c in r.get("codes", []) for v in by_code.get(c, [])]})
    values = forms.form_values(body)
    shown = []
    for c in forms.controls(TRANSITION_SCHEMAS[name]):
        if values.get(c.name):
            choice = dict(c.choices).get(values[c.name])
            if c.kind == "boolean":
                choice = forms.CHOICE_LABELS.get(values[c.name])
            shown.append((c.group, c.label, _label_of(choice) if choice else values[c.name]))
    return render_template("console/preview.html", parcel_id=parcel_id, name=name,
                           shown=shown,
                           step=step, body=body, outcome=outcome, rules=rules,
                           violations=violations, key=key,
                           committed_error=committed_error,
                           values=forms.form_values(body),
                           controls=forms.controls(TRANSITION_SCHEMAS[name])), status


@blp.route("/parcels/<int:parcel_id>/transitions/<name>/confirm", methods=["POST"])
def confirm(parcel_id: int, name: str) -> Any:
    schema = _schema_for(name)
    key = request.form.get("idempotency_key", "")
    if not (8 <= len(key) <= 64 and key.isalnum()):
        raise ValidationFailed({"idempotency_key": ["缺少或无效 / missing or invalid"]})
    try:
        body = json.loads(request.form.get("body", ""))
    except ValueError as exc:
        raise ValidationFailed({"body": ["须为 JSON 对象 / must be a JSON object"]}) from exc
    payload = load(schema, body)
    try:
        outcome, replayed = services.fire_transition(
            runtime().uow(), parcel_id, name, payload, me(), idempotency_key=f"console:{key}")
    except RuleViolation as refused:
        outcome = {"rule_results": refused.extra.get("rule_results") or [],
                   "violations": [v.as_dict() for v in refused.violations],
                   "postings": {}, "deadlines": []}
        return _render_preview(parcel_id, name, body, outcome, key, 422, committed_error=True)
    step = STEP_BY_TRIGGER[name]
    flash(t(f"已办理：{step.zh}（第 {outcome['event']['stream_seq']} 步）",
            f"Done: {step.en} (step {outcome['event']['stream_seq']})"), "ok")
    return redirect(url_for("console.parcel", parcel_id=parcel_id) + "#history", code=303)


@blp.route("/parcels/<int:parcel_id>/records", methods=["POST"])
def add_record(parcel_id: int) -> Any:
    """File a dated record; the key rendered with the form makes a resubmission one record."""
    key = request.form.get("idempotency_key", "")
    if not (8 <= len(key) <= 64 and key.isalnum()):
        raise ValidationFailed({"idempotency_key": ["缺少或无效 / missing or invalid"]})
    body = forms.record_body(request.form)
    try:
        payload = load(RecordSchema, body)
    except ValidationFailed as failed:
        return render_template("console/parcel.html", **_parcel_context(parcel_id),
                               open_step=None, values={}, errors={},
                               record_errors=forms.flat_errors(failed.errors),
                               record_values=forms.form_values(body)), 422
    outcome, _ = services.add_record(runtime().uow(), parcel_id, payload, me(),
                                     idempotency_key=f"console-record:{key}")
    label = forms.RECORD_LABELS.get(payload["kind"], (payload["kind"],) * 2)
    flash(t(f"已登记：{label[0]}", f"Recorded: {label[1]}"), "ok")
    return redirect(url_for("console.parcel", parcel_id=parcel_id) + "#history", code=303)


# --- auditors --------------------------------------------------------------------------------

REPORTS = {
    "unsupplied": (UnsuppliedArgs, reports.unsupplied, reports.unsupplied_table),
    "idle-land": (AuditListArgs, reports.idle_land, reports.idle_land_table),
}


@blp.route("/audit/<any('unsupplied', 'idle-land'):report>")
def audit_list(report: str) -> Any:
    actor = me()
    if actor.role not in AUDIT_ROLES:
        abort(403)
    args_schema, page_of, table_of = REPORTS[report]
    args = _args(args_schema(unknown=EXCLUDE))
    args.pop("bbox", None)
    fmt = args.pop("format", "json")
    if fmt != "json":
        args.pop("page", None)
        args.pop("per_page", None)
        if fmt == "geojson":
            args["with_geometry"] = True
        return exports.send(table_of(runtime().reader(), actor, **args), fmt)
    data = page_of(runtime().reader(), actor, **args)
    if request.args.get("map") == "1":  # the map of this page's parcels
        return worklist.parcel_features(runtime().reader(), actor,
                                        [i["parcel_id"] for i in data["items"]])
    pages = max(1, -(-data["total"] // data["per_page"]))
    query = {k: v for k, v in request.args.items() if k not in ("page", "format", "map") and v}
    return render_template("console/audit.html", report=report, data=data, args=args,
                           pages=pages, query=query, categories=CATEGORY_LABELS,
                           townships=worklist.townships(runtime().reader()))


@blp.route("/audit/charts/<any('quota-use', 'unsupplied-by-township', 'supply-rate'):name>.svg")
def audit_chart(name: str) -> Any:
    actor = me()
    if actor.role not in AUDIT_ROLES:
        abort(403)
    raw = request.args.get("as_of")
    try:
        as_of = Day().deserialize(raw) if raw else None
    except ValidationError as exc:
        raise ValidationFailed({"as_of": exc.messages}) from exc
    reader = runtime().reader
    try:
        if name == "quota-use":
            body = charts.quota_use(chart_data.quota_use_series(reader(), actor, as_of=as_of),
                                    "svg")
        elif name == "unsupplied-by-township":
            day, rows = chart_data.unsupplied_by_township(reader(), actor, as_of=as_of)
            body = charts.unsupplied_by_township(rows, day, "svg")
        else:
            summary = reports.unsupplied_summary(reader(), actor, as_of=as_of)
            body = charts.supply_rate_by_cohort(summary["cohorts"], law.value("supply_rate.min"),
                                                summary["as_of"], "svg")
    except charts.FontMissing:
        abort(503)
    return Response(body, mimetype="image/svg+xml")


# --- ledgers ---------------------------------------------------------------------------------


@blp.route("/ledgers")
def ledgers() -> Any:
    actor = me()
    reader = runtime().reader
    return render_template(
        "console/ledgers.html",
        accounts=ledger_queries.list_quota_accounts(reader(), actor)["items"],
        credits=ledger_queries.list_farmland_credits(reader(), actor)["items"],
        tickets=ledger_queries.list_land_tickets(reader(), actor)["items"])


@blp.route("/ledgers/quota/<int:account_id>")
def quota_account(account_id: int) -> Any:
    actor = me()
    page = request.args.get("page", "1")
    n = int(page) if page.isdigit() and 0 < int(page) < 100000 else 1
    data = ledger_queries.quota_entries(runtime().reader(), actor, account_id, page=n)
    series = worklist.quota_balance_series(runtime().reader(), actor, account_id)
    return render_template("console/quota.html", data=data, series=series,
                           chart=_polyline(series))


def _polyline(series: list[tuple[Any, str]], width: int = 600, height: int = 160
              ) -> dict[str, Any] | None:
    """Points of an SVG polyline for the balance over time (drawn by the template)."""
    if not series:
        return None
    from decimal import Decimal

    values = [Decimal(v) for _, v in series]
    top = max(max(values), Decimal(1))
    n = len(series)
    points = []
    for i, v in enumerate(values):
        x = 10 + (width - 20) * (i / (n - 1) if n > 1 else 0.5)
        y = height - 10 - (height - 20) * float(v / top)
        points.append(f"{x:.1f},{y:.1f}")
    return {"points": " ".join(points), "width": width, "height": height,
            "first": series[0][0], "last": series[-1][0], "top": str(top)}
