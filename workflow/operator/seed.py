"""Loading the county's reference data from ``seed/`` — idempotent: rows are matched on their
natural key and updated in place."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from seed import DATA_DIR
from workflow.access import OPERATOR
from workflow.models import County, PlanIndicator, QuotaAccount, ServiceItem, Township
from workflow.uow import UnitOfWork, command


@dataclass
class SeedReport:
    counties: int
    townships: int
    indicators: int
    changed: int


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _dec(text: str) -> Decimal | None:
    return Decimal(text) if text.strip() else None


def load_seed(uow: UnitOfWork, data_dir: Path = DATA_DIR) -> SeedReport:
    """Load the county's reference data; rows already there are updated, never duplicated."""

    def work(uow: UnitOfWork) -> SeedReport:
        changed = 0
        s = uow.session
        counties = _rows(data_dir / "county.csv")
        for row in counties:
            county = s.get(County, row["code"])
            values = {
                "name": row["name"], "name_en": row["name_en"], "province": row["province"],
                "plan": row["plan"], "plan_period_start": int(row["plan_period_start"]),
                "plan_period_end": int(row["plan_period_end"]),
                "new_construction_land_cap_km2": Decimal(row["new_construction_land_cap_km2"]),
                "projected_epsg": int(row.get("projected_epsg") or 4545),
            }
            if county is None:
                s.add(County(code=row["code"], **values))
                changed += 1
            else:
                changed += _update(county, values)
        s.flush()
        county_code = counties[0]["code"]
        townships = _rows(data_dir / "townships.csv")
        for row in townships:
            t = s.execute(select(Township).where(Township.code == row["code"])).scalar_one_or_none()
            values = {"name": row["name"], "kind": row["kind"], "county_code": county_code}
            if t is None:
                s.add(Township(code=row["code"], **values))
                changed += 1
            else:
                changed += _update(t, values)
        indicators = _rows(data_dir / "indicators.csv")
        for row in indicators:
            ind = s.execute(
                select(PlanIndicator).where(PlanIndicator.key == row["key"])
            ).scalar_one_or_none()
            values = {
                "county_code": county_code, "seq": int(row["seq"]), "name_zh": row["name_zh"],
                "name_en": row["name_en"], "unit": row["unit"],
                "value_2020": _dec(row["value_2020"]), "target_2025": _dec(row["target_2025"]),
                "cumulative": row["cumulative"] == "true", "nature": row["nature"],
                "source": "石柱县“十四五”自然资源保护和利用规划 专栏3",
            }
            if ind is None:
                s.add(PlanIndicator(key=row["key"], **values))
                changed += 1
            else:
                changed += _update(ind, values)
        for row in _rows(data_dir / "items.csv"):
            item = s.get(ServiceItem, row["code"])
            values = {"name_zh": row["name_zh"], "name_en": row["name_en"],
                      "legal_working_days": int(row["legal_working_days"]),
                      "committed_working_days": int(row["committed_working_days"]),
                      "legal_basis": row["legal_basis"]}
            if item is None:
                s.add(ServiceItem(code=row["code"], **values))
                changed += 1
            else:
                changed += _update(item, values)
        return SeedReport(len(counties), len(townships), len(indicators), changed)

    return command(uow, OPERATOR, work).result


def _update(obj: object, values: dict[str, object]) -> int:
    dirty = 0
    for key, value in values.items():
        current = getattr(obj, key)
        if isinstance(value, Decimal) and current is not None:
            same = Decimal(current) == value
        else:
            same = current == value
        if not same:
            setattr(obj, key, value)
            dirty = 1
    return dirty


def seed_quota_accounts(uow_factory: Callable[[], UnitOfWork], data_dir: Path = DATA_DIR
                        ) -> list[int]:
    """The plan years' general quota accounts (``seed/quota.csv``), each created with its
    allocation through the ledger service, as an administrator would (one audit event each).
    An account that exists is left as it is: the seed never allocates twice. Returns the years
    it created."""
    from workflow.ledgers.schemas import QuotaAccountSchema
    from workflow.ledgers.services import create_quota_account
    from workflow.payloads.fields import load

    with uow_factory() as uow:
        county = uow.session.execute(select(County.code)).scalars().first()
        today = uow.today()
        existing = {(r[0], r[1]) for r in uow.session.execute(
            select(QuotaAccount.year, QuotaAccount.category)
            .where(QuotaAccount.county_code == county))}
    created = []
    for row in _rows(data_dir / "quota.csv"):
        year, category = int(row["year"]), row["category"]
        if (year, category) in existing or date(year, 1, 1) > today:
            continue
        body = load(QuotaAccountSchema, {
            "year": year, "category": category, "allocated_m2": row["allocated_m2"],
            "name": row["name"], "document_no": row["document_no"], "county_code": county,
            "effective_date": date(year, 1, 1).isoformat()})
        create_quota_account(uow_factory(), OPERATOR, body)
        created.append(year)
    return created
