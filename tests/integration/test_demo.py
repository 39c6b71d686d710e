"""The demo portfolio is driven through the real transitions and covers the lifecycle."""

from __future__ import annotations

from sqlalchemy import func, select

from workflow.audit import verify_chains
from workflow.models import Parcel
from workflow.operator.demo import generate_demo


def test_the_demo_reaches_most_states_and_its_audit_chains_verify(runtime):
    report = generate_demo(runtime, count=70, random_seed=7)
    assert sum(report.values()) == 70
    with runtime.reader() as uow:
        states = dict(uow.session.execute(
            select(Parcel.state, func.count()).where(Parcel.code.like("DEMO-7-%"))
            .group_by(Parcel.state)).all())
        assert states == {k: v for k, v in report.items() if k != "skipped"}
        assert len(states) >= 12, states
        assert verify_chains(uow.session).ok


def test_running_the_demo_twice_adds_nothing_twice(runtime):
    generate_demo(runtime, count=5, random_seed=9)
    again = generate_demo(runtime, count=5, random_seed=9)
    assert again == {"skipped": 5}
