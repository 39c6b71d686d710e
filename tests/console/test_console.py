"""The browser console through the Flask test client: sign-in, CSRF, the queue, the parcel page
with preview and confirm, township scope, the auditors' pages. The same flows run in Chromium in
``tests/browser``."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.console.conftest import PASSWORD
from workflow.accounts.ratelimit import record_failure
from workflow.accounts.sessions import login_keys
from workflow.models import Account, AuditEvent, ConsoleSession

PLAN_FORM = {
    "effective_date": "2023-02-01", "planned_use": "industrial",
    "planning_conditions.plot_ratio_max": "2.0",
    "planning_conditions.building_density_max": "40",
    "planning_conditions.green_ratio_min": "20", "planning_conditions.height_max_m": "24",
}


def html(response) -> str:
    return response.get_data(as_text=True)


def confirm_fields(page: str) -> dict[str, str]:
    form = page[page.index('class="confirm"'):]
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', form).group(1),
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1),
        "body": re.search(r"name=\"body\" value='([^']+)'", form).group(1)
        .replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&"),
    }


def preview(console, pid, name, form, csrf_from=None):
    token = console.csrf(csrf_from or f"/console/parcels/{pid}")
    return console.post(f"/console/parcels/{pid}/transitions/{name}/preview",
                        {"csrf_token": token, **form})


def test_the_console_asks_for_a_sign_in_first(console):
    r = console.get("/console/queue")
    assert r.status_code == 303 and "/console/login" in r.headers["Location"]
    page = html(console.get("/console/login"))
    assert '<label for="username">用户名' in page and '<label for="password">密码' in page
    assert ">登录</button>" in page


def test_a_clerk_signs_in_with_the_password_and_gets_a_secure_server_side_session(
        console, world, runtime):
    r = console.sign_in("clerk")
    assert r.status_code == 303
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("landflow_session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert console.get("/console/queue").status_code == 200
    token = cookie.split(";")[0].split("=", 1)[1]
    with runtime.reader() as uow:  # only the token's hash is stored
        hashes = list(uow.session.execute(select(ConsoleSession.token_hash)).scalars())
        assert token not in hashes and len(hashes) == 1


def test_passwords_are_stored_as_argon2id_hashes(world, runtime):
    with runtime.reader() as uow:
        stored = uow.session.execute(select(Account.password_hash).where(
            Account.id == world.actors["clerk"].id)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_wrong_password_is_refused_and_counted(console, world, runtime):
    r = console.sign_in("clerk", password="not the password")
    assert r.status_code == 401 and "用户名或密码错误" in html(r)
    assert console.get("/console/queue").status_code == 303


def test_the_failed_login_limit_refuses_even_the_right_password(console, world, runtime):
    """The same table and limit as the API's wrong tokens (workflow.accounts.ratelimit)."""
    name = world.actors["clerk"].name
    for _ in range(runtime.settings.auth_failures_per_minute):
        record_failure(runtime.uow(), login_keys("elsewhere", name))
    r = console.sign_in("clerk")
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert console.get("/console/queue").status_code == 303


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(console, world):
    pid = world.parcel_in("surveyed")
    console.sign_in("clerk")
    before = world.event_count(pid)
    key = "a" * 32
    r = console.post(f"/console/parcels/{pid}/transitions/plan/confirm",
                     {"idempotency_key": key, "body": '{"planned_use": "industrial"}'})
    assert r.status_code == 400 and "CSRF" in html(r)
    r = console.post("/console/logout")
    assert r.status_code == 400
    assert world.event_count(pid) == before and world.state_of(pid) == "surveyed"


def test_sign_out_ends_the_session_on_the_server(console, world):
    r = console.sign_in("clerk")
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("landflow_session="))
    token = cookie.split(";")[0].split("=", 1)[1]
    r = console.post("/console/logout", {"csrf_token": console.csrf("/console/queue")})
    assert r.status_code == 303
    # Even a browser that kept the old cookie is signed out.
    console.http.set_cookie("landflow_session", token, domain="localhost", path="/console",
                            secure=True)
    assert console.get("/console/queue").status_code == 303


def test_api_tokens_keep_working_beside_the_console(app, world, console):
    console.sign_in("clerk")
    r = app.test_client().get("/api/v1/parcels",
                              headers={"Authorization": f"Bearer {world.tokens['clerk']}"})
    assert r.status_code == 200
    # …and a console cookie is no API credential.
    assert console.get("/api/v1/parcels").status_code == 401


def test_the_queue_lists_the_clerks_next_steps_overdue_first(console, world):
    waiting = world.parcel_in("surveyed", code="Q-SURVEYED")
    supplied = world.parcel_in("supplied", code="Q-SUPPLIED")  # agreed start passed: overdue
    world.parcel_in("planned", code="Q-PLANNED")  # the approver's, not the clerk's
    console.sign_in("clerk")
    page = html(console.get("/console/queue"))
    assert "Q-SURVEYED" in page and "Q-SUPPLIED" in page and "Q-PLANNED" not in page
    assert page.index("Q-SUPPLIED") < page.index("Q-SURVEYED")
    assert "已超期" in page
    only = html(console.get("/console/queue?code=Q-SU&stage=survey"))
    assert "Q-SURVEYED" in only and "Q-SUPPLIED" not in only
    assert f"/console/parcels/{waiting}" in only and f"/console/parcels/{supplied}" not in only


def test_the_approvers_queue_holds_planned_parcels(console, world):
    world.parcel_in("planned", code="Q-FOR-APPROVAL")
    console.sign_in("approver")
    assert "Q-FOR-APPROVAL" in html(console.get("/console/queue"))


def test_plan_goes_through_preview_then_confirm_and_a_double_click_does_one_step(
        console, world):
    pid = world.parcel_in("surveyed")
    console.sign_in("clerk")
    page = html(console.get(f"/console/parcels/{pid}"))
    assert 'aria-current="step"' in page and "哈希链已验证" in page
    before = world.event_count(pid)
    r = preview(console, pid, "plan", PLAN_FORM)
    assert r.status_code == 200, html(r)
    shown = html(r)
    assert "试算通过" in shown and ">确认</button>" in shown
    assert world.event_count(pid) == before and world.state_of(pid) == "surveyed"
    fields = confirm_fields(shown)
    first = console.post(f"/console/parcels/{pid}/transitions/plan/confirm", fields)
    second = console.post(f"/console/parcels/{pid}/transitions/plan/confirm", fields)
    assert first.status_code == second.status_code == 303
    assert world.state_of(pid) == "planned" and world.event_count(pid) == before + 1
    page = html(console.get(f"/console/parcels/{pid}"))
    assert 'data-transition="plan"' in page and "哈希链已验证" in page


def test_a_refused_step_shows_its_rule_in_chinese_and_changes_nothing(console, world):
    """土地管理法 第三十五条: permanent basic farmland is not planned for construction."""
    pid = world.parcel_in("surveyed", control_lines={"basic_farmland_m2": "800.00"})
    console.sign_in("clerk")
    before = world.event_count(pid)
    r = preview(console, pid, "plan", PLAN_FORM)
    page = html(r)
    assert 'data-rule="BASIC_FARMLAND_PROTECTED"' in page and "永久基本农田" in page
    assert ">确认</button>" not in page and "数据未作任何改动" in page
    assert world.event_count(pid) == before and world.state_of(pid) == "surveyed"


def test_form_errors_are_shown_next_to_their_field(console, world):
    pid = world.parcel_in("surveyed")
    console.sign_in("clerk")
    form = {k: v for k, v in PLAN_FORM.items() if k != "planned_use"}
    form["planning_conditions.plot_ratio_max"] = "lots"
    r = preview(console, pid, "plan", form)
    assert r.status_code == 422
    page = html(r)
    assert 'id="plan-f-planned_use" name="planned_use" required aria-invalid="true"' in page
    assert 'id="plan-f-planned_use-err"' in page
    assert 'aria-describedby="plan-f-planning_conditions-plot_ratio_max-err"' in page
    assert world.state_of(pid) == "surveyed"


def test_a_township_clerk_cannot_open_another_townships_parcel(console, world):
    world.add_account("nanbin", "clerk", "南宾街道")
    from workflow.accounts.sessions import set_password

    set_password(world.runtime.uow(), world.actors["nanbin"].name, PASSWORD)
    other = world.parcel_in("surveyed", township="黄水镇", code="Q-HUANGSHUI")
    mine = world.parcel_in("surveyed", code="Q-NANBIN")
    console.sign_in("nanbin")
    assert console.get(f"/console/parcels/{other}").status_code == 403
    assert console.get(f"/console/parcels/{other}/map.geojson").status_code == 403
    assert console.get(f"/console/parcels/{mine}").status_code == 200
    page = html(console.get("/console/queue"))
    assert "Q-NANBIN" in page and "Q-HUANGSHUI" not in page
    r = preview(console, other, "plan", PLAN_FORM, csrf_from="/console/queue")
    assert r.status_code == 403 and world.state_of(other) == "surveyed"


def test_an_approver_previews_the_quota_postings_before_approving(console, world):
    pid = world.parcel_in("planned")
    world.prepare(pid, "approve")
    console.sign_in("approver")
    r = preview(console, pid, "approve", {"effective_date": "2023-03-01",
                                          "approval_no": "渝府地〔2023〕7001号"})
    page = html(r)
    assert r.status_code == 200 and 'data-ledger="quota"' in page and "deduct" in page
    assert world.state_of(pid) == "planned"
    r = console.post(f"/console/parcels/{pid}/transitions/approve/confirm", confirm_fields(page))
    assert r.status_code == 303 and world.state_of(pid) == "approved"


def test_auditors_see_no_transition_forms(console, world):
    pid = world.parcel_in("surveyed")
    console.sign_in("auditor")
    page = html(console.get(f"/console/parcels/{pid}"))
    assert "可办理的下一步" not in page and "/preview" not in page


def test_the_auditors_list_matches_the_api_and_exports(console, world, app):
    approved = world.parcel_in("approved", code="Q-APPROVED")
    console.sign_in("auditor")
    page = html(console.get("/console/audit/unsupplied?as_of=2026-06-30"))
    api = app.test_client().get("/api/v1/audit/unsupplied?as_of=2026-06-30", headers={
        "Authorization": f"Bearer {world.tokens['auditor']}"}).get_json()
    assert f'data-total="{api["total"]}"' in page and "Q-APPROVED" in page
    assert f"/console/parcels/{approved}" in page
    csv = console.get("/console/audit/unsupplied?as_of=2026-06-30&format=csv")
    assert csv.status_code == 200 and "Q-APPROVED" in html(csv)
    csv.close()
    before = html(console.get("/console/audit/unsupplied?as_of=2023-02-01"))
    assert "Q-APPROVED" not in before


def test_a_clerk_may_not_read_the_auditors_lists(console, world):
    console.sign_in("clerk")
    assert console.get("/console/audit/unsupplied").status_code == 403


def test_ledger_pages_show_accounts_credits_and_balances(console, world):
    world.parcel_in("approved")
    console.sign_in("auditor")
    page = html(console.get("/console/ledgers"))
    assert "计划指标账户" in page and "补充耕地指标" in page
    account = world.quota_accounts[2023]
    quota = html(console.get(f"/console/ledgers/quota/{account}"))
    assert "<polyline" in quota and "deduct" in quota


def test_the_parcel_map_serves_geojson_from_landflow(console, world):
    pid = world.parcel_in("surveyed")
    console.sign_in("clerk")
    data = console.get(f"/console/parcels/{pid}/map.geojson").get_json()
    assert set(data) == {"parcel", "layers"}
    script = console.get("/console/vendor/leaflet/leaflet.js")
    assert script.status_code == 200
    script.close()


def test_console_pages_carry_a_strict_content_security_policy(console, world):
    console.sign_in("clerk")
    r = console.get("/console/queue")
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"


def test_users_passwd_reads_the_password_from_standard_input(app, world, runtime):
    runner = app.test_cli_runner()
    name = world.actors["approver"].name
    r = runner.invoke(args=["users", "passwd", name], input="a new long password\n")
    assert r.exit_code == 0, r.output
    short = runner.invoke(args=["users", "passwd", name], input="short\n")
    assert short.exit_code != 0
    with runtime.reader() as uow:
        n = uow.session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.name == "account.password_set",
            AuditEvent.actor == "operator")).scalar_one()
    assert n >= 1


def test_a_session_ends_at_its_expiry(console, world, clock):
    from datetime import UTC, datetime, timedelta

    console.sign_in("clerk")
    assert console.get("/console/queue").status_code == 200
    clock._now = datetime.now(UTC) + timedelta(minutes=481)  # LANDFLOW_CONSOLE_SESSION_MINUTES
    assert console.get("/console/queue").status_code == 303


def test_revoking_the_account_ends_its_console_sessions(console, world, runtime):
    from workflow.accounts.services import revoke_user

    console.sign_in("clerk")
    revoke_user(runtime.uow(), world.actors["clerk"].name)
    assert console.get("/console/queue").status_code == 303
    assert console.sign_in("clerk").status_code == 401


def test_the_english_switch_keeps_chinese_as_the_default(console, world):
    console.sign_in("clerk")
    assert "待我办理" in html(console.get("/console/queue"))
    r = console.get("/console/lang/en?next=/console/queue")
    assert r.status_code == 303 and r.headers["Location"].endswith("/console/queue")
    assert "My queue" in html(console.get("/console/queue"))
    # Only a path of the console is followed after the switch.
    r = console.get("/console/lang/zh?next=https://elsewhere.example/")
    assert r.headers["Location"].endswith("/console/")


def test_the_queue_walk_along_the_clocks_pages_like_the_grouped_query(console, world,
                                                                      monkeypatch, runtime):
    """Wide queues walk the running clocks in due order; narrow ones group them: both give
    the same order, page after page (overdue first, then days left, then parcels without a
    running clock by id)."""
    from workflow.worklist import queries as worklist

    for state in ("supplied", "approved", "surveyed", "supplied", "expropriated", "surveyed",
                  "in_use"):
        world.parcel_in(state)
    actor = world.actors["clerk"]

    def pages(small: int) -> list[int]:
        monkeypatch.setattr(worklist, "SMALL_QUEUE", small)
        monkeypatch.setattr(worklist, "WALK_FIRST", 1)
        out: list[int] = []
        for n in range(1, 6):
            out += [i["id"] for i in worklist.work_queue(runtime.reader(), actor, page=n,
                                                         per_page=1)["items"]]
        return out

    grouped, walked = pages(10_000), pages(0)
    assert grouped == walked and len(walked) == 5 and len(set(walked)) == 5
    first = worklist.work_queue(runtime.reader(), actor, per_page=7)["items"]
    dues = [i["deadline"]["due_on"] for i in first if i["deadline"]]
    assert dues == sorted(dues) and first[-1]["deadline"] is None


def test_a_clerk_files_a_record_once_even_when_the_form_is_sent_twice(console, world):
    pid = world.parcel_in("planned")
    console.sign_in("clerk")
    page = html(console.get(f"/console/parcels/{pid}"))
    form = page[page.index('id="record"'):]
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    before = world.event_count(pid)
    fields = {"csrf_token": token, "idempotency_key": key, "kind": "pre_announcement",
              "date": "2022-11-10"}
    for _ in range(2):
        r = console.post(f"/console/parcels/{pid}/records", fields)
        assert r.status_code == 303
    assert world.event_count(pid) == before + 1
    page = html(console.get(f"/console/parcels/{pid}"))
    assert "征收土地预公告" in page


def test_a_record_with_a_bad_amount_shows_the_error_next_to_it(console, world):
    pid = world.parcel_in("planned")
    console.sign_in("clerk")
    token = console.csrf(f"/console/parcels/{pid}")
    r = console.post(f"/console/parcels/{pid}/records", {
        "csrf_token": token, "idempotency_key": "c" * 32, "kind": "payment",
        "date": "2023-01-01", "amount_yuan": "-5"})
    assert r.status_code == 422
    assert 'id="r-amount_yuan-err"' in html(r)


def test_the_idle_land_page_lists_idle_land_and_exports_xlsx_and_geojson(console, world):
    idle = world.parcel_in("idle", code="Q-IDLE-1")
    console.sign_in("auditor")
    page = html(console.get("/console/audit/idle-land?as_of=2026-06-30"))
    assert "Q-IDLE-1" in page and f"/console/parcels/{idle}" in page
    xlsx = console.get("/console/audit/idle-land?as_of=2026-06-30&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    xlsx.close()
    geo = console.get("/console/audit/unsupplied?as_of=2026-06-30&format=geojson")
    assert geo.status_code == 200 and '"FeatureCollection"' in html(geo)
    geo.close()


def test_the_auditor_charts_are_served_as_svg(console, world):
    world.parcel_in("approved")
    console.sign_in("auditor")
    r = console.get("/console/audit/charts/unsupplied-by-township.svg?as_of=2026-06-30")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml" and b"<svg" in r.data


def test_the_auditors_map_shows_the_parcels_of_the_page(console, world):
    from workflow.operator.demo_layers import demo_parcel_geometry

    square = demo_parcel_geometry(0)
    with_boundary = world.parcel_in("approved", code="Q-MAPPED")
    with world.runtime.uow() as uow:  # a boundary as drawn, without the layers to judge it
        from workflow.models import Parcel

        uow.session.get(Parcel, with_boundary).geometry = square
        uow.commit()
    world.parcel_in("approved", code="Q-UNMAPPED")
    console.sign_in("auditor")
    data = console.get("/console/audit/unsupplied?as_of=2026-06-30&map=1").get_json()
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in data["features"]] == ["Q-MAPPED"]
    assert data["features"][0]["geometry"] == square
