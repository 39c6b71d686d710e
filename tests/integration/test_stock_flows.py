"""The auditors' stocks pre-aggregated as dated deltas (``workflow.reports.flows``) answer "as
of any date" exactly: summed up to random dates they equal the row-level queries (RULES.md §3.1, the
definitions; issue 15 item 3), whether kept step by step, merged, or rebuilt from the rows."""

from __future__ import annotations

import importlib.util
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from tests.factories import World
from workflow.deadlines import services as deadline_services
from workflow.models import Deadline, StockFlow
from workflow.reports import queries as q
from workflow.reports.flows import compact, rebuild

START, END = date(2022, 12, 1), date(2026, 6, 30)


@pytest.fixture
def world(runtime):
    return World(runtime)


def _portfolio(world: World, runtime) -> None:
    """Parcels in every stock, in two townships, both ownerships, whole and partial supplies,
    a lapse, a backdated start, idle land recovered and supplied again."""
    for state in ("planned", "approved", "expropriated", "supplied", "in_use",
                  "under_construction", "idle", "registered"):
        world.parcel_in(state)
    for state in ("approved", "supplied", "lapsed"):
        world.parcel_in(state, ownership="state", township="黄水镇")
    world.parcel_in("lapsed", township="黄水镇")
    # Partial supplies (RULES §3.1): collective and state-owned.
    for ownership, township in (("collective", "南宾街道"), ("state", "黄水镇")):
        pid = world.survey(ownership=ownership, township=township)
        for name in ("plan", "approve", "expropriate", "supply", "hand_over"):
            if ownership == "state" and name == "expropriate":
                continue
            world.prepare(pid, name, ownership)
            world.fire(pid, name, **({"area_m2": "6500.00"} if name == "supply" else {}))
    # A start recorded late, dated before the agreed start (the clock closes in the past).
    pid = world.parcel_in("in_use", township="黄水镇")
    world.fire(pid, "start_construction", effective_date="2023-07-20")
    # State land approved on 1 January (the disposal rate's stock counts it), partly supplied.
    pid = world.survey(ownership="state", township="黄水镇")
    world.fire(pid, "plan")
    world.fire(pid, "approve", effective_date="2024-01-01")
    world.fire(pid, "supply", effective_date="2024-06-03", signed_on="2024-06-03",
               agreed_start_date="2024-09-01", agreed_completion_date="2026-09-01",
               area_m2="3000.00")
    # Idle land determined and resumed within one year (not disposed of stock of 1 January).
    pid = world.parcel_in("idle")
    world.prepare(pid, "resume")
    world.fire(pid, "resume")
    # Clocks paused and resumed (their due dates move): agreed start and idle clock.
    pid = world.parcel_in("in_use", township="黄水镇")
    with runtime.reader() as uow:
        clocks = list(uow.session.execute(select(Deadline.id).where(
            Deadline.parcel_id == pid, Deadline.kind.in_(("agreed_start", "idle_clock")),
            Deadline.closed_on.is_(None))).scalars())
    for clock in clocks:
        deadline_services.pause_deadline(runtime.uow(), world.actors["approver"], clock,
                                         date(2023, 7, 10), "群众信访致无法施工")
        deadline_services.resume_deadline(runtime.uow(), world.actors["approver"], clock,
                                          date(2023, 10, 9))
    # Recovered idle land supplied again, in part.
    pid = world.parcel_in("recovered")
    world.fire(pid, "supply", effective_date="2025-09-01", signed_on="2025-09-01",
               agreed_start_date="2025-12-01", agreed_completion_date="2027-12-01",
               area_m2="4000.00")


def _row_level_counts(s, as_of, township_id, cohort, category):
    first, second = q._stock_sets(as_of, township_id, cohort, category)
    n1 = s.execute(select(func.count()).select_from(first)).scalar_one() if first is not None \
        else 0
    n2 = s.execute(select(func.count()).select_from(second)).scalar_one() if second is not \
        None else 0
    idle = q.running_on("idle_clock", as_of, township_id=township_id)
    return n1, n2, s.execute(select(func.count()).select_from(idle)).scalar_one()


def _flow_counts(s, as_of, township_id, cohort, category):
    sums = q._flow_sums(s, as_of, township_id, cohort=cohort)
    n1 = int(getattr(sums, q.LIST_COUNTS.get(category or "", "unsupplied_n"))) \
        if category != "supplied_unused" else 0
    n2 = int(sums.supplied_unused_n) if category in (None, "supplied_unused") else 0
    idle = q._flow_sums(s, as_of, township_id).idle_n
    return n1, n2, int(idle)


def _dates(rng: random.Random, n: int) -> list[date]:
    span = (END - START).days
    # Random days, and the days around the chain's own dates (where the stocks move).
    fixed = [date(2023, 3, 1), date(2023, 3, 20), date(2023, 5, 6), date(2023, 8, 2),
             date(2024, 8, 1), date(2025, 3, 2), date(2025, 8, 5), date(2025, 9, 1),
             date(2025, 12, 2), date(2023, 1, 1), date(2024, 1, 1), date(2025, 1, 1),
             date(2024, 6, 3), date(2026, 1, 1)]
    near = [d + timedelta(days=k) for d in fixed for k in (-1, 0)]
    return near + [START + timedelta(days=rng.randrange(span + 1)) for _ in range(n)]


def _check(world: World, runtime, rng: random.Random, n: int = 20) -> None:
    auditor = world.actors["auditor"]
    tid = {}
    with runtime.reader() as uow:
        for name in ("南宾街道", "黄水镇"):
            tid[name] = q.find_township(uow.session, name).id
    for as_of in _dates(rng, n):
        for township in (None, "南宾街道", "黄水镇"):
            fast = q.unsupplied_summary(runtime.reader(), auditor, as_of=as_of,
                                        township=township)
            rows = q.unsupplied_summary_rows(runtime.reader(), auditor, as_of=as_of,
                                             township=township)
            assert fast == rows, (as_of, township)
        with runtime.reader() as uow:
            # The plan's indicators: approvals in the plan period, the disposal rate.
            s = uow.session
            for start, end in ((date(2021, 1, 1), min(as_of, date(2025, 12, 31))),
                               (date(2024, 1, 1), as_of)):
                assert q._approved_in_plan(s, as_of, start, end) == \
                    q._approved_in_plan_rows(s, as_of, start, end), (as_of, start)
            assert q._disposal_rate(s, as_of) == q._disposal_rate_rows(s, as_of), as_of
            cases = [(t, None, c) for t in (None, *tid.values())
                     for c in (None, *q.CATEGORY_LABELS)]
            cases += [(rng.choice([None, *tid.values()]), cohort, rng.choice(
                [None, *q.CATEGORY_LABELS])) for cohort in (2023, 2025)]
            for township_id, cohort, category in cases:
                args = (uow.session, as_of, township_id, cohort, category)
                assert _flow_counts(*args) == _row_level_counts(*args), args


def test_stock_deltas_summed_to_random_dates_equal_the_row_level_stocks(world, runtime):
    """RULES.md §3.1 stocks (批而未征, 征而未供, 批而未供, 供而未用, supplied, supply rate) and
    the rows of the auditors' lists, as of random dates: deltas kept by each step's own
    transaction == the row-level definition."""
    _portfolio(world, runtime)
    _check(world, runtime, random.Random(20261201))


def test_stock_deltas_merged_or_rebuilt_from_the_rows_answer_the_same(world, runtime):
    """The sweep's merge of a day's rows, and the migration's backfill from the rows, change no
    answer as of any date."""
    _portfolio(world, runtime)
    with runtime.uow() as uow:
        before = uow.session.execute(select(func.count()).select_from(StockFlow)).scalar_one()
        while compact(uow.session):
            pass
        after = uow.session.execute(select(func.count()).select_from(StockFlow)).scalar_one()
        uow.commit()
    assert after < before
    _check(world, runtime, random.Random(7), n=10)
    with runtime.uow() as uow:
        rebuild(uow.session.connection())
        uow.commit()
    _check(world, runtime, random.Random(8), n=10)
    # The migration's backfill (frozen SQL) computes the same deltas.
    with runtime.uow() as uow:
        _migration().backfill_stock_flows(uow.session.connection())
        uow.commit()
    _check(world, runtime, random.Random(9), n=10)


def _migration():
    path = next((Path(__file__).resolve().parents[2] / "migrations" / "versions").glob(
        "*_0009_stocks_*.py"))
    spec = importlib.util.spec_from_file_location("stocks_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_the_deltas_the_summary_is_wrong(world, runtime):
    """The summary reads the deltas: a step whose deltas were not written would show — this is
    what the equality above guards."""
    world.parcel_in("approved")
    with runtime.uow() as uow:
        uow.session.execute(delete(StockFlow))
        uow.commit()
    auditor = world.actors["auditor"]
    fast = q.unsupplied_summary(runtime.reader(), auditor, as_of=END)
    rows = q.unsupplied_summary_rows(runtime.reader(), auditor, as_of=END)
    assert fast != rows and rows["cohorts"][0]["approved_m2"] == "10000.00"


def test_a_dry_run_writes_no_deltas(world, runtime):
    """A dry run rolls back its deltas with the step."""
    pid = world.parcel_in("planned")
    with runtime.reader() as uow:
        n = uow.session.execute(select(func.count()).select_from(StockFlow)).scalar_one()
    world.prepare(pid, "approve")
    world.fire(pid, "approve", dry_run=True)
    with runtime.reader() as uow:
        assert uow.session.execute(select(func.count()).select_from(StockFlow)
                                   ).scalar_one() == n


def test_pages_cut_by_cohort_from_the_deltas_equal_the_row_level_pages(world, runtime):
    """The unsupplied list's pages, located cohort by cohort from the deltas' counts, are the
    pages of the row-level list (same rows, same order, same total)."""
    _portfolio(world, runtime)
    for on in ("2024-03-01", "2025-04-01"):  # state land approved in later cohorts
        for _ in range(2):
            pid = world.survey(ownership="state")
            world.fire(pid, "plan")
            world.fire(pid, "approve", effective_date=on)
    auditor = world.actors["auditor"]
    for as_of in (date(2023, 6, 1), date(2024, 6, 1), date(2025, 6, 1), END):
        for category in (None, "approved_unsupplied", "expropriated_unsupplied"):
            with runtime.reader() as uow:
                first, _ = q._stock_sets(as_of, None, None, category)
                expected = list(uow.session.execute(select(first.c.parcel_id).order_by(
                    first.c.approved_on, first.c.parcel_id)).scalars())
            got, page = [], 1
            while True:
                result = q.unsupplied(runtime.reader(), auditor, as_of=as_of, page=page,
                                      per_page=2, category=category)
                part = [i["parcel_id"] for i in result["items"]
                        if i["categories"] != ["supplied_unused"]]
                got += part
                if not result["items"]:
                    break
                page += 1
            assert got == expected, (as_of, category)
            assert result["total"] >= len(expected)


def test_clock_lists_cut_by_one_ordered_scan_equal_the_two_range_lists(world, runtime,
                                                                       monkeypatch):
    """Idle land and 供而未用, paged from the start of the list by one ordered scan, are the same
    rows in the same order as when read from the two ranges of running_on (deep pages)."""
    _portfolio(world, runtime)
    auditor = world.actors["auditor"]

    def pages(fn, as_of, **kw):
        out, page = [], 1
        while True:
            items = fn(runtime.reader(), auditor, as_of=as_of, page=page, per_page=1,
                       **kw)["items"]
            if not items:
                return out
            out += [(i["parcel_id"], i.get("categories")) for i in items]
            page += 1

    for as_of in (date(2023, 9, 1), date(2024, 8, 1), date(2025, 6, 1), END):
        ordered = (pages(q.idle_land, as_of), pages(q.unsupplied, as_of),
                   pages(q.unsupplied, as_of, category="supplied_unused"))
        monkeypatch.setattr(q, "ORDERED_SCAN_ROWS", 0)
        ranges = (pages(q.idle_land, as_of), pages(q.unsupplied, as_of),
                  pages(q.unsupplied, as_of, category="supplied_unused"))
        monkeypatch.setattr(q, "ORDERED_SCAN_ROWS", 1000)
        assert ordered == ranges, as_of
        assert ordered[2] and (ordered[0] or as_of < date(2024, 8, 1)), as_of
