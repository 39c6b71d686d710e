from __future__ import annotations

import pytest

from api import create_app
from tests.factories import World


@pytest.fixture
def app(runtime):
    return create_app(runtime=runtime, testing=True)


@pytest.fixture
def world(runtime):
    return World(runtime)


class Client:
    """The test client with a bearer token per role."""

    def __init__(self, app, world):
        self.http = app.test_client()
        self.world = world

    def headers(self, who: str | None, extra: dict | None = None) -> dict:
        h = dict(extra or {})
        if who is not None:
            h["Authorization"] = f"Bearer {self.world.tokens[who]}"
        return h

    def get(self, path, who="auditor", **kw):
        return self.http.get(path, headers=self.headers(who, kw.pop("headers", None)), **kw)

    def post(self, path, body=None, who="clerk", **kw):
        headers = self.headers(who, kw.pop("headers", None))
        if "data" in kw:
            return self.http.post(path, headers=headers, **kw)
        return self.http.post(path, json=body, headers=headers, **kw)

    def fire(self, pid, name, body=None, who="default", **kw):
        from tests.factories import role_for

        payload = self.world.payload(name, **(body or {}))
        if who == "default":
            who = role_for(name)
        return self.post(f"/api/v1/parcels/{pid}/transitions/{name}", payload, who=who, **kw)


@pytest.fixture
def client(app, world):
    return Client(app, world)
