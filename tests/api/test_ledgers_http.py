"""The ledger endpoints."""

from __future__ import annotations


def test_an_admin_opens_a_quota_account_and_others_may_not(client):
    body = {"year": 2030, "allocated_m2": "266800.00", "name": "石柱县 2030 年度计划指标",
            "document_no": "渝规资发〔2030〕1号"}
    assert client.post("/api/v1/quota/accounts", body, who="clerk").status_code == 403
    r = client.post("/api/v1/quota/accounts", body, who="admin")
    assert r.status_code == 201, r.get_json()
    account = r.get_json()
    assert account["balance_m2"] == "266800.00" and account["county_code"] == "500240"
    again = client.post("/api/v1/quota/accounts", body, who="admin")
    assert again.status_code == 409
    entries = client.get(f"/api/v1/quota/accounts/{account['id']}/entries").get_json()
    assert [(e["kind"], e["amount_m2"]) for e in entries["items"]] == [
        ("allocate", "266800.00")]


def test_transfers_move_quota_and_refuse_overdrafts(client, world):
    a, b = world.quota_accounts[2025], world.quota_accounts[2026]
    r = client.post("/api/v1/quota/transfers", {
        "from_account_id": a, "to_account_id": b, "amount_m2": "1000.00",
        "document_no": "石规资调〔2025〕1号"}, who="admin")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["from"]["balance_m2"] == "9999000.00"
    r = client.post("/api/v1/quota/transfers", {
        "from_account_id": a, "to_account_id": b, "amount_m2": "99999999.00",
        "document_no": "x"}, who="admin")
    assert r.status_code == 422 and "amount_m2" in r.get_json()["errors"]


def test_farmland_credits_show_remaining_areas_and_pairings(client, world):
    pid = world.parcel_in("approved")
    r = client.get("/api/v1/farmland/credits?available=true")
    items = r.get_json()["items"]
    paired = [c for c in items if c["pairings"]]
    assert paired and paired[0]["pairings"][0]["parcel_id"] == pid
    assert paired[0]["remaining_area_m2"] == "994000.00"
    bad = client.post("/api/v1/farmland/credits", {
        "source": "consolidation", "project_no": "x", "area_m2": "10", "paddy_m2": "11",
        "grade": 3, "accepted_on": "2024-01-01"}, who="admin")
    assert bad.status_code == 422 and "paddy_m2" in bad.get_json()["errors"]


def test_a_land_ticket_is_recorded_with_its_proceeds_split(client):
    r = client.post("/api/v1/land-tickets", {
        "ticket_no": "渝地票〔2024〕0007", "area_m2": "2000", "cultivated_m2": "1800",
        "paddy_m2": "0", "grade": 6, "acceptance_ref": "渝规资复垦验〔2024〕3号",
        "accepted_on": "2024-03-01", "trade_price_yuan": "560000",
        "reclamation_cost_yuan": "60000", "buyer": "石柱县土地储备中心",
        "traded_on": "2024-04-10"}, who="admin")
    assert r.status_code == 201, r.get_json()
    t = r.get_json()
    assert (t["net_proceeds_yuan"], t["farmer_share_yuan"], t["collective_share_yuan"]) == (
        "500000.00", "425000.00", "75000.00")
    assert client.get("/api/v1/land-tickets").get_json()["total"] == 1


def test_a_refused_approval_is_a_problem_document_listing_every_violation(client, world):
    from tests.factories import World  # noqa: F401

    pid = world.parcel_in("planned")  # collective land, no pre-approval records
    r = client.fire(pid, "approve", {"quota_account_id": world.quota_accounts[2024]})
    assert r.status_code == 422
    problem = r.get_json()
    assert problem["code"] == "RULE_VIOLATION"
    rules = {v["rule"] for v in problem["violations"]}
    assert rules == {"QUOTA_ACCOUNT_INVALID", "EXPROPRIATION_PROCEDURE_INCOMPLETE"}
    assert all(v["message"] and v["message_en"] for v in problem["violations"])
