"""The law in force on the day, through the real transitions: a backdated step is judged by the
parameters in force on its effective date, and its audit event names them (``law_set``).

The parameter that changed: the uses that must be granted by tender, auction or listing —
industrial land joined them by 国发〔2006〕31号 (2006-08-31; 39号令 第四条 since 2007-11-01); under
11号令 第四条 (2002) it could still be granted by agreement (协议出让).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.integration.rules.helpers import refused
from workflow import law
from workflow.audit import verify_chains
from workflow.models import AuditEvent


def _approved_state_land(world, year: int) -> int:
    """State-owned land (no expropriation) surveyed, planned industrial and approved in
    ``year``, with that year's quota and a farmland credit accepted the year before."""
    world.quota_account(year, "100000.00")
    world.credit("10000.00", "2000.00", grade=3, accepted_on=f"{year - 1}-06-01")
    pid = world.survey(ownership="state", effective_date=f"{year}-01-10")
    world.fire(pid, "plan", effective_date=f"{year}-02-01", planned_use="industrial")
    world.fire(pid, "approve", effective_date=f"{year}-03-01")
    return pid


def _supply(year: int, method: str = "agreement") -> dict:
    return {"effective_date": f"{year}-05-06", "signed_on": f"{year}-05-06",
            "agreed_start_date": f"{year}-08-01", "agreed_completion_date": f"{year + 2}-08-01",
            "method": method, "term_years": 50}


def _events(world, pid: int) -> list[AuditEvent]:
    with world.runtime.reader() as uow:
        events = list(uow.session.execute(
            select(AuditEvent).where(AuditEvent.parcel_id == pid)
            .order_by(AuditEvent.stream_seq)).scalars())
        uow.session.expunge_all()
        return events


def test_a_backdated_grant_by_agreement_is_judged_by_the_law_of_its_day(world):
    """11号令 第四条 (in force 2002-07-01): industrial land could be granted by agreement in 2005;
    the step is accepted although today's law (39号令 第四条) would refuse it, and its event
    names the parameter set of 2005."""
    pid = _approved_state_land(world, 2005)
    world.fire(pid, "supply", **_supply(2005))
    assert world.state_of(pid) == "supplied"
    supplied = _events(world, pid)[-1]
    assert supplied.name == "supply"
    assert supplied.law_set == law.in_force_on(date(2005, 5, 6)).id
    assert supplied.law_set.startswith("origin#")
    assert supplied.law_set != law.current().id


@pytest.mark.parametrize("year", [2007, 2008])
def test_industrial_land_by_agreement_is_refused_after_国发2006_31号(world, year):
    """国发〔2006〕31号: 工业用地必须采用招标拍卖挂牌方式出让 (and 39号令 第四条 from
    2007-11-01); a listing the same day is accepted."""
    pid = _approved_state_land(world, year)
    assert refused(world, pid, "supply", **_supply(year)) == {"SUPPLY_METHOD_NOT_ALLOWED"}
    world.fire(pid, "supply", **_supply(year, method="listing"))
    assert _events(world, pid)[-1].law_set == law.in_force_on(date(year, 5, 6)).id


def test_every_step_records_its_law_set_and_the_chains_verify(world):
    """Survey, transitions and records each name the law of their own effective date; the law
    set is hashed with the event and the chains still verify."""
    pid = world.parcel_in("expropriated")
    world.record(pid, "payment", "2023-06-01", amount_yuan="1.00")
    events = _events(world, pid)
    assert [e.law_set for e in events] == [law.in_force_on(e.effective_date).id
                                          for e in events]
    assert all(e.law_set for e in events)
    with world.runtime.reader() as uow:
        assert verify_chains(uow.session).ok


def test_the_history_shows_the_law_set(world, runtime):
    pid = world.parcel_in("planned")
    from workflow.queries import event_view

    for e in _events(world, pid):
        assert event_view(e)["law_set"] == e.law_set


def test_rewriting_the_law_set_of_an_event_breaks_its_chain(world, runtime, backend):
    """The law that judged a step is evidence of the decision, hashed with the event: an event
    rewritten to claim another law set fails ``landflow audit verify``."""
    from api import create_app
    from tests.integration.test_cli import tamper

    cli = create_app(runtime=runtime, testing=True).test_cli_runner()
    pid = _approved_state_land(world, 2005)
    world.fire(pid, "supply", **_supply(2005))
    assert cli.invoke(args=["audit", "verify"]).exit_code == 0
    victim = _events(world, pid)[-1]
    tamper(runtime, backend, "UPDATE audit_events SET law_set = :s WHERE id = :id",
           s=law.current().id, id=victim.id)
    broken = cli.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"parcel:{pid} #{victim.stream_seq}" in broken.output
    assert "hash does not match" in broken.output


def test_the_rules_command_shows_the_law_in_force_on_a_day(world, runtime):
    from api import create_app

    cli = create_app(runtime=runtime, testing=True).test_cli_runner()
    out = cli.invoke(args=["rules", "--law-on", "2005-05-06"])
    assert out.exit_code == 0, out.output
    assert law.in_force_on(date(2005, 5, 6)).id in out.output
    line = next(ln for ln in out.output.splitlines()
                if ln.startswith("supply.tender_required_uses "))
    assert "industrial" not in line and "commercial" in line
