"""Webhook administration over HTTP: what may not be a webhook destination is a 422 problem
document naming the field, and nothing is stored."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from api import create_app
from workflow.models import WebhookAllowedHost, WebhookSubscription


def stored(runtime):
    with runtime.reader() as uow:
        s = uow.session
        return (s.execute(select(func.count()).select_from(WebhookAllowedHost)).scalar_one(),
                s.execute(select(func.count()).select_from(WebhookSubscription)).scalar_one())


def refused(r, field):
    assert r.status_code == 422, r.get_json()
    assert r.mimetype == "application/problem+json"
    assert field in r.get_json()["errors"], r.get_json()


@pytest.mark.parametrize("host", ["localhost", "0x7f000001", "2130706433", "169.254.169.254",
                                  "10.0.0.1", "127.0.0.1", "example.org\n"])
def test_hosts_that_reach_inside_are_422_naming_host(client, runtime, host):
    r = client.post("/api/v1/webhooks/allowed-hosts", {"host": host}, who="admin")
    refused(r, "host")
    assert stored(runtime) == (0, 0)


@pytest.mark.parametrize("url", ["http://example.org/x\r\nX-Injected: 1",
                                 " http://example.org/x", "http://example.org/x\n",
                                 "http://example.org:22/x", "http://10.0.0.1/x"])
def test_bad_webhook_urls_are_422_naming_url(client, runtime, url):
    assert client.post("/api/v1/webhooks/allowed-hosts", {"host": "example.org"},
                       who="admin").status_code == 201
    r = client.post("/api/v1/webhooks", {"url": url}, who="admin")
    refused(r, "url")
    assert stored(runtime) == (1, 0)


def test_the_operator_setting_lets_a_private_network_in(runtime, world):
    runtime.settings = dataclasses.replace(runtime.settings,
                                           webhook_private_networks="10.20.0.0/16")
    http = create_app(runtime=runtime, testing=True).test_client()
    headers = {"Authorization": f"Bearer {world.tokens['admin']}"}
    r = http.post("/api/v1/webhooks/allowed-hosts", json={"host": "10.20.1.5"}, headers=headers)
    assert r.status_code == 201, r.get_json()
    r = http.post("/api/v1/webhooks", json={"url": "https://10.20.1.5/landflow"},
                  headers=headers)
    assert r.status_code == 201, r.get_json()
    r = http.post("/api/v1/webhooks/allowed-hosts", json={"host": "10.21.0.1"}, headers=headers)
    refused(r, "host")
