"""Webhooks against real HTTP receivers on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from tests.factories import World
from workflow.errors import ValidationFailed
from workflow.models import OutboxEvent, WebhookSubscription
from workflow.payloads.fields import load
from workflow.portal import delivery, webhooks
from workflow.portal.schemas import SubscriptionSchema

POLICY = delivery.DeliveryPolicy(backoff_base_s=0.2, backoff_max_s=5, jitter=0.25,
                                 max_failures=4, timeout_s=0.5, lease_s=10)


class Receiver:
    """An HTTP endpoint that fails its first ``fail_first`` calls, then answers 204."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.calls: list[tuple[float, dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls.append((time.monotonic(), dict(self.headers), body))
                self.send_response(500 if len(outer.calls) <= outer.fail_first else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/landflow"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def world(runtime):
    w = World(runtime)
    webhooks.allow_host(runtime.uow(), w.actors["admin"], "127.0.0.1")
    return w


def subscribe(world, url, **extra):
    body = load(SubscriptionSchema, {"url": url, "secret": "s" * 32, **extra})
    return webhooks.create_subscription(world.runtime.uow(), world.actors["admin"], body)


def drain(runtime, until, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery.deliver_once(runtime.uow, POLICY)
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
