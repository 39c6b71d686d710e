"""Certificate numbers restart each year (issue 14, item 7): 渝(2025)石柱县不动产权第0000001号 is
the first certificate of 2025, whatever was issued in other years; migration 0009_ops_a keeps
the numbers already issued and continues after them."""

from __future__ import annotations

from sqlalchemy import select, text

from tests.factories import World
from workflow.models import CertificateSerial
from workflow.operator.migrate import upgrade


def register(world: World, on: str) -> str:
    pid = world.parcel_in("inspected")
    world.prepare(pid, "register")
    return world.fire(pid, "register", effective_date=on)["certificate"]["number"]


def test_numbers_count_per_year_and_restart_in_the_next(runtime):
    world = World(runtime)
    first = register(world, "2025-10-10")
    second = register(world, "2025-11-03")
    next_year = register(world, "2026-01-05")
    assert first == "渝(2025)石柱县不动产权第0000001号"
    assert second == "渝(2025)石柱县不动产权第0000002号"
    assert next_year == "渝(2026)石柱县不动产权第0000001号"
    with runtime.reader() as uow:
        rows = uow.session.execute(select(CertificateSerial.year, CertificateSerial.last_serial)
                                   .order_by(CertificateSerial.year)).all()
    assert [tuple(r) for r in rows] == [(2025, 2), (2026, 1)]


def test_the_migration_continues_after_the_numbers_already_issued(tmp_path):
    """Certificates numbered before 0009 (by row id) keep their numbers; the year's counter
    starts after the highest of them."""
    from tests.conftest import TODAY
    from workflow.config import Settings
    from workflow.operator.seed import load_seed
    from workflow.runtime import FixedClock, Runtime

    url = f"sqlite:///{tmp_path / 'serials.sqlite3'}"
    upgrade(url)
    rt = Runtime.from_settings(Settings(database_url=url, secret_key="x"), clock=FixedClock(TODAY))
    try:
        load_seed(rt.uow())
        world = World(rt)
        register(world, "2025-10-10")
        register(world, "2025-10-11")
        with rt.engine.begin() as conn:
            # As 0008 numbered them: by row id (ids 7 and 9 here), no counter table.
            conn.execute(text("UPDATE certificates SET number = "
                              "'渝(2025)石柱县不动产权第' || printf('%07d', id * 3 + 4) || '号'"))
            highest = conn.execute(text("SELECT max(id * 3 + 4) FROM certificates")).scalar_one()
    finally:
        rt.engine.dispose()
    from alembic import command

    from workflow.operator.migrate import alembic_config

    command.downgrade(alembic_config(url), "0009_ops_b")  # back before 0009_ops_a
    upgrade(url)
    rt = Runtime.from_settings(Settings(database_url=url, secret_key="x"), clock=FixedClock(TODAY))
    try:
        with rt.reader() as uow:
            assert uow.session.execute(select(CertificateSerial.last_serial).where(
                CertificateSerial.year == 2025)).scalar_one() == highest
        number = register(World(rt, ledgers=False), "2025-12-01")
        assert number == f"渝(2025)石柱县不动产权第{highest + 1:07d}号"
    finally:
        rt.engine.dispose()


def test_the_number_names_the_county_whose_serials_it_counts(runtime):
    """Serials count per county and year, so the number names the county (an autonomous county
    by its place name): two counties' first certificates of a year never share a number."""
    from workflow.models import County
    from workflow.portal.certificates import certificate_county_name

    assert certificate_county_name("石柱土家族自治县") == "石柱县"
    assert certificate_county_name("丰都县") == "丰都县"
    # Inside the test's own transaction (rolled back after it), like any committed rename.
    runtime.test_connection.execute(text("UPDATE counties SET name = '丰都县'"))
    world = World(runtime)
    assert register(world, "2025-10-10") == "渝(2025)丰都县不动产权第0000001号"
    with runtime.reader() as uow:
        assert uow.session.execute(select(County.name)).scalars().all() == ["丰都县"]
