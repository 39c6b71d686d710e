"""The console in Chromium: the flows of issue 13, pages without console errors."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_a_clerk_fires_plan_from_the_queue_through_preview_and_confirm(
        page, live, console_errors, shots):
    base, world = live["base"], live["world"]
    pid = world.parcel_in("surveyed", code="B-PLAN-0001")
    sign_in(page, base, world, "clerk")
    expect(page).to_have_url(re.compile(r"/console/queue"))
    page.get_by_label("地块编号（前缀）").fill("B-PLAN")
    page.get_by_role("button", name="筛选").click()
    page.screenshot(path=str(shots / "queue.png"), full_page=True)
    page.get_by_role("link", name="B-PLAN-0001").click()
    expect(page).to_have_url(re.compile(rf"/console/parcels/{pid}$"))
    page.get_by_label("生效日期（实际办理日期）").first.fill("2023-02-01")
    page.get_by_label("规划用途").select_option("industrial")
    page.get_by_label("规划条件 · 容积率上限").fill("2.0")
    page.get_by_label("规划条件 · 建筑密度上限（%）").fill("40")
    page.get_by_label("规划条件 · 绿地率下限（%）").fill("20")
    page.get_by_label("规划条件 · 建筑限高（米）").fill("24")
    page.get_by_role("button", name="预览（试算，不提交）").first.click()
    expect(page.get_by_text("试算通过")).to_be_visible()
    assert world.state_of(pid) == "surveyed"
    page.screenshot(path=str(shots / "preview.png"), full_page=True)
    page.get_by_role("button", name="确认").dblclick()
    expect(page.locator('tr[data-transition="plan"]')).to_be_visible()
    expect(page.locator('[data-chain="verified"]')).to_be_visible()
    assert world.state_of(pid) == "planned"
    assert world.event_count(pid) == 2  # survey and one plan, despite the double click
    assert console_errors == []


def test_a_refused_step_shows_its_rule_in_chinese_and_changes_nothing(
        page, live, console_errors, shots):
    """土地管理法 第三十五条: permanent basic farmland is not planned for construction."""
    base, world = live["base"], live["world"]
    pid = world.parcel_in("surveyed", code="B-REFUSED-1",
                          control_lines={"basic_farmland_m2": "900.00"})
    sign_in(page, base, world, "clerk")
    page.goto(f"{base}/console/parcels/{pid}")
    page.get_by_label("规划用途").select_option("industrial")
    page.get_by_label("规划条件 · 容积率上限").fill("2.0")
    page.get_by_label("规划条件 · 建筑密度上限（%）").fill("40")
    page.get_by_label("规划条件 · 绿地率下限（%）").fill("20")
    page.get_by_label("规划条件 · 建筑限高（米）").fill("24")
    page.get_by_role("button", name="预览（试算，不提交）").first.click()
    refused = page.locator('.refused [data-rule="BASIC_FARMLAND_PROTECTED"]')
    expect(refused).to_contain_text("永久基本农田")
    expect(page.get_by_role("button", name="确认")).to_have_count(0)
    page.screenshot(path=str(shots / "refused.png"), full_page=True)
    assert world.state_of(pid) == "surveyed" and world.event_count(pid) == 1
    assert console_errors == []


def test_form_errors_appear_next_to_the_field(page, live, console_errors):
    base, world = live["base"], live["world"]
    pid = world.parcel_in("surveyed", code="B-ERRORS-1")
    sign_in(page, base, world, "clerk")
    page.goto(f"{base}/console/parcels/{pid}")
    page.get_by_role("button", name="预览（试算，不提交）").first.click()
    field = page.get_by_label("规划用途")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#plan-f-planned_use-err")).to_be_visible()
    assert world.state_of(pid) == "surveyed"
    assert console_errors == []


def test_a_township_clerk_cannot_open_another_townships_parcel(page, live, console_errors):
    base, world = live["base"], live["world"]
    other = world.parcel_in("surveyed", township="黄水镇", code="B-HUANGSHUI-1")
    sign_in(page, base, world, "nanbin")
    response = page.goto(f"{base}/console/parcels/{other}")
    assert response is not None and response.status == 403
    expect(page.locator("[data-code=OUT_OF_SCOPE]")).to_be_visible()
    page.goto(f"{base}/console/queue")
    expect(page.get_by_text("B-HUANGSHUI-1")).to_have_count(0)
    assert console_errors == []


def test_an_approver_approves_with_the_quota_postings_previewed(
        page, live, console_errors, shots):
    base, world = live["base"], live["world"]
    pid = world.parcel_in("planned", code="B-APPROVE-1")
    world.prepare(pid, "approve")
    sign_in(page, base, world, "approver")
    page.goto(f"{base}/console/parcels/{pid}")
    page.get_by_label("生效日期（实际办理日期）").first.fill("2023-03-01")
    page.get_by_label("批准文号").fill("渝府地〔2023〕8001号")
    page.get_by_role("button", name="预览（试算，不提交）").first.click()
    expect(page.locator('tr[data-ledger="quota"]')).to_contain_text("deduct")
    assert world.state_of(pid) == "planned"
    page.get_by_role("button", name="确认").click()
    expect(page.locator('tr[data-transition="approve"]')).to_be_visible()
    page.screenshot(path=str(shots / "parcel.png"), full_page=True)
    assert world.state_of(pid) == "approved"
    assert console_errors == []


def test_an_auditor_finds_an_approved_parcel_unsupplied_as_of_a_date_and_exports(
        page, live, console_errors, shots):
    base, world = live["base"], live["world"]
    world.parcel_in("approved", code="B-AUDIT-1")  # approved 2023-03-01
    sign_in(page, base, world, "auditor")
    expect(page).to_have_url(re.compile(r"/console/audit/unsupplied"))
    page.get_by_label("截至日期").fill("2024-01-01")
    page.get_by_label("类别").select_option("approved_unsupplied")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("link", name="B-AUDIT-1")).to_be_visible()
    expect(page.get_by_role("button", name="预览（试算，不提交）")).to_have_count(0)
    expect(page.locator("#map .leaflet-interactive").first).to_be_visible()  # the page's parcels
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(shots / "audit.png"), full_page=True)
    with page.expect_download() as download:
        page.locator('a[data-format="csv"]').click()
    with open(download.value.path(), encoding="utf-8") as exported:
        text = exported.read()
    assert "B-AUDIT-1" in text
    page.goto(f"{base}/console/audit/unsupplied?as_of=2023-01-01")
    expect(page.get_by_role("link", name="B-AUDIT-1")).to_have_count(0)
    assert console_errors == []


def test_the_map_shows_the_boundary_over_the_reference_layers(page, live, console_errors,
                                                               shots):
    base, world = live["base"], live["world"]
    sign_in(page, base, world, "clerk")
    page.goto(f"{base}/console/parcels/1")
    expect(page.locator("#map .leaflet-interactive").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(shots / "map.png"), full_page=True)
    assert console_errors == []


def test_sign_out_ends_the_session(page, live, console_errors):
    base, world = live["base"], live["world"]
    sign_in(page, base, world, "clerk")
    cookies = page.context.cookies()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    # The old cookie, put back, is no longer a session.
    page.context.add_cookies([c for c in cookies if c["name"] == "landflow_session"])
    page.goto(f"{base}/console/queue")
    expect(page).to_have_url(re.compile(r"/console/login"))
    assert console_errors == []


def test_a_post_without_csrf_token_is_refused(page, live, console_errors):
    base, world = live["base"], live["world"]
    pid = world.parcel_in("surveyed", code="B-CSRF-1")
    sign_in(page, base, world, "clerk")
    response = page.request.post(
        f"{base}/console/parcels/{pid}/transitions/plan/confirm",
        form={"idempotency_key": "b" * 32, "body": '{"planned_use": "industrial"}'})
    assert response.status == 400
    assert world.state_of(pid) == "surveyed"
    assert console_errors == []


UNLABELLED = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button')]
  .filter(e => e.tagName === 'BUTTON' ? !e.textContent.trim() && !e.getAttribute('aria-label')
                                      : !(e.labels && e.labels.length))
  .map(e => e.outerHTML.slice(0, 80))"""


def test_every_control_has_a_label_and_the_sign_in_works_from_the_keyboard(
        page, live, console_errors):
    base, world = live["base"], live["world"]
    pid = world.parcel_in("supplied", code="B-A11Y-1")
    page.goto(f"{base}/console/login")
    assert page.evaluate(UNLABELLED) == []
    page.keyboard.type(world.actors["clerk"].name)  # the user name field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/console/queue"))
    for path in ("/console/queue", f"/console/parcels/{pid}", "/console/ledgers"):
        page.goto(base + path)
        assert page.evaluate(UNLABELLED) == [], path
    assert console_errors == []


def test_the_pages_fit_a_tablet_and_a_1366_screen(page, live, console_errors, shots):
    base, world = live["base"], live["world"]
    pid = world.parcel_in("supplied", code="B-TABLET-1")
    sign_in(page, base, world, "clerk")
    for width, height in ((768, 1024), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        for path in ("/console/queue", f"/console/parcels/{pid}"):
            page.goto(base + path)
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (width, path, overflow)
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"{base}/console/parcels/{pid}")
    page.screenshot(path=str(shots / "tablet.png"))
    assert console_errors == []
