"""Webhooks against real HTTP receivers on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import ssl
import time

import pytest
import trustme
from sqlalchemy import select

from tests.factories import World
from tests.receivers import Receiver, Trickler
from workflow.errors import ValidationFailed
from workflow.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from workflow.payloads.fields import load
from workflow.portal import delivery, webhooks
from workflow.portal.addresses import AddressPolicy
from workflow.portal.schemas import AllowedHostSchema, SubscriptionSchema

# The receivers listen on 127.0.0.1 at ports the system picks: the operator setting that lets
# webhooks reach the loopback network on any port.
LOCAL = AddressPolicy.from_strings("127.0.0.0/8", "1-65535")
POLICY = delivery.DeliveryPolicy(backoff_base_s=0.2, backoff_max_s=5, jitter=0.25,
                                 max_failures=4, timeout_s=0.5, deadline_s=2, lease_s=10,
                                 addresses=LOCAL)


@pytest.fixture
def world(runtime):
    w = World(runtime)
    webhooks.allow_host(runtime.uow(), w.actors["admin"], "127.0.0.1", LOCAL)
    return w


def subscribe(world, url, addresses=LOCAL, **extra):
    body = load(SubscriptionSchema, {"url": url, "secret": "s" * 32, **extra})
    return webhooks.create_subscription(world.runtime.uow(), world.actors["admin"], body,
                                        addresses)


def allow(world, host, addresses=LOCAL):
    return webhooks.allow_host(world.runtime.uow(), world.actors["admin"],
                               load(AllowedHostSchema, {"host": host})["host"], addresses)


def drain(runtime, until, timeout=20.0, policy=POLICY, post=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery.deliver_once(runtime.uow, policy, post)
        if until():
            return
        time.sleep(0.02)
    raise AssertionError("webhook delivery did not finish in time")


def verify(headers: dict, body: bytes, secret: str) -> bool:
    parts = dict(p.split("=", 1) for p in headers["X-Landflow-Signature"].split(","))
    mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(mac.hexdigest(), parts["v1"])


def test_a_receiver_that_fails_three_times_then_recovers_gets_every_event_signed(world,
                                                                                  runtime):
    rx = Receiver(fail_first=3)
    try:
        sub = subscribe(world, rx.url, event_types=["transition."])
        pid = world.parcel_in("approved")
        with runtime.reader() as uow:
            expected = list(uow.session.execute(
                select(OutboxEvent.seq).where(OutboxEvent.seq > sub["cursor"],
                                              OutboxEvent.type.startswith("transition."))
                .order_by(OutboxEvent.seq)).scalars())
        assert len(expected) == 3  # survey, plan, approve
        drain(runtime, lambda: len(rx.calls) >= 3 + len(expected))
        delivered = [json.loads(b) for _, _, b in rx.calls[3:]]
        assert [e["seq"] for e in delivered] == expected
        assert all(e["parcel_id"] == pid for e in delivered)
        assert all(verify(h, b, "s" * 32) for _, h, b in rx.calls)
        assert all(h["X-Landflow-Event-Id"] == str(json.loads(b)["seq"]) for _, h, b in rx.calls)
        # The first event was tried 4 times: gaps of ≥ 0.2, 0.4, 0.8 s (base × 2^(n-1)).
        times = [t for t, _, b in rx.calls if json.loads(b)["seq"] == expected[0]]
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert len(gaps) == 3
        for n, gap in enumerate(gaps, start=1):
            assert gap >= POLICY.backoff_base_s * 2 ** (n - 1) * 0.95, gaps
            assert gap <= POLICY.backoff_base_s * 2 ** (n - 1) * (1 + POLICY.jitter) + 0.5, gaps
        log = webhooks.deliveries(runtime.reader(), world.actors["admin"], sub["id"])
        first = [d for d in log["items"] if d["event_seq"] == expected[0]][0]
        assert first["status"] == "delivered" and first["attempts"] == 4
    finally:
        rx.close()


def test_a_receiver_that_never_answers_suspends_the_subscription_and_replay_resends(
        world, runtime):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # accepts connections, never answers
    port = silent.getsockname()[1]
    try:
        sub = subscribe(world, f"http://127.0.0.1:{port}/hook")
        world.parcel_in("planned")
        drain(runtime, lambda: _status(runtime, sub["id"]) == "suspended", timeout=30)
        with runtime.reader() as uow:
            events = [e.type for e in uow.session.execute(select(OutboxEvent)).scalars()]
        assert "webhook.suspended" in events
        log = webhooks.deliveries(runtime.reader(), world.actors["admin"], sub["id"])
        assert log["items"][0]["attempts"] == POLICY.max_failures
        assert "timed out" in log["items"][0]["last_error"]
    finally:
        silent.close()
    rx = Receiver()
    try:
        with runtime.uow() as uow:
            uow.session.get(WebhookSubscription, sub["id"]).url = rx.url
            uow.commit()
        replay_from = sub["cursor"] + 1
        webhooks.replay(runtime.uow(), world.actors["admin"], sub["id"], replay_from)
        drain(runtime, lambda: _cursor(runtime, sub["id"]) >= _last_seq(runtime) - 1)
        seqs = [json.loads(b)["seq"] for _, _, b in rx.calls]
        assert seqs[0] == replay_from and seqs == sorted(seqs)
    finally:
        rx.close()


def _status(runtime, sid):
    with runtime.reader() as uow:
        return uow.session.get(WebhookSubscription, sid).status


def _cursor(runtime, sid):
    with runtime.reader() as uow:
        return uow.session.get(WebhookSubscription, sid).cursor


def _last_seq(runtime):
    from workflow.uow import outbox_last_seq

    with runtime.reader() as uow:
        return outbox_last_seq(uow.session)


def test_only_allowed_http_hosts_can_be_registered(world):
    for url in ("ftp://127.0.0.1/x", "http://evil.example/x", "http://user:pw@127.0.0.1/x",
                "file:///etc/passwd"):
        with pytest.raises(ValidationFailed):
            subscribe(world, url)
    assert subscribe(world, "https://127.0.0.1:8443/ok")["status"] == "active"


def test_backoff_grows_exponentially_with_bounded_jitter():
    import random

    rng = random.Random(1)
    policy = delivery.DeliveryPolicy(backoff_base_s=2, backoff_max_s=60, jitter=0.25)
    delays = [delivery.backoff(n, policy, rng) for n in range(1, 8)]
    for n, d in enumerate(delays, start=1):
        base = min(60, 2 * 2 ** (n - 1))
        assert base <= d <= base * 1.25


# --- where webhooks may go -----------------------------------------------------------------------


@pytest.mark.parametrize("host", [
    "localhost", "hooks.localhost", "127.0.0.1", "10.0.0.1", "192.168.1.10", "172.16.0.1",
    "169.254.169.254", "100.100.100.200", "100.64.0.1", "0.0.0.0",
    "0x7f000001", "2130706433", "0177.0.0.1", "127.1", "017700000001"])
def test_hosts_that_reach_inside_are_refused_by_default(world, host):
    with pytest.raises(ValidationFailed) as refused:
        allow(world, host, AddressPolicy())
    assert set(refused.value.errors) == {"host"}
    hosts = webhooks.list_allowed_hosts(world.runtime.reader(), world.actors["admin"])
    assert [h["host"] for h in hosts["items"]] == ["127.0.0.1"]  # the fixture's, under LOCAL


def test_the_operator_setting_opens_only_the_networks_it_lists(world):
    assert allow(world, "localhost")["host"] == "localhost"
    assert allow(world, "127.0.0.2")["host"] == "127.0.0.2"
    assert allow(world, "hooks.example.org")["host"] == "hooks.example.org"
    # Not listed, a metadata endpoint even when its network is listed, a numeric spelling.
    lenient = AddressPolicy.from_strings("127.0.0.0/8, 169.254.0.0/16, 100.64.0.0/10")
    for host in ("10.0.0.1", "169.254.169.254", "100.100.100.200", "0x7f000001", "2130706433"):
        with pytest.raises(ValidationFailed) as refused:
            allow(world, host, lenient)
        assert set(refused.value.errors) == {"host"}, host
    assert allow(world, "169.254.10.1", lenient)["host"] == "169.254.10.1"


def test_urls_with_whitespace_or_control_characters_are_refused_naming_url(world, runtime):
    for url in ("http://127.0.0.1/x\r\nX-Injected: 1", " http://127.0.0.1/x",
                "\thttp://127.0.0.1/x", "http://127.0.0.1/x\n", "http://127.0.0.1/a b",
                "http://127.0.0.1/x ", "http://127.0.0.1/x\x00", "http://127.0.0.1/\u3000x"):
        with pytest.raises(ValidationFailed) as refused:
            subscribe(world, url)
        assert set(refused.value.errors) == {"url"}, url
    with runtime.reader() as uow:
        assert uow.session.execute(select(WebhookSubscription)).first() is None


def test_ports_outside_the_policy_are_refused(world):
    standard = AddressPolicy.from_strings("127.0.0.0/8")  # 80, 443, 8080, 8443
    for url in ("http://127.0.0.1:22/x", "http://127.0.0.1:5432/x", "https://127.0.0.1:0/x",
                "http://127.0.0.1:99999/x"):
        with pytest.raises(ValidationFailed) as refused:
            subscribe(world, url, standard)
        assert set(refused.value.errors) == {"url"}, url
    assert subscribe(world, "http://127.0.0.1/x", standard)["status"] == "active"
    assert subscribe(world, "https://127.0.0.1:8443/x", standard)["status"] == "active"


def _last_delivery(runtime, sub_id):
    """The subscription's latest delivery as the admin sees it."""
    with runtime.reader() as uow:
        d = uow.session.execute(
            select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id)
            .order_by(WebhookDelivery.id.desc())).scalars().first()
        return {"status": d.status, "last_status_code": d.last_status_code,
                "last_error": d.last_error or ""}


def test_a_redirect_is_a_failed_attempt_and_is_never_followed(world, runtime):
    elsewhere = Receiver(status=200)
    allow(world, "localhost")
    redirect = Receiver(status=302,
                        headers={"Location": f"http://localhost:{elsewhere.port}/stolen"})
    try:
        sub = subscribe(world, redirect.url)
        world.parcel_in("planned")
        delivery.deliver_once(runtime.uow, POLICY)
        assert len(redirect.calls) == 1
        assert elsewhere.requests == []
        d = _last_delivery(runtime, sub["id"])
        assert d["status"] == "failed" and d["last_status_code"] == 302
        assert "redirect" in d["last_error"]
        assert _cursor(runtime, sub["id"]) == sub["cursor"]  # the event is not lost
    finally:
        redirect.close()
        elsewhere.close()


class FakeDNS:
    """A resolver that answers from a table and counts the questions."""

    def __init__(self, table):
        self.table = table
        self.asked = []

    def __call__(self, host, port):
        self.asked.append(host)
        return list(self.table[host])


def test_names_are_resolved_at_send_time_and_every_address_is_checked(world, runtime):
    rx = Receiver()
    try:
        allow(world, "hooks.landflow.test")
        sub = subscribe(world, f"http://hooks.landflow.test:{rx.port}/hook")
        world.parcel_in("planned")
        # Since it was allowed, the name has come to point at loopback too (DNS rebinding).
        public_only = delivery.DeliveryPolicy(timeout_s=0.5, deadline_s=2, lease_s=10,
                                              addresses=AddressPolicy.from_strings("", "1-65535"))
        dns = FakeDNS({"hooks.landflow.test": ["93.184.216.34", "127.0.0.1"]})
        delivery.deliver_once(runtime.uow, public_only,
                              delivery.HttpPoster(public_only, resolver=dns))
        assert dns.asked == ["hooks.landflow.test"] and rx.calls == []
        d = _last_delivery(runtime, sub["id"])
        assert d["status"] == "failed" and "127.0.0.1" in d["last_error"]
    finally:
        rx.close()


def test_the_connection_goes_to_the_checked_address_with_the_urls_host_header(world, runtime):
    rx = Receiver()
    try:
        allow(world, "hooks.landflow.test")
        sub = subscribe(world, f"http://hooks.landflow.test:{rx.port}/hook?k=1")
        world.parcel_in("planned")
        dns = FakeDNS({"hooks.landflow.test": ["127.0.0.1"]})
        drain(runtime, lambda: _cursor(runtime, sub["id"]) >= _last_seq(runtime) - 1,
              post=delivery.HttpPoster(POLICY, resolver=dns))
        assert rx.requests and all(
            method == "POST" and path == "/hook?k=1"
            and headers["Host"] == f"hooks.landflow.test:{rx.port}"
            for method, path, headers in rx.requests)
        assert len(dns.asked) == len(rx.requests)  # resolved once per post, never again
    finally:
        rx.close()


def test_tls_is_verified_against_the_urls_host_name_not_the_address(world, runtime):
    ca = trustme.CA()
    client_tls = ssl.create_default_context()
    ca.configure_trust(client_tls)
    allow(world, "hooks.landflow.test")
    dns = FakeDNS({"hooks.landflow.test": ["127.0.0.1"]})
    poster = delivery.HttpPoster(POLICY, resolver=dns, tls=client_tls)
    results = {}
    for name in ("hooks.landflow.test", "someone-else.test"):
        server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert(name).configure_cert(server_tls)
        rx = Receiver(tls=server_tls)
        try:
            sub = subscribe(world, f"https://hooks.landflow.test:{rx.port}/hook")
            world.parcel_in("surveyed")
            delivery.deliver_once(runtime.uow, POLICY, poster)
            results[name] = (_last_delivery(runtime, sub["id"]), len(rx.calls))
        finally:
            rx.close()
    good, bad = results["hooks.landflow.test"], results["someone-else.test"]
    assert good[0]["status"] == "delivered" and good[1] == 1
    assert bad[0]["status"] == "failed" and bad[1] == 0
    assert "certificate" in bad[0]["last_error"].lower() or "hostname" in bad[0]["last_error"]


# --- how long a delivery may take ------------------------------------------------------------


def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_deadline(world, runtime):
    slow = Trickler(interval=0.2)  # each byte well within the 0.5 s read timeout
    policy = delivery.DeliveryPolicy(backoff_base_s=0.2, timeout_s=0.5, deadline_s=1.0,
                                     lease_s=2.0, addresses=LOCAL)
    try:
        sub = subscribe(world, slow.url)
        world.parcel_in("surveyed")
        began = time.monotonic()
        stats = delivery.deliver_once(runtime.uow, policy)
        took = time.monotonic() - began
        assert stats["failed"] == 1 and stats["delivered"] == 0
        assert took < policy.deadline_s + 0.5, took
        d = _last_delivery(runtime, sub["id"])
        assert d["status"] == "failed" and "deadline" in d["last_error"]
    finally:
        slow.close()


def test_policies_keep_the_deadline_within_half_the_lease():
    with pytest.raises(ValueError):
        delivery.DeliveryPolicy(deadline_s=40, lease_s=60)
    with pytest.raises(ValueError):
        delivery.DeliveryPolicy(timeout_s=30, deadline_s=20)
    assert delivery.DeliveryPolicy().deadline_s <= delivery.DeliveryPolicy().lease_s / 2


def test_a_worker_that_lost_its_lease_neither_posts_records_nor_frees_it(world, runtime):
    rx = Receiver()
    policy = delivery.DeliveryPolicy(timeout_s=0.05, deadline_s=0.1, lease_s=0.2,
                                     addresses=LOCAL)
    try:
        sub = subscribe(world, rx.url)
        world.parcel_in("surveyed")
        first = delivery._lease(runtime.uow, sub["id"], policy)
        assert first is not None
        assert delivery._lease(runtime.uow, sub["id"], policy) is None  # held
        time.sleep(0.3)  # the first worker stalls past its lease
        second = delivery._lease(runtime.uow, sub["id"], policy)
        assert second is not None
        outcome, held = delivery._deliver_next(runtime.uow, sub["id"], first, policy,
                                               delivery.HttpPoster(policy), None)
        assert (outcome, held) == (delivery.LOST, None) and rx.calls == []
        delivery._release(runtime.uow, sub["id"], first)
        assert delivery._lease(runtime.uow, sub["id"], policy) is None  # still the second's
        outcome, held = delivery._deliver_next(runtime.uow, sub["id"], second, policy,
                                               delivery.HttpPoster(policy), None)
        assert outcome == "delivered" and held is not None and len(rx.calls) == 1
    finally:
        rx.close()
