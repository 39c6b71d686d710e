"""Idle land: when it may be declared, recovered or resumed, and the negotiated disposals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from states.records import record_step
from tests.unit.rules.helpers import D, idle_clock, make_ctx, make_parcel, rec, refusals

# --- declare_idle -------------------------------------------------------------------------------


def declaring(on: str, records: list | tuple = (), clocks: list | None = None,
              payload: dict | None = None, **parcel):
    """Supplied 2023-05-06, handed over 2023-06-01 (on time), agreed start 2023-08-01; the
    idle clock the supply opened runs unless ``clocks`` says otherwise."""
    parcel = {"state": "in_use", "agreed_start_date": D("2023-08-01"),
              "supplied_on": D("2023-05-06"), "handed_over_on": D("2023-06-01"), **parcel}
    if clocks is None:
        clocks = [] if parcel.get("construction_started_on") else [
            idle_clock(parcel["agreed_start_date"].isoformat())]
    return make_ctx("declare_idle", parcel=make_parcel(**parcel), records=records,
                    effective_date=on, clocks=clocks,
                    payload={"cause": "user", **(payload or {})})


def test_not_started_is_idle_one_full_year_after_the_agreed_start():
    ctx = declaring("2024-08-01")
    assert refusals("idle_period_reached", ctx) == []
    assert ctx.plans.idle_basis == "not_started"


def test_not_started_is_not_idle_the_day_before():
    ctx = declaring("2024-07-31")
    assert refusals("idle_period_reached", ctx) == ["IDLE_NOT_DUE"]
    assert ctx.violations[0].details["idle_from"] == "2024-08-01"


def test_an_agreed_start_of_29_february_is_idle_from_28_february():
    start = {"agreed_start_date": D("2024-02-29")}
    assert refusals("idle_period_reached", declaring("2025-02-27", **start)) == ["IDLE_NOT_DUE"]
    assert refusals("idle_period_reached", declaring("2025-02-28", **start)) == []


def progress(developed: str, invested: str, on: str = "2023-09-01"):
    return rec("construction_progress", on, developed_area_m2=developed,
               planned_area_m2="30000", invested_yuan=invested,
               total_investment_yuan="10000000")


def suspended(since: str = "2023-09-01"):
    return rec("construction_suspended", since, since=since)


STARTED = {"state": "under_construction", "construction_started_on": D("2023-07-15")}


@pytest.mark.parametrize(("developed", "invested"), [
    ("9999", "5000000"),  # under a third developed
    ("20000", "2499999"),  # under a quarter invested
])
def test_started_stalled_land_is_idle_one_full_year_after_the_suspension(developed, invested):
    records = [progress(developed, invested), suspended("2023-09-01")]
    ok = declaring("2024-09-01", records, **STARTED)
    assert refusals("idle_period_reached", ok) == []
    assert ok.plans.idle_basis == "stalled"
    early = declaring("2024-08-31", records, **STARTED)
    assert refusals("idle_period_reached", early) == ["IDLE_NOT_DUE"]
    assert early.violations[0].details["idle_from"] == "2024-09-01"


def test_exactly_a_third_developed_and_a_quarter_invested_is_not_stalled():
    records = [progress("10000", "2500000"), suspended("2023-09-01")]
    ctx = declaring("2026-06-30", records, **STARTED)
    assert refusals("idle_period_reached", ctx) == ["IDLE_NOT_DUE"]


@pytest.mark.parametrize("records", [
    [],
    [progress("0", "0")],  # no suspension recorded
    [suspended("2023-09-01")],  # no progress recorded
    [progress("0", "0", on="2024-09-02"), suspended("2023-09-01")],  # progress after the step
])
def test_started_land_needs_progress_and_suspension_records(records):
    ctx = declaring("2024-09-01", records, **STARTED)
    assert refusals("idle_period_reached", ctx) == ["IDLE_NOT_DUE"]


# --- the government's own delay: a late hand-over (闲置土地处置办法 第八条第(一)项) --------------

LATE = {"agreed_start_date": D("2023-06-01")}


def test_land_never_handed_over_is_not_the_users_idleness():
    """闲置土地处置办法 第八条第(一)项: land not handed over by the agreed date is a government
    cause; 第十四条 charges the user only "除第八条规定情形外". It is idle land (第二条) all the
    same, which the government may determine as its own."""
    ctx = declaring("2024-06-01", state="supplied", handed_over_on=None, **LATE)
    assert refusals("idle_period_reached", ctx) == []
    assert refusals("user_not_charged_for_government_delay", ctx) == ["IDLE_GOVERNMENT_CAUSE"]
    assert ctx.violations[0].details["government_delay"] == "late_hand_over"
    gov = declaring("2024-06-01", state="supplied", handed_over_on=None,
                    payload={"cause": "government"}, **LATE)
    assert refusals("user_not_charged_for_government_delay", gov) == []


def test_after_a_late_hand_over_the_users_year_runs_from_the_hand_over():
    """闲置土地处置办法 第八条第(一)项、第十四条; 城市房地产管理法 第二十六条: agreed start
    2023-06-01, handed over 2024-03-01: the user's idleness begins 2025-03-01, not 2024-06-01."""
    early = declaring("2025-02-28", handed_over_on=D("2024-03-01"), **LATE)
    assert refusals("user_not_charged_for_government_delay", early) == [
        "IDLE_GOVERNMENT_CAUSE"]
    assert early.violations[0].details["fee_from"] == "2025-03-01"
    due = declaring("2025-03-01", handed_over_on=D("2024-03-01"), **LATE)
    assert refusals("user_not_charged_for_government_delay", due) == []


def test_a_hand_over_on_the_agreed_start_date_is_on_time():
    ctx = declaring("2024-06-01", handed_over_on=D("2023-06-01"), **LATE)
    assert refusals("user_not_charged_for_government_delay", ctx) == []


def test_recovery_without_compensation_is_refused_while_the_land_is_not_handed_over():
    """闲置土地处置办法 第八条、第十四条: no recovery without compensation for the government's
    own delay, even if the determination (wrongly, or before this rule) named the user."""
    clocks = [idle_clock("2023-06-01")]
    ctx = recovering("2025-06-01", clocks=clocks, handed_over_on=None, **LATE)
    assert refusals("recovery_lawful", ctx) == ["RECOVERY_COMPENSATION_REQUIRED"]
    paid = recovering("2025-06-01", {"with_compensation": True}, clocks=clocks,
                      handed_over_on=None, **LATE)
    assert refusals("recovery_lawful", paid) == []


def test_recovery_after_a_late_hand_over_counts_two_years_from_the_hand_over():
    """城市房地产管理法 第二十六条; 闲置土地处置办法 第十四条: two full years of the user's own."""
    clocks = [idle_clock("2023-06-01")]
    early = recovering("2026-02-28", clocks=clocks, handed_over_on=D("2024-03-01"), **LATE)
    assert refusals("recovery_lawful", early) == ["RECOVERY_NOT_DUE"]
    assert early.violations[0].details["recovery_from"] == "2026-03-01"
    due = recovering("2026-03-01", clocks=clocks, handed_over_on=D("2024-03-01"), **LATE)
    assert refusals("recovery_lawful", due) == []


# --- a paused idle clock pauses the determination (闲置土地处置办法 第八条; RULES §2.4) --------


def test_no_idleness_is_determined_while_the_idle_clock_is_paused():
    """闲置土地处置办法 第八条第(四)项; RULES.md §2.4: the clock stands still for a government
    cause, and so does the determination, whatever the contract's date says."""
    clocks = [idle_clock("2023-08-01", paused_since="2023-09-01")]
    ctx = declaring("2024-09-01", clocks=clocks)
    assert refusals("idle_period_reached", ctx) == ["IDLE_CLOCK_PAUSED"]
    assert ctx.violations[0].details["paused_since"] == "2023-09-01"


def test_a_pause_that_starts_after_the_day_asked_about_changes_nothing_before_it():
    clocks = [idle_clock("2023-08-01", paused_since="2024-09-02")]
    assert refusals("idle_period_reached", declaring("2024-09-01", clocks=clocks)) == []


def test_a_resumed_idle_clock_is_due_on_its_moved_date_not_the_contracts():
    """闲置土地处置办法 第八条; RULES.md §2.4: paused 2023-09-01 → 2024-03-01 (182 days), the
    year is reached on 2025-01-30, not on 2024-08-01."""
    clocks = [idle_clock("2023-08-01", due_on="2025-01-30", recovery_on="2026-01-30")]
    early = declaring("2025-01-29", clocks=clocks)
    assert refusals("idle_period_reached", early) == ["IDLE_NOT_DUE"]
    assert early.violations[0].details["idle_from"] == "2025-01-30"
    assert refusals("idle_period_reached", declaring("2025-01-30", clocks=clocks)) == []


def test_recovery_waits_while_the_idle_clock_is_paused():
    clocks = [idle_clock("2023-08-01", paused_since="2024-01-01")]
    ctx = recovering("2026-06-30", clocks=clocks)
    assert refusals("recovery_lawful", ctx) == ["RECOVERY_NOT_DUE"]
    assert ctx.violations[0].details["paused_since"] == "2024-01-01"


# --- recover ------------------------------------------------------------------------------------


def recovering(on: str, payload: dict | None = None, clocks: list | None = None, **parcel):
    parcel = {"state": "idle", "idle_cause": "user", "agreed_start_date": D("2023-08-01"),
              "supplied_on": D("2023-05-06"), "handed_over_on": D("2023-06-01"), **parcel}
    return make_ctx("recover", parcel=make_parcel(**parcel), payload=payload,
                    effective_date=on, clocks=[] if clocks is None else clocks)


def test_user_caused_idleness_is_recovered_two_full_years_after_the_agreed_start():
    assert refusals("recovery_lawful", recovering("2025-08-01")) == []
    early = recovering("2025-07-31")
    assert refusals("recovery_lawful", early) == ["RECOVERY_NOT_DUE"]
    assert early.violations[0].details["recovery_from"] == "2025-08-01"


def test_a_running_idle_clock_counts_from_its_own_start():
    clocks = [idle_clock("2024-01-01")]
    assert refusals("recovery_lawful", recovering("2025-12-31", clocks=clocks)) == [
        "RECOVERY_NOT_DUE"]
    assert refusals("recovery_lawful", recovering("2026-01-01", clocks=clocks)) == []


def test_a_closed_idle_clock_is_ignored():
    clocks = [idle_clock("2024-01-01", closed_on="2024-06-01")]
    assert refusals("recovery_lawful", recovering("2025-08-01", clocks=clocks)) == []


@pytest.mark.parametrize("cause", ["government", "force_majeure"])
def test_idleness_not_caused_by_the_user_is_recovered_only_with_compensation(cause):
    ctx = recovering("2026-06-30", idle_cause=cause)
    assert refusals("recovery_lawful", ctx) == ["RECOVERY_COMPENSATION_REQUIRED"]
    paid = recovering("2026-06-30", {"with_compensation": True}, idle_cause=cause)
    assert refusals("recovery_lawful", paid) == []


def test_recovery_by_agreement_with_compensation_is_lawful_at_any_time():
    ctx = recovering("2023-08-02", {"with_compensation": True})
    assert refusals("recovery_lawful", ctx) == []


# --- resume -------------------------------------------------------------------------------------


def resuming(records: list, on: str = "2024-10-01", **parcel):
    parcel = {"state": "idle", "idle_declared_on": D("2024-09-01"), **parcel}
    return make_ctx("resume", parcel=make_parcel(**parcel), records=records, effective_date=on)


@pytest.mark.parametrize(("paid", "expected"), [
    ("1000000.00", []),
    ("999999.99", ["IDLE_DISPOSAL_UNSETTLED"]),
])
def test_user_caused_idleness_resumes_once_the_fee_is_paid(paid, expected):
    records = [rec("payment", "2024-09-20", amount_yuan=paid, purpose="idle_fee")]
    ctx = resuming(records, idle_cause="user", idle_fee_yuan=Decimal("1000000.00"))
    assert refusals("idle_disposal_settled", ctx) == expected


def test_a_land_price_payment_does_not_settle_the_idle_fee():
    records = [rec("payment", "2024-09-20", amount_yuan="1000000.00")]
    ctx = resuming(records, idle_cause="user", idle_fee_yuan=Decimal("1000000.00"))
    assert refusals("idle_disposal_settled", ctx) == ["IDLE_DISPOSAL_UNSETTLED"]


@pytest.mark.parametrize(("record", "expected"), [
    (("2024-09-01", "extension"), []),  # agreed the day of the determination
    (("2024-10-01", "change_of_use"), []),  # agreed the day of the step
    (("2024-08-31", "extension"), ["IDLE_DISPOSAL_UNSETTLED"]),  # before the determination
    (("2024-10-02", "extension"), ["IDLE_DISPOSAL_UNSETTLED"]),  # after the step
    (("2024-09-15", "agreed_recovery"), ["IDLE_DISPOSAL_UNSETTLED"]),  # does not restart
    (None, ["IDLE_DISPOSAL_UNSETTLED"]),
])
def test_government_caused_idleness_resumes_after_a_negotiated_disposal(record, expected):
    records = [] if record is None else [rec("idle_disposal", record[0], option=record[1])]
    ctx = resuming(records, idle_cause="government")
    assert refusals("idle_disposal_settled", ctx) == expected


# --- record: idle_disposal ----------------------------------------------------------------------


def disposing(on: str, state: str = "idle", **details):
    return make_ctx(record_step("idle_disposal", state),
                    parcel=make_parcel(state=state, idle_cause="government"),
                    payload={"kind": "idle_disposal", "date": D(on),
                             "details": {"agreement_ref": "石规资补〔2024〕1号", **details}},
                    effective_date=on)


def test_an_extension_by_exactly_one_year_is_within_the_limit():
    ctx = disposing("2024-10-01", option="extension", new_agreed_start_date=D("2025-10-01"))
    assert refusals("idle_disposal_within_limits", ctx) == []


@pytest.mark.parametrize("details", [
    {"option": "extension", "new_agreed_start_date": D("2025-10-02")},  # a day over a year
    {"option": "extension", "new_agreed_start_date": D("2024-09-30")},  # before the agreement
    {"option": "extension", "new_agreed_start_date": None},  # no new start
    {"option": "land_swap", "new_agreed_start_date": None},
])
def test_an_invalid_extension_is_refused(details):
    ctx = disposing("2024-10-01", **details)
    assert refusals("idle_disposal_within_limits", ctx) == ["IDLE_DISPOSAL_INVALID"]


def test_a_change_of_use_may_start_later_than_a_year():
    ctx = disposing("2024-10-01", option="change_of_use", new_agreed_start_date=D("2027-01-01"))
    assert refusals("idle_disposal_within_limits", ctx) == []


def test_an_agreed_recovery_names_no_dates():
    assert refusals("idle_disposal_within_limits",
                    disposing("2024-10-01", option="agreed_recovery")) == []


def test_a_disposal_of_land_that_is_not_idle_is_refused():
    ctx = disposing("2024-10-01", state="under_construction", option="agreed_recovery")
    assert refusals("idle_disposal_within_limits", ctx) == ["IDLE_DISPOSAL_INVALID"]


TEMP = {"option": "temporary_use", "new_agreed_start_date": D("2026-10-02")}


def test_temporary_use_of_exactly_two_years():
    ctx = disposing("2024-10-01", **TEMP, temp_use_start=D("2024-10-01"),
                    temp_use_end=D("2026-10-01"))
    assert refusals("idle_disposal_within_limits", ctx) == []


@pytest.mark.parametrize(("start", "end"), [
    ("2024-10-01", "2026-10-02"),  # a day over two years
    ("2024-10-01", "2024-09-30"),  # ends before it starts
    (None, "2026-10-01"),
    ("2024-10-01", None),
])
def test_invalid_temporary_use_is_refused(start, end):
    ctx = disposing("2024-10-01", **TEMP, temp_use_start=D(start) if start else None,
                    temp_use_end=D(end) if end else None)
    assert refusals("idle_disposal_within_limits", ctx) == ["IDLE_DISPOSAL_INVALID"]
