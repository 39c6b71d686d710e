"""Browser tests: the console in Debian's Chromium (``/usr/bin/chromium``) driven by Playwright,
against a live server on a committed SQLite database (the demo portfolio on the synthetic
layers, plus the test world's accounts). They run whenever the browser is there (.ci/run
installs it); without it they are deselected and said so, never reported as passed."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from api import create_app
from tests.conftest import TODAY
from tests.factories import World
from workflow.accounts.sessions import set_password
from workflow.config import Settings
from workflow.operator.demo import generate_demo
from workflow.operator.demo_layers import load_demo_layers
from workflow.operator.migrate import upgrade
from workflow.operator.seed import load_seed
from workflow.runtime import FixedClock, Runtime

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]


def chromium_path() -> str | None:
    found = os.environ.get("LANDFLOW_CHROMIUM") or shutil.which("chromium") \
        or shutil.which("chromium-browser")
    return found if found and os.access(found, os.X_OK) else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if chromium_path():
        return
    if os.environ.get("LANDFLOW_REQUIRE_BROWSER"):
        # CI installs Chromium; its absence there is a broken machine, not a reason to pass.
        raise pytest.UsageError("LANDFLOW_REQUIRE_BROWSER is set but no chromium was found")
    here = str(Path(__file__).parent)
    keep = [i for i in items if not str(i.path).startswith(here)]
    dropped = [i for i in items if str(i.path).startswith(here)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
        print(f"\nNOTE: {len(dropped)} browser tests not run: no chromium "
              "(apt-get install chromium, or set LANDFLOW_CHROMIUM)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": chromium_path()}


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A served console: base URL, the world (accounts with the password) and the runtime."""
    path = tmp_path_factory.mktemp("live") / "landflow-browser.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    rt = Runtime.from_settings(Settings(database_url=url, secret_key="browser-secret"),
                               clock=FixedClock(TODAY))
    load_seed(rt.uow())
    load_demo_layers(rt)
    generate_demo(rt, count=24, random_seed=2021)
    world = World(rt, ledgers=False)
    world.credit("1000000.00", "300000.00", grade=3, accepted_on="2022-06-01")
    world.add_account("nanbin", "clerk", "南宾街道")
    for key in ("clerk", "approver", "auditor", "nanbin"):
        set_password(rt.uow(), world.actors[key].name, PASSWORD)
    app = create_app(runtime=rt)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"base": f"http://127.0.0.1:{server.server_port}", "world": world, "runtime": rt}
    server.shutdown()
    thread.join(5)
    rt.engine.dispose()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: docs/console/ when LANDFLOW_SCREENSHOTS=1 (to refresh the
    README's pictures), else the test's own temporary folder."""
    if os.environ.get("LANDFLOW_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "console"
        target.mkdir(parents=True, exist_ok=True)
        return target
    return tmp_path


@pytest.fixture
def console_errors(page) -> Iterator[list[str]]:
    """Every console error and uncaught exception of the page, and every failed subresource
    (script, style, image, GeoJSON); each test asserts none. A page that answers 4xx on
    purpose (a form with errors: 422; another township's parcel: 403) makes Chromium log
    "Failed to load resource" for the document itself: that one is the answer under test, not
    a rendering error, and is judged by the test from the response instead."""
    errors: list[str] = []

    def on_console(m) -> None:
        if m.type == "error" and not m.text.startswith(DOCUMENT_STATUS):
            errors.append(f"{m.type}: {m.text}")

    def on_response(r) -> None:
        if r.status >= 400 and r.request.resource_type != "document":
            errors.append(f"{r.status} {r.request.resource_type} {r.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("response", on_response)
    # A request the next navigation cancelled (ERR_ABORTED) did not fail; any other did.
    page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "")
            else errors.append(f"failed {r.url}: {r.failure}"))
    yield errors


DOCUMENT_STATUS = "Failed to load resource: the server responded with a status of"


def sign_in(page, base: str, world: World, who: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/console/login")
    page.get_by_label("用户名").fill(world.actors[who].name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


@pytest.fixture(scope="session")
def base_url() -> None:
    """pytest-base-url's own fixture trips a pytest deprecation (warnings are errors here);
    the tests take their address from ``live``."""
    return None
