"""Failed authentications are limited by what is presented and by the client's address (read
through the trusted proxies only), and never refuse a valid token; 401s name the Bearer scheme;
over-long Authorization headers are refused early with a problem document."""

from __future__ import annotations

import dataclasses
import secrets

import pytest

from api import create_app


def wrong_token() -> str:
    return "lf_" + secrets.token_urlsafe(32)


def get(http, token, addr="127.0.0.1", **headers):
    headers["Authorization"] = f"Bearer {token}"
    return http.get("/api/v1/parcels", headers=headers, environ_base={"REMOTE_ADDR": addr})


def test_a_valid_token_is_accepted_whatever_its_address_failed(client, world, runtime):
    limit = runtime.settings.auth_failures_per_minute
    for _ in range(limit + 5):
        get(client.http, wrong_token(), addr="10.1.1.1")
    assert get(client.http, wrong_token(), addr="10.1.1.1").status_code == 429
    r = get(client.http, world.tokens["clerk"], addr="10.1.1.1")
    assert r.status_code == 200, r.get_json()


def test_failures_on_one_token_are_limited_across_addresses_and_lock_out_no_valid_token(
        client, world, runtime):
    limit = runtime.settings.auth_failures_per_minute
    victim = world.tokens["clerk"]
    guess = victim[:10] + "x" * (len(victim) - 10)  # the victim's prefix, the rest guessed
    for i in range(limit):
        assert get(client.http, guess, addr=f"10.2.0.{i}").status_code == 401
    r = get(client.http, guess, addr="10.2.1.1")
    assert r.status_code == 429 and r.get_json()["code"] == "RATE_LIMITED"
    assert get(client.http, wrong_token(), addr="10.2.1.1").status_code == 401
    assert get(client.http, victim, addr="10.2.0.1").status_code == 200


@pytest.fixture
def behind_one_proxy(runtime):
    settings = dataclasses.replace(runtime.settings, trusted_proxies=1)
    app = create_app(runtime=dataclasses.replace(runtime, settings=settings), testing=True)
    return app.test_client()


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(behind_one_proxy, runtime):
    limit = runtime.settings.auth_failures_per_minute
    for _ in range(limit):
        get(behind_one_proxy, wrong_token(), **{"X-Forwarded-For": "203.0.113.7"})
    blocked = get(behind_one_proxy, wrong_token(), **{"X-Forwarded-For": "203.0.113.7"})
    assert blocked.status_code == 429
    # Another client behind the same proxy: its own count.
    other = get(behind_one_proxy, wrong_token(), **{"X-Forwarded-For": "203.0.113.8"})
    assert other.status_code == 401


def test_without_a_trusted_proxy_a_forwarded_address_is_ignored(client, runtime):
    limit = runtime.settings.auth_failures_per_minute
    for i in range(limit):
        get(client.http, wrong_token(), **{"X-Forwarded-For": f"198.51.100.{i}"})
    r = get(client.http, wrong_token(), **{"X-Forwarded-For": "198.51.100.250"})
    assert r.status_code == 429


def test_a_401_names_the_bearer_scheme(client):
    r = client.http.get("/api/v1/parcels")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == 'Bearer realm="landflow"'
    r = get(client.http, wrong_token())
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="landflow", error="invalid_token"'


def test_an_over_long_authorization_header_is_a_431_problem(client, world):
    r = get(client.http, "lf_" + "x" * 10_000)
    assert r.status_code == 431 and r.mimetype == "application/problem+json"
    assert r.get_json()["code"] == "HEADER_TOO_LARGE"
    assert get(client.http, world.tokens["clerk"]).status_code == 200
