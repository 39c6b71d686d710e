"""The import's common case — a CSV row without a boundary, on PostgreSQL — checked and written
as text, without a dict, a Decimal or a date per value.

``LeanRows`` is made once per file header, from the import schema's own declarations. It takes a
row's cells and either declines (``None``) or answers with everything the row's parcel and
``create`` event need: the parcel's COPY text up to its id, the canonical JSON of the event's
payload, the survey date and the law set in force on it. It declines whatever it is not certain
about (a cell a spreadsheet neutralised, an amount spelled unusually, a township it does not
know, a figure that breaks a survey rule, a repeated code, a boundary…): the general path then
reads the row and accepts or rejects it with its own reasons, so a rejection is always the
general path's. What it accepts, the general path would accept with the same values; its payload
text is made from a template that ``canonical_json`` itself wrote, and the first row it accepts
is also run through the general path and must give the same text (a property test checks every
shape of row).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from marshmallow import fields, missing

from workflow import law
from workflow.canonical import canonical_json
from workflow.operator.schemas import IMPORT_COLUMNS, LAND_FIELDS, LINE_FIELDS, ImportRowSchema
from workflow.payloads.fields import CONTROL_CHARACTERS, OWNERSHIPS, Amount, Day, date_window

# A lean row: code, parcel COPY text (the LEAN_PARCEL_COLUMNS before ``id``), survey date
# (ISO), law set id, payload JSON.
Lean = tuple[str, str, str, str, str]

LEAN_PARCEL_COLUMNS = (
    "code", "county_code", "township_id", "ownership", "state", "version", "surveyed_on",
    "last_effective_date", "farmland_m2", "paddy_m2", "farmland_grade",
    "other_agricultural_m2", "unused_m2", "construction_m2", "total_m2", "basic_farmland_m2",
    "red_line_m2", "in_development_boundary", "land_basis",
    "id", "created_at", "updated_at", "audit_seq", "audit_hash")

# The cells a row is read from, in the order ``_row`` unpacks them.
_CELLS = ("code", "township", "ownership", "effective_date", "farmland_m2", "paddy_m2",
          "farmland_grade", "other_agricultural_m2", "unused_m2", "construction_m2",
          "basic_farmland_m2", "red_line_m2", "in_development_boundary", "geometry")
AMOUNTS = ("farmland_m2", "paddy_m2", "other_agricultural_m2", "unused_m2", "construction_m2",
           "basic_farmland_m2", "red_line_m2")
# What _PLAIN_AMOUNT takes, without the end-of-line leniency of ``$`` (a cell ending in a line
# break is left to the general path).
_AMOUNT = re.compile(r"([0-9]{1,15})(?:\.([0-9]{1,2}))?").fullmatch
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fullmatch
_CACHE_LIMIT = 100_000


def copy_text(value: str) -> str:
    """A string as a COPY text field. Control characters are refused before text gets here;
    a backslash is the one character left that COPY reads specially."""
    return value.replace("\\", "\\\\") if "\\" in value else value


def compile_template(template: str, slots: tuple[str, ...]) -> Callable[..., str]:
    """A ``str.format`` template of named slots as a function of those slots, in that order:
    one f-string of the template's literal parts and the slots' values (no parsing and no
    keyword arguments per call; a few times faster than ``template.format``)."""
    namespace: dict[str, Any] = {}
    body = []
    for n, (literal, name, _spec, _conversion) in enumerate(string.Formatter().parse(template)):
        if literal:
            namespace[f"_{n}"] = literal
            body.append(f"{{_{n}}}")
        if name is not None:
            if name not in slots:
                raise ValueError(f"template slot {name!r}")
            body.append(f"{{{name}}}")
    source = f"def fill({', '.join(slots)}):\n    return f\"{''.join(body)}\"\n"
    exec(source, namespace)  # noqa: S102 - made here of identifiers and placeholders only
    fill: Callable[..., str] = namespace["fill"]
    return fill


def json_text(value: str) -> str:
    """A string as canonical JSON (the common case without the encoder)."""
    if value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'
    return canonical_json(value)


class _Declined(Exception):
    pass


def _expected_schema() -> bool:
    """The declarations this module was written for; anything else leaves every row to the
    general path."""
    declared = ImportRowSchema._declared_fields
    if set(declared) != set(IMPORT_COLUMNS) or set(_CELLS) != set(IMPORT_COLUMNS):
        return False
    for name in AMOUNTS:
        f = declared[name]
        if (type(f) is not Amount or f.validators or f.minimum != 0
                or f.load_default != Decimal("0.00")):
            return False
    grade = declared["farmland_grade"]
    ranges = [(getattr(v, "min", None), getattr(v, "max", None)) for v in grade.validators]
    if not (type(grade) is fields.Integer and grade.strict and ranges == [(1, 15)]
            and grade.load_default is None):
        return False
    inside = declared["in_development_boundary"]
    day = declared["effective_date"]
    return (type(inside) is fields.Boolean and inside.load_default is True
            and not inside.validators and type(day) is Day and day.load_default is None
            and not day.validators and declared["geometry"].load_default is None
            and declared["ownership"].load_default is missing)


def _text_limit(name: str) -> int:
    f = ImportRowSchema._declared_fields[name]
    return max(v.max for v in f.validators if hasattr(v, "max") and v.max is not None)


class LeanRows:
    """Rows of one CSV header for one import (its townships, its day, its file name)."""

    def __init__(self, header: list[str], townships: dict[str, tuple[int, str]], today: date,
                 source: str, general: Callable[[list[str], int], str | None]) -> None:
        """``general(cells, line)``: the payload JSON the general path makes of a row (None
        when it rejects it), to check the first row accepted here against."""
        self.index = {name: i for i, name in enumerate(header) if name}
        # The cells of _CELLS in that order, in one call; a column the header lacks
        # reads the empty cell appended past the header's end.
        self.width = len(header)
        self._pick = itemgetter(*(self.index.get(name, self.width) for name in _CELLS))
        self.enabled = (len(set(header)) == len(header) and set(self.index) <= set(IMPORT_COLUMNS)
                        and "code" in self.index and _expected_schema())
        self.townships = townships
        self.today = today
        self.general = general
        self.checked = False
        self.accepted = 0
        self.seen: set[str] = set()
        self.code_max = _text_limit("code")
        self.township_max = _text_limit("township")
        self.earliest, self.latest = date_window()
        farmland = ImportRowSchema._declared_fields["farmland_m2"]
        self.amount_max = int(farmland.maximum * 100) if isinstance(farmland, Amount) else 0
        self._amounts: dict[str, tuple[int, str]] = {}
        self._days: dict[str, str | None] = {}
        self._places: dict[str, tuple[str, str]] = {}
        self._payload = self._payload_template(source)
        self._grades = {str(n): n for n in range(1, 16)}

    # --- templates, made by canonical_json -------------------------------------------------

    _SLOTS = ("code", "township", "ownership", "effective_date", *AMOUNTS, "farmland_grade",
              "in_development_boundary", "line")

    @classmethod
    def _payload_template(cls, source: str) -> Callable[..., str]:
        slots = cls._SLOTS
        marks = {s: f"\x01{s}" for s in slots}
        probe = {"code": marks["code"], "township": marks["township"],
                 "ownership": marks["ownership"], "effective_date": marks["effective_date"],
                 "land": {k: marks[k] for k in LAND_FIELDS},
                 "control_lines": {k: marks[k] for k in LINE_FIELDS},
                 "geometry": None, "import": {"file": source, "line": marks["line"]}}
        text = canonical_json(probe).replace("{", "{{").replace("}", "}}")
        for s in slots:
            mark = canonical_json(marks[s])
            if text.count(mark) != 1:
                raise AssertionError(f"payload template: {s}")
            text = text.replace(mark, "{%s}" % s)  # noqa: UP031 - a format slot
        return compile_template(text, slots)

    # --- one row ------------------------------------------------------------------------------

    def __call__(self, cells: list[str], line: int) -> Lean | None:
        if not self.enabled:
            return None
        try:
            lean = self._row(cells, line)
        except (_Declined, IndexError):
            return None
        if not self.checked:
            self.checked = True
            if self.general(cells, line) != lean[4]:
                self.enabled = False
                return None
        self.seen.add(lean[0])
        self.accepted += 1
        return lean

    def _amount(self, v: str) -> tuple[int, str]:
        known = self._amounts.get(v)
        if known is not None:
            return known
        if v == "":
            return 0, "0.00"
        m = _AMOUNT(v)
        if m is None:
            raise _Declined
        cents = int(m[1]) * 100 + int((m[2] or "").ljust(2, "0"))
        if cents > self.amount_max:
            raise _Declined
        if len(self._amounts) > _CACHE_LIMIT:
            self._amounts.clear()
        known = self._amounts[v] = (cents, f"{cents // 100}.{cents % 100:02d}")
        return known

    def _day(self, v: str) -> str:
        if v == "":
            v = self.today.isoformat()
        law_set = self._days.get(v, "")
        if law_set == "":
            law_set = None
            if _ISO_DAY(v):
                try:
                    day = date.fromisoformat(v)
                except ValueError:
                    day = None
                if day is not None and self.earliest <= day <= self.latest and day <= self.today:
                    law_set = law.in_force_on(day).id
            if len(self._days) > _CACHE_LIMIT:
                self._days.clear()
            self._days[v] = law_set
        if law_set is None:
            raise _Declined
        return law_set

    def _text(self, v: str, limit: int) -> str:
        if not 0 < len(v) <= limit or CONTROL_CHARACTERS.search(v):
            raise _Declined
        return v

    def _row(self, cells: list[str], line: int) -> Lean:
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        (code, township, ownership, day, farmland_c, paddy_c, grade_cell, other_c, unused_c,
         construction_c, basic_c, red_c, inside_cell, geometry) = self._pick([*cells, ""])
        # Only these two could pass below with a leading quote (a cell a spreadsheet export
        # neutralised, which the general path reads back).
        if geometry or code[:1] == "'" or township[:1] == "'":
            raise _Declined
        code = self._text(code, self.code_max)
        if code in self.seen:
            raise _Declined
        place = self._places.get(township)
        if place is None:
            known = self.townships.get(self._text(township, self.township_max))
            if known is None:
                raise _Declined
            place = self._places[township] = (f"{copy_text(known[1])}\t{known[0]}",
                                              json_text(township))
        if ownership not in OWNERSHIPS:
            raise _Declined
        day = day or self.today.isoformat()
        law_set = self._day(day)
        cached, amount = self._amounts.get, self._amount
        farmland, farmland_t = cached(farmland_c) or amount(farmland_c)
        paddy, paddy_t = cached(paddy_c) or amount(paddy_c)
        other, other_t = cached(other_c) or amount(other_c)
        unused, unused_t = cached(unused_c) or amount(unused_c)
        construction, construction_t = cached(construction_c) or amount(construction_c)
        basic, basic_t = cached(basic_c) or amount(basic_c)
        red, red_t = cached(red_c) or amount(red_c)
        if grade_cell:
            if grade_cell not in self._grades:
                raise _Declined
            grade_json = grade_copy = grade_cell
        else:
            grade_json, grade_copy = "null", "\\N"
        if inside_cell in ("", "true"):
            inside_json, inside_copy = "true", "t"
        elif inside_cell == "false":
            inside_json, inside_copy = "false", "f"
        else:
            raise _Declined
        # survey_problems, in cents: a row that breaks one goes to the general path, which
        # rejects it with the rule's own words.
        total = farmland + other + unused + construction
        if (paddy > farmland or (farmland > 0 and not grade_cell) or total <= 0
                or basic > farmland or red > total):
            raise _Declined
        total_t = f"{total // 100}.{total % 100:02d}"
        # The slots in _SLOTS order: code, township, ownership, date, AMOUNTS, grade, inside, line.
        payload = self._payload(
            json_text(code), place[1], f'"{ownership}"', f'"{day}"', f'"{farmland_t}"',
            f'"{paddy_t}"', f'"{other_t}"', f'"{unused_t}"', f'"{construction_t}"',
            f'"{basic_t}"', f'"{red_t}"', grade_json, inside_json, line)
        parcel = (f"{copy_text(code)}\t{place[0]}\t{ownership}\tsurveyed\t1\t{day}\t{day}\t"
                  f"{farmland_t}\t{paddy_t}\t{grade_copy}\t{other_t}\t{unused_t}\t"
                  f"{construction_t}\t{total_t}\t{basic_t}\t{red_t}\t{inside_copy}\tdeclared")
        return code, parcel, day, law_set, payload
