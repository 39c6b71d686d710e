"""Operator details of the command line (issue 14, item 7): token rotation."""

from __future__ import annotations

import pytest

from api import create_app
from workflow.accounts.services import authenticate
from workflow.errors import Unauthenticated


@pytest.fixture
def cli(runtime):
    return create_app(runtime=runtime, testing=True).test_cli_runner()


def test_users_rotate_issues_a_new_token_and_the_old_one_stops_at_once(cli, runtime):
    old = cli.invoke(args=["users", "add", "zhao.clerk", "--role", "clerk"])
    old_token = old.output.strip().splitlines()[-1]
    assert authenticate(runtime.reader(), old_token).name == "zhao.clerk"
    r = cli.invoke(args=["users", "rotate", "zhao.clerk"])
    assert r.exit_code == 0, r.output
    assert "1 old token(s) revoked" in r.output
    new_token = r.output.strip().splitlines()[-1]
    assert new_token.startswith("lf_") and new_token != old_token
    actor = authenticate(runtime.reader(), new_token)
    assert actor.name == "zhao.clerk" and actor.role == "clerk"
    with pytest.raises(Unauthenticated):
        authenticate(runtime.reader(), old_token)


def test_rotating_an_unknown_or_revoked_account_is_refused(cli):
    r = cli.invoke(args=["users", "rotate", "nobody"])
    assert r.exit_code == 1 and "NOT_FOUND" in r.output
    cli.invoke(args=["users", "add", "qian.clerk", "--role", "clerk"])
    cli.invoke(args=["users", "revoke", "qian.clerk"])
    r = cli.invoke(args=["users", "rotate", "qian.clerk"])
    assert r.exit_code == 1 and "CONFLICT" in r.output
