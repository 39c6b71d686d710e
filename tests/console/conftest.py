from __future__ import annotations

import re

import pytest

from api import create_app
from tests.factories import World
from workflow.accounts.sessions import set_password

PASSWORD = "correct horse battery"


@pytest.fixture
def app(runtime):
    return create_app(runtime=runtime, testing=True)


@pytest.fixture
def world(runtime):
    w = World(runtime)
    for key in ("clerk", "approver", "auditor", "admin"):
        set_password(runtime.uow(), w.actors[key].name, PASSWORD)
    return w


class Browser:
    """The Flask test client as a signed-in user: cookies kept, CSRF tokens read off forms."""

    def __init__(self, app, world):
        # The console's cookies are Secure: the client talks HTTPS.
        self.http = app.test_client()
        self.world = world
        self.base = "https://localhost"

    def get(self, path, **kw):
        return self.http.get(self.base + path, **kw)

    def post(self, path, data=None, **kw):
        # Over HTTPS Flask-WTF also checks that the Referer is this site, as a browser sends.
        headers = {"Referer": self.base + "/console/", **kw.pop("headers", {})}
        return self.http.post(self.base + path, data=data or {}, headers=headers, **kw)

    def csrf(self, path="/console/login"):
        html = self.get(path).get_data(as_text=True)
        found = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert found, html[:500]
        return found.group(1)

    def sign_in(self, who, password=PASSWORD):
        token = self.csrf()
        return self.post("/console/login", {"csrf_token": token, "username":
                                            self.world.actors[who].name, "password": password})


@pytest.fixture
def console(app, world):
    return Browser(app, world)
