"""The import's lean path accepts only what the general path accepts, with the same values: the
same payload JSON for the audit event, the same parcel columns as COPY text; it declines the
rest, which the general path then rejects or takes with its own reasons."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow import law
from workflow.canonical import canonical_json
from workflow.operator.importer import CsvShape, Validator, _plain_flat, _Rejected
from workflow.operator.leanrows import LEAN_PARCEL_COLUMNS, LeanRows
from workflow.operator.schemas import IMPORT_COLUMNS
from workflow.spatial.services import surveyed_land

TODAY = date(2026, 6, 30)
TOWNSHIPS = {"南宾街道": (1, "500240"), "500240001": (1, "500240"), "西沱镇": (4, "500240"),
             'A"\\b镇': (7, "500241")}
SOURCE = 'survey "2024".csv'


def copy_field(value: Any) -> str:
    """What psycopg's COPY writes for a value, as the general path hands it over."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace(
        "\r", "\\r")


def general(header: list[str], cells: list[str], line: int) -> tuple[str, ...] | None:
    """What the general path makes of a row without a boundary: the lean row it should equal."""
    try:
        survey = Validator(TOWNSHIPS, TODAY)(CsvShape(header).row(cells))
    except _Rejected:
        return None
    if survey["geometry"] is not None:
        return None
    payload = canonical_json(_plain_flat({**survey, "import": {"file": SOURCE, "line": line}}))
    placed = surveyed_land(survey, None)
    land, day = placed.land, survey["effective_date"]
    township_id, county = TOWNSHIPS[survey["township"]]
    total = (land["farmland_m2"] + land["other_agricultural_m2"] + land["unused_m2"]
             + land["construction_m2"])
    columns = {"code": survey["code"], "county_code": county, "township_id": township_id,
               "ownership": survey["ownership"], "state": "surveyed", "version": 1,
               "surveyed_on": day, "last_effective_date": day, **land, "total_m2": total,
               "basic_farmland_m2": placed.basic_farmland_m2,
               "red_line_m2": placed.red_line_m2,
               "in_development_boundary": placed.in_development_boundary,
               "land_basis": placed.basis}
    text = "\t".join(copy_field(columns[c]) for c in LEAN_PARCEL_COLUMNS[:-5])
    return survey["code"], text, day.isoformat(), law.in_force_on(day).id, payload


def lean_rows(header: list[str]) -> LeanRows:
    def payload(cells: list[str], line: int) -> str | None:
        row = general(header, cells, line)
        return row[4] if row is not None else None

    lean = LeanRows(header, TOWNSHIPS, TODAY, SOURCE, payload)
    # Its own first-row check off: it would turn the lean path off at a difference, and hide
    # the difference from these tests.
    lean.checked = True
    return lean


amount = st.one_of(
    st.sampled_from(["", "0", "0.00", "00", "0.5", "5.5", "6000.00", "1000", "007.50", "5.",
                     ".5", "5.555", "-1", "1e3", "５", " 5", "5\n", "100000000000.00",
                     "100000000000.01", "999999999999999", "'5", "1_000", "NaN"]),
    st.decimals(min_value=0, max_value=10**6, places=2).map(str),
    st.integers(0, 40000).map(str), st.text(max_size=5))
cells = st.fixed_dictionaries({
    "code": st.one_of(st.sampled_from(["P-1", "P-2", "'=1+1", "''x", "a\\b", 'q"uote', "A\u202eB",
                                       "A\u2028B", "x" * 64, "x" * 65, "", " ", "P\t1",
                                       "代码-1"]),
                      st.text(max_size=8)),
    "township": st.sampled_from(["南宾街道", "500240001", "西沱镇", 'A"\\b镇', "不存在乡", "",
                                 "'南宾街道"]),
    "ownership": st.sampled_from(["collective", "state", "private", "", "State"]),
    "effective_date": st.one_of(
        st.sampled_from(["", "2024-05-01", "2026-06-30", "2026-07-01", "1949-09-30",
                         "1949-10-01", "2021-02-29", "2024-02-29", "20240501", "2024-5-1",
                         "２０２４-05-01", "2024-05-01\n"]),
        st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)).map(str)),
    "farmland_m2": amount, "paddy_m2": amount, "other_agricultural_m2": amount,
    "unused_m2": amount, "construction_m2": amount, "basic_farmland_m2": amount,
    "red_line_m2": amount,
    "farmland_grade": st.sampled_from(["", "1", "5", "15", "16", "0", "05", "5.5", "５", "x",
                                       "-1", "'5"]),
    "in_development_boundary": st.sampled_from(["", "true", "false", "True", "1", "yes", "'true"]),
    "geometry": st.sampled_from(["", "", "", '{"type": "Point", "coordinates": [1, 2]}',
                                 "{not json"]),
})


def spelled(cents: int, how: int) -> str:
    """An amount written one of the ways a plain amount can be."""
    whole, part = divmod(cents, 100)
    return (f"{whole}.{part:02d}", f"0{whole}.{part:02d}",
            f"{whole}.{part // 10}" if part % 10 == 0 else f"{whole}.{part:02d}",
            str(whole) if part == 0 else f"{whole}.{part:02d}")[how]


@st.composite
def good_rows(draw: Any) -> dict[str, str]:
    """A row the general path takes (mostly): consistent figures, in varied spellings."""
    cents = st.integers(0, 10**7)
    farmland, other, unused, construction = (draw(cents) for _ in range(4))
    if farmland + other + unused + construction == 0:
        construction = 100
    total = farmland + other + unused + construction

    def near(top: int) -> int:  # up to ``top``, often at it or one cent past it
        return draw(st.one_of(st.integers(0, top), st.sampled_from([top, top + 1])))

    paddy, basic, red = near(farmland), near(farmland), near(total)
    how = st.integers(0, 3)
    row = {name: spelled(v, draw(how)) for name, v in (
        ("farmland_m2", farmland), ("paddy_m2", paddy), ("other_agricultural_m2", other),
        ("unused_m2", unused), ("construction_m2", construction),
        ("basic_farmland_m2", basic), ("red_line_m2", red))}
    for name in list(row):
        if row[name] in ("0", "0.00") and draw(st.booleans()):
            row[name] = ""  # absent: the default, zero
    row["farmland_grade"] = str(draw(st.integers(1, 15))) if farmland or draw(
        st.booleans()) else ""
    row.update(code=draw(st.sampled_from(["P-1", "a\\b", 'q"uote', "代码-1", "x" * 64, "x" * 65,
                                          "'=1+1", "'P-1", "''P", "P\u2028"])),
               township=draw(st.sampled_from(["南宾街道", "500240001", 'A"\\b镇', "'南宾街道",
                                              "'=1"])),
               ownership=draw(st.sampled_from(["collective", "state"])),
               effective_date=draw(st.one_of(st.sampled_from(
                   ["", "2026-07-01", "1949-09-30", "1949-10-01", "2026-06-30"]), st.dates(
                   min_value=date(1949, 10, 1), max_value=TODAY).map(str))),
               in_development_boundary=draw(st.sampled_from(["", "true", "false"])),
               geometry="")
    return row


# Valid rows with up to two cells spoiled, and rows of anything.
rows = st.one_of(
    st.tuples(good_rows(), st.dictionaries(st.sampled_from(IMPORT_COLUMNS), cells, max_size=2))
    .map(lambda t: {**t[0], **{k: other[k] for k, other in t[1].items()}}),
    good_rows(), cells)
headers = st.one_of(
    st.just(list(IMPORT_COLUMNS)), st.just(list(IMPORT_COLUMNS[:-1])),
    st.permutations(IMPORT_COLUMNS).map(list),
    st.lists(st.sampled_from(IMPORT_COLUMNS), min_size=1, max_size=16, unique=True),
    st.just([*IMPORT_COLUMNS, "colour"]), st.just([*IMPORT_COLUMNS, ""]),
    st.just([*IMPORT_COLUMNS[:-1], "code"]))


@settings(max_examples=600, deadline=None)
@given(header=headers, values=rows, cut=st.one_of(st.just(0), st.integers(-3, 2)),
       line=st.integers(2, 10**6))
def test_a_lean_row_is_what_the_general_path_makes_of_it(header, values, cut, line):
    row = [values.get(name, "x") for name in header]
    row = row[:len(row) + cut] if cut < 0 else row + ["extra"] * cut
    expected = general(header, row, line)
    got = lean_rows(header)(row, line)
    if got is not None:
        assert got == expected


def test_ordinary_rows_take_the_lean_path():
    header = list(IMPORT_COLUMNS[:-1])
    lean = lean_rows(header)
    rows = [
        ["P-1", "南宾街道", "collective", "2024-05-01", "6000.00", "1000.00", "5", "2000", "500",
         "1500", "0", "0", "true"],
        ["P-2", "500240001", "state", "", "0", "", "", "0.5", "", "", "", "", "false"],
        ["P-3", "西沱镇", "collective", "2026-06-30", "5.5", "5.5", "15", "", "", "", "5.5",
         "0.01", ""],
    ]
    for n, row in enumerate(rows, start=2):
        got = lean(row, n)
        assert got is not None and got == general(header, row, n)
    assert lean.accepted == 3


def test_what_breaks_a_rule_or_repeats_is_left_to_the_general_path():
    header = list(IMPORT_COLUMNS[:-1])
    lean = lean_rows(header)
    good = ["P-1", "南宾街道", "collective", "2024-05-01", "6000.00", "1000.00", "5", "2000",
            "500", "1500", "0", "0", "true"]
    assert lean(good, 2) is not None
    assert lean(good, 3) is None  # the code again
    for i, bad in ((5, "7000.00"), (6, ""), (10, "6000.01"), (3, "2099-01-01"),
                   (1, "不存在乡"), (4, "100000000000.01")):
        row = [*good]
        row[0], row[i] = f"P-{i}", bad
        assert lean(row, 4) is None, (i, bad)
    assert lean(["P-9", *good[1:]], 5) is not None


def test_a_header_it_does_not_know_leaves_every_row_to_the_general_path():
    good = ["P-1", "南宾街道", "collective", "2024-05-01", "6000.00", "1000.00", "5", "2000",
            "500", "1500", "0", "0", "true"]
    assert lean_rows([*IMPORT_COLUMNS[:-1], "colour"])([*good, ""], 2) is None
    assert lean_rows([*IMPORT_COLUMNS[:-1], "code"])([*good, "P-1"], 2) is None


def test_a_first_row_the_general_path_spells_otherwise_turns_the_lean_path_off():
    header = list(IMPORT_COLUMNS[:-1])
    lean = LeanRows(header, TOWNSHIPS, TODAY, SOURCE, lambda cells, line: "{}")
    good = ["P-1", "南宾街道", "collective", "2024-05-01", "6000.00", "1000.00", "5", "2000",
            "500", "1500", "0", "0", "true"]
    assert lean(good, 2) is None and not lean.enabled
    assert lean(["P-2", *good[1:]], 3) is None


def test_amounts_are_written_as_their_decimal_is():
    lean = lean_rows(list(IMPORT_COLUMNS[:-1]))
    for text in ("0", "00", "007.5", "12.3", "100000000000.00", "0.01", "99.99"):
        cents, written = lean._amount(text)
        assert written == str(Decimal(text).quantize(Decimal("0.01")))
        assert cents == int(Decimal(text) * 100)


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(['a', '代', ',', '"', '\n', '\r', ' ', "'", '\x00']),
                    max_size=60))
def test_csv_records_are_what_the_csv_reader_reads(text, tmp_path_factory):
    """The import's CSV reading (plain lines split at commas, the rest by csv) gives the lines
    and cells csv.reader gives, and fails where it fails."""
    import csv

    from workflow.operator.importer import read_items

    path = tmp_path_factory.mktemp("csv") / "rows.csv"
    path.write_text("code,township\r\n" + text, encoding="utf-8", newline="")

    def by_csv():
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            next(reader)
            return [(reader.line_num, cells) for cells in reader if cells]

    def ours():
        shape, items = read_items(path)
        return [(line, item.split(",") if type(item) is str else item) for line, item in items]

    try:
        expected = by_csv()
    except csv.Error as err:
        with pytest.raises(csv.Error, match=str(err)):
            ours()
        return
    assert ours() == expected


def test_read_rows_gives_the_raw_fields_of_plain_and_quoted_lines(tmp_path):
    from workflow.operator.importer import read_rows

    path = tmp_path / "rows.csv"
    path.write_text('code,township,farmland_grade\nP-1,南宾街道,5\n"P,2",,x\n\nP-3\n',
                    encoding="utf-8")
    assert list(read_rows(path)) == [
        (2, {"code": "P-1", "township": "南宾街道", "farmland_grade": 5}),
        (3, {"code": "P,2", "farmland_grade": "x"}), (5, {"code": "P-3"})]
