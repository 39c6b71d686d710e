"""/metrics: scraped and parsed with prometheus-client's own parser; who may scrape it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from api import create_app
from workflow.deadlines.sweep import run_sweep


def scrape(client, **kw) -> dict[tuple[str, tuple], float]:
    r = client.http.get("/metrics", **kw)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.headers["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(r.get_data(as_text=True)):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_request_latency_is_counted_per_route_and_status(client, world):
    pid = world.parcel_in("surveyed")
    before = scrape(client)
    assert client.get(f"/api/v1/parcels/{pid}").status_code == 200
    assert client.get("/api/v1/parcels/999999").status_code == 404
    after = scrape(client)
    route = "/api/v1/parcels/<int:parcel_id>"
    for status in ("200", "404"):
        key = dict(method="GET", route=route, status=status)
        assert value(after, "landflow_http_request_duration_seconds_count", **key) == \
            value(before, "landflow_http_request_duration_seconds_count", **key) + 1
        assert value(after, "landflow_http_request_duration_seconds_bucket", le="+Inf",
                     **key) >= 1
    # the URL's id never becomes a label of its own
    assert not any("999999" in dict(labels).get("route", "") for _, labels in after)


def test_transitions_fired_and_refused_are_counted_per_transition_and_rule_code(client, world):
    before = scrape(client)
    pid = world.parcel_in("surveyed")
    assert client.fire(pid, "plan").status_code == 200
    assert client.fire(pid, "plan").status_code == 409  # planned already
    planned = world.parcel_in("planned")  # no pre-approval records: the rules refuse
    r = client.fire(planned, "approve", {"quota_account_id": world.quota_accounts[2024]})
    assert r.status_code == 422
    rules = {v["rule"] for v in r.get_json()["violations"]}
    after = scrape(client)
    fired = "landflow_transitions_fired_total"
    refused = "landflow_transitions_refused_total"
    assert value(after, fired, transition="plan") >= value(before, fired, transition="plan") + 2
    assert value(after, refused, transition="plan", code="TRANSITION_NOT_ALLOWED") == \
        value(before, refused, transition="plan", code="TRANSITION_NOT_ALLOWED") + 1
    for rule in rules:
        assert value(after, refused, transition="approve", code=rule) == \
            value(before, refused, transition="approve", code=rule) + 1


def test_sweeps_webhook_lag_and_the_pool_are_exposed(client, world, runtime, clock):
    assert client.post("/api/v1/webhooks/allowed-hosts", {"host": "example.org"},
                       who="admin").status_code == 201
    assert client.post("/api/v1/webhooks", {"url": "https://example.org/hook"},
                       who="admin").status_code == 201
    before = scrape(client)
    world.parcel_in("surveyed")  # one more outbox event the subscription has not been sent
    run_sweep(runtime, clock.today() - timedelta(days=3))
    after = scrape(client)
    assert value(after, "landflow_sweep_runs_total") == \
        value(before, "landflow_sweep_runs_total") + 1
    assert value(after, "landflow_sweep_lag_days") == 3
    assert value(after, "landflow_sweep_last_finished_age_seconds") >= 0
    lags = {dict(labels)["subscription"]: v for (name, labels), v in after.items()
            if name == "landflow_webhook_lag_events"}
    assert lags and min(lags.values()) >= 1
    assert value(after, "landflow_outbox_last_seq") >= max(lags.values())
    assert value(after, "landflow_lag_up") == 1
    assert ("landflow_db_pool_checked_out", ()) in after
    assert value(after, "landflow_db_pool_checkouts_total") >= \
        value(before, "landflow_db_pool_checkouts_total")


def test_only_internal_addresses_or_the_token_may_scrape(runtime, world):
    runtime.settings = replace(runtime.settings, metrics_networks="10.0.0.0/8",
                               metrics_token="scrape-me-0123456789")
    http = create_app(runtime=runtime, testing=True).test_client()
    outside = {"REMOTE_ADDR": "203.0.113.7"}
    r = http.get("/metrics", environ_base=outside)
    assert r.status_code == 403 and r.mimetype == "application/problem+json"
    r = http.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 403
    # an API token is not the metrics token
    r = http.get("/metrics", environ_base=outside,
                 headers={"Authorization": f"Bearer {world.tokens['admin']}"})
    assert r.status_code == 403
    r = http.get("/metrics", environ_base=outside,
                 headers={"Authorization": "Bearer scrape-me-0123456789"})
    assert r.status_code == 200
    assert http.get("/metrics", environ_base={"REMOTE_ADDR": "10.3.4.5"}).status_code == 200
    # loopback is no longer in the configured networks
    assert http.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 403


def test_without_a_token_or_networks_there_is_no_metrics_endpoint(runtime):
    runtime.settings = replace(runtime.settings, metrics_networks="", metrics_token="")
    http = create_app(runtime=runtime, testing=True).test_client()
    assert http.get("/metrics").status_code == 404
