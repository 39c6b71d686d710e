"""Bulk import and export of surveyed parcels (CSV or GeoJSON).

Every row is validated on its own (the survey's own schema and consistency checks, the township,
a code not seen before, a survey date not in the future); a bad row is reported with its line
and reasons and never stops the others. Good rows land in batches, each one transaction: the
parcels, one hash-chained ``create`` audit event per parcel, and one ``import.batch`` outbox
event per batch (the feed says a batch landed rather than carrying 200,000 lines). On PostgreSQL
the rows go in with COPY.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, date
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import shapely
from marshmallow import ValidationError
from sqlalchemy import func, insert, select

from workflow import law
from workflow.access import Actor
from workflow.audit import GENESIS, compute_hash_json, event_body
from workflow.canonical import canonical_json, plain
from workflow.errors import ValidationFailed
from workflow.models import AuditEvent, Parcel, Township
from workflow.operator.fastload import FastLoader
from workflow.operator.features import Unreadable, features
from workflow.operator.leanrows import LEAN_PARCEL_COLUMNS, LeanRows, compile_template, copy_text
from workflow.operator.schemas import (
    IMPORT_COLUMNS,
    INTEGER_COLUMNS,
    ImportRowSchema,
    survey_from_row,
)
from workflow.payloads import jsonsafe
from workflow.reports.exports import csv_cell, csv_uncell
from workflow.runtime import FixedClock, Runtime
from workflow.spatial.geometry import GEOGRAPHIC_EPSG, bounds
from workflow.spatial.overlay import SurveyFigures, mismatches
from workflow.spatial.services import SurveyedLand, survey_figures, surveyed_land
from workflow.uow import UnitOfWork, command

OPERATOR = Actor(id=None, name="operator (import)", role="admin")


@dataclass
class Rejection:
    line: int
    code: str | None
    errors: dict[str, Any]


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    batches: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def write(self, path: Path) -> None:
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerow(["line", "code", "field", "message"])
            # Every cell quoted, so that a field separator inside one cannot start another.
            w = csv.writer(f, quoting=csv.QUOTE_ALL)
            for r in self.rejected:
                for fld, messages in _flatten(r.errors):
                    w.writerow([csv_cell(v) for v in (r.line, r.code, fld, messages)])


def _flatten(errors: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(errors, dict):
        for k, v in errors.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(errors, list):
        yield prefix, "; ".join(str(e) for e in errors)
    else:
        yield prefix, str(errors)


# --- reading ----------------------------------------------------------------------------------


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line or feature number, raw fields). CSV: one parcel per line, empty cells absent;
    GeoJSON: one parcel per feature, its properties and its geometry. A value that cannot be
    read (JSON with NaN, nesting too deep) is an ``Unreadable`` in the row, and the row is
    rejected with its reasons; the file reads on."""
    shape, items = read_items(path)
    for line, item in items:
        yield line, item if shape is None else shape.row(item)


def read_items(path: Path) -> tuple[CsvShape | None, Iterator[tuple[int, Any]]]:
    """``read_rows`` with a CSV line left as it is read: a plain line as its text (its cells
    are ``text.split(",")``), any other as its cells (a list); ``shape.row`` makes the raw
    fields of either. The lean path reads cells, and a line costs less to send to a worker
    than its cells or a dict."""
    if path.suffix.lower() in (".geojson", ".json"):
        text = path.read_text(encoding="utf-8")
        return None, ((n, _feature_row(feature))
                      for n, feature in enumerate(features(text), start=1))
    f = path.open(encoding="utf-8-sig", newline="")
    reader = csv.reader(f)
    header = next(reader, None)
    if header is None:
        f.close()
        return None, iter(())
    return CsvShape(header), _csv_records(f, reader.line_num)


def _csv_records(f: Any, line: int) -> Iterator[tuple[int, str | list[str]]]:
    """(line number where the record ends, record) for the rest of ``f``, as ``csv.reader``
    reads it (an empty line is skipped). A line without a quote, NUL or lone carriage return
    and within csv's field size limit is one record whose cells are its text split at commas;
    csv reads every other record itself (and raises where it raises)."""
    limit = csv.field_size_limit()
    lines = iter(f)
    for physical in lines:
        line += 1
        body = (physical[:-2] if physical[-2:] == "\r\n" else physical[:-1]
                if physical[-1:] == "\n" else physical)
        if '"' in body or "\r" in body or "\x00" in body or len(body) > limit:
            reader = csv.reader(itertools.chain((physical,), lines))
            cells = next(reader)
            line += reader.line_num - 1
            if cells:
                yield line, cells
        elif body:
            yield line, body
    f.close()


class CsvShape:
    """A CSV file's header: what ``csv.DictReader`` makes of a line's cells (cells past the
    header and columns without a name are dropped), and the raw fields of it."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.names = [name or None for name in header]
        self.repeated = len(set(header)) != len(header)
        self.integer_columns = [c for c in INTEGER_COLUMNS if c in self.names]
        self.code_at = self.names.index("code") if "code" in self.names else None

    def row(self, cells: str | list[str]) -> dict[str, Any]:
        if type(cells) is str:
            cells = cells.split(",")
        # Cells the export neutralised for spreadsheets come back as they were (only a cell
        # starting with a quote can be one).
        if self.repeated:
            # A repeated column: as csv.DictReader has it (the last cell of that name, at the
            # place of the first; a missing one is None).
            raw: dict[str, str | None] = dict(zip(self.header, cells, strict=False))
            raw.update((k, None) for k in self.header[len(cells):])
            row: dict[str, Any] = {k: csv_uncell(v) for k, v in raw.items() if k and v}
        else:
            row = {k: (csv_uncell(v) if v[0] == "'" else v)
                   for k, v in zip(self.names, cells, strict=False) if k and v}
        match_integer = _CSV_INTEGER.match
        for column in self.integer_columns:
            # CSV has only text: a plain run of digits is the integer it spells; anything
            # else ("5.5", "５") stays text and the schema refuses it.
            if column in row and match_integer(row[column]):
                row[column] = int(row[column])
        if "geometry" in row:
            row["geometry"] = _geometry_cell(row["geometry"])
        return row

    def code(self, cells: str | list[str]) -> Any:
        """``row(cells).get("code")`` without the rest of the row."""
        if type(cells) is str:
            cells = cells.split(",")
        if self.repeated or self.code_at is None:
            return self.row(cells).get("code")
        v = cells[self.code_at] if self.code_at < len(cells) else ""
        return (csv_uncell(v) if v[0] == "'" else v) if v else None


_CSV_INTEGER = re.compile(r"^[0-9]{1,9}$")


def _geometry_cell(text: str) -> Any:
    try:
        # Parsed only: the geometry field (FreeJSON) refuses NaN, repeated keys and the rest,
        # naming the place, in the one walk a row gets.
        return jsonsafe.loads(text, check=False)
    except ValueError as exc:
        return Unreadable({"geometry": [f"不是 JSON / not JSON: {exc}"[:200]]})


def _feature_row(feature: Any) -> dict[str, Any]:
    if isinstance(feature, Unreadable):
        return {"_feature": Unreadable({k.removeprefix("properties."): v
                                        for k, v in feature.errors.items()})}
    if not isinstance(feature, dict):
        return {"_feature": Unreadable({"_feature": ["须为 GeoJSON Feature / not a Feature"]})}
    raw = dict(feature.get("properties") or {})
    raw["geometry"] = feature.get("geometry")
    return raw


# --- validating -------------------------------------------------------------------------------


class Validator:
    def __init__(self, townships: dict[str, tuple[int, str]], today: date) -> None:
        self.schema = FastLoader(ImportRowSchema())
        self.townships = townships
        self.today = today
        self.seen: set[str] = set()

    def __call__(self, raw: dict[str, Any]) -> dict[str, Any]:
        unreadable = [v.errors for v in raw.values() if isinstance(v, Unreadable)]
        if unreadable:
            raise _Rejected({k: v for errors in unreadable for k, v in errors.items()})
        try:
            survey = survey_from_row(self.schema.load(raw))
        except ValidationError as exc:
            raise _Rejected(exc.normalized_messages()) from exc
        errors: dict[str, list[str]] = {}
        if survey["township"] not in self.townships:
            errors["township"] = [f"未知的乡镇（街道） / unknown township {survey['township']}"]
        if survey["code"] in self.seen:
            errors["code"] = ["文件中重复 / repeated in the file"]
        survey["effective_date"] = survey["effective_date"] or self.today
        if survey["effective_date"] > self.today:
            errors["effective_date"] = ["晚于今天 / after today (EFFECTIVE_DATE_IN_FUTURE)"]
        if errors:
            raise _Rejected(errors)
        self.seen.add(survey["code"])
        if survey["geometry"] is not None:
            # With a boundary, an empty cell is not declared: the overlay computes it.
            survey["land"] = {k: v for k, v in survey["land"].items() if k in raw}
            survey["control_lines"] = {k: v for k, v in survey["control_lines"].items()
                                       if k in raw}
            if not survey["land"]:
                del survey["land"]
        return survey


class _Rejected(Exception):
    def __init__(self, errors: dict[str, Any]) -> None:
        self.errors = errors


# --- writing ----------------------------------------------------------------------------------


def import_file(runtime: Runtime, path: Path, *, batch_size: int = 5000,
                progress: Callable[[int, int], None] | None = None,
                total_hint: int | None = None, workers: int = 1) -> ImportReport:
    """Import ``path``. With ``workers`` > 1 (PostgreSQL), batches are validated and written
    by that many processes in parallel, each batch still one transaction."""
    today = runtime.clock.today()
    townships = _townships(runtime)
    report = ImportReport()
    postgres = runtime.engine.dialect.name == "postgresql"
    if workers > 1 and postgres:
        return _import_parallel(runtime, path, batch_size, workers, today, townships, report,
                                progress, total_hint)
    shape, items = read_items(path)
    validate = Validator(townships, today)
    lean = _lean_rows(shape, townships, today, path.name) if postgres else None
    if lean is not None:
        lean.seen = validate.seen
    batch: list[tuple[int, Any]] = []
    for line, item in items:
        report.rows += 1
        _validate(line, item, shape, lean, validate, batch, report)
        if len(batch) >= batch_size:
            _land(runtime, batch, townships, report, path.name)
            batch = []
        if progress and report.rows % 1000 == 0:
            progress(report.rows, total_hint or report.rows)
    if batch:
        _land(runtime, batch, townships, report, path.name)
    if progress:
        progress(report.rows, report.rows)
    return report


def _validate(line: int, item: Any, shape: CsvShape | None, lean: LeanRows | None,
              validate: Validator, good: list[tuple[int, Any]], report: ImportReport) -> None:
    """One row into ``good`` (a lean row, or a survey) or into the report's rejections."""
    if type(item) is str:
        item = item.split(",")
    if type(item) is list:
        if lean is not None:
            row = lean(item, line)
            if row is not None:
                good.append((line, row))
                return
        assert shape is not None
        item = shape.row(item)
    try:
        good.append((line, validate(item)))
    except _Rejected as err:
        report.rejected.append(Rejection(line, item.get("code"), err.errors))


def _lean_rows(shape: CsvShape | None, townships: dict[str, tuple[int, str]], today: date,
               source: str) -> LeanRows | None:
    """The lean path for a CSV file's rows (PostgreSQL, which takes them as COPY text)."""
    if shape is None:
        return None

    def general(cells: list[str], line: int) -> str | None:
        try:
            survey = Validator(townships, today)(shape.row(cells))
        except _Rejected:
            return None
        if survey["geometry"] is not None:
            return None
        return canonical_json(_plain_flat({**survey, "import": {"file": source, "line": line}}))

    return LeanRows(shape.header, townships, today, source, general)


def _townships(runtime: Runtime) -> dict[str, tuple[int, str]]:
    with runtime.reader() as uow:
        townships: dict[str, tuple[int, str]] = {}
        for t in uow.session.execute(select(Township)).scalars():
            townships[t.name] = townships[t.code] = (t.id, t.county_code)
        return townships


_WORKER: dict[str, Any] = {}


def _worker_init(settings: Any, today: date, townships: dict[str, tuple[int, str]]) -> None:
    runtime = Runtime.from_settings(settings, clock=FixedClock(today))
    _WORKER.update(runtime=runtime, townships=townships, today=today, lean={})


def _worker_batch(args: tuple[list[tuple[int, Any]], str, list[str] | None]) -> ImportReport:
    rows, source, header = args
    townships, today = _WORKER["townships"], _WORKER["today"]
    validate = Validator(townships, today)
    validate.seen = set()  # repeats across the file were removed before the batches were cut
    shape = lean = None
    if header is not None:
        key = (tuple(header), source)  # the file's name is in every payload
        if key not in _WORKER["lean"]:
            shape = CsvShape(header)
            _WORKER["lean"][key] = (shape, _lean_rows(shape, townships, today, source))
        shape, lean = _WORKER["lean"][key]
        assert lean is not None
        lean.seen = validate.seen
    report = ImportReport(rows=len(rows))
    good: list[tuple[int, Any]] = []
    for line, item in rows:
        _validate(line, item, shape, lean, validate, good, report)
    if good:
        _land(_WORKER["runtime"], good, townships, report, source)
    return report


def _import_parallel(runtime: Runtime, path: Path, batch_size: int, workers: int, today: date,
                     townships: dict[str, tuple[int, str]], report: ImportReport,
                     progress: Callable[[int, int], None] | None,
                     total_hint: int | None) -> ImportReport:
    import multiprocessing
    seen: set[str] = set()
    shape, items = read_items(path)
    header = shape.header if shape is not None else None

    def batches() -> Iterator[tuple[list[tuple[int, Any]], str, list[str] | None]]:
        batch: list[tuple[int, Any]] = []
        for line, item in items:
            report.rows += 1
            # A CSV line goes to its worker as read (cheaper to send than a dict).
            code = shape.code(item) if shape is not None else item.get("code")
            if isinstance(code, str) and code in seen:
                report.rejected.append(Rejection(line, code, {
                    "code": ["文件中重复 / repeated in the file"]}))
                continue
            if isinstance(code, str):
                seen.add(code)
            batch.append((line, item))
            if len(batch) >= batch_size:
                yield batch, path.name, header
                batch = []
        if batch:
            yield batch, path.name, header

    context = multiprocessing.get_context("fork")
    done = 0

    def collect(part: ImportReport) -> None:
        nonlocal done
        report.imported += part.imported
        report.batches += part.batches
        report.rejected.extend(part.rejected)
        done += part.rows
        if progress:
            progress(done, total_hint or report.rows)

    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init,
                             initargs=(runtime.settings, today, townships)) as pool:
        # At most two batches per worker in flight: the file is streamed, never held whole.
        pending: set[Any] = set()
        for args in batches():
            pending.add(pool.submit(_worker_batch, args))
            if len(pending) >= 2 * workers:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    collect(f.result())
        for f in pending:
            collect(f.result())
    report.rejected.sort(key=lambda r: r.line)
    return report


def _land(runtime: Runtime, batch: list[tuple[int, Any]],
          townships: dict[str, tuple[int, str]], report: ImportReport, source: str) -> None:
    """One transaction: the batch's parcels, their create events, one outbox event. Codes that
    already exist in the database are rejected here, before anything is written. A row is a
    survey (the general path) or a lean row (``LeanRows``, PostgreSQL only), in file order."""

    def work(uow: UnitOfWork) -> int:
        nonlocal batch
        s = uow.session
        codes = [survey[0] if type(survey) is tuple else survey["code"] for _, survey in batch]
        if s.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
            existing = _existing_codes(s, codes)
        else:
            existing = set(s.execute(select(Parcel.code).where(Parcel.code.in_(codes))).scalars())
        if existing:
            keep = []
            for (line, survey), code in zip(batch, codes, strict=True):
                if code in existing:
                    report.rejected.append(Rejection(line, code, {
                        "code": ["已存在 / a parcel with this code exists (CONFLICT)"]}))
                else:
                    keep.append((line, survey))
            batch = keep
        spatial = _overlay(s, [(line, survey) for line, survey in batch
                               if type(survey) is not tuple], townships, report)
        batch = [(line, survey) for line, survey in batch
                 if type(survey) is tuple or line in spatial]
        if not batch:
            return 0
        ids = _allocate_ids(s, len(batch))
        now = uow.now().astimezone(UTC)
        postgres = s.bind.dialect.name == "postgresql"  # type: ignore[union-attr]
        parcels, events = [], []
        lean_parcels, lean_events = [], []
        law_sets: dict[date, str | None] = {}
        rule_results = [{"rule": "effective_date_not_in_future", "passed": True, "codes": []}]
        hasher = _CreateHasher()
        # The text of a lean row after its own columns (LEAN_PARCEL_COLUMNS, _LEAN_EVENTS).
        stamp = now.isoformat()
        parcel_tail = f"\t{stamp}\t{stamp}\t1\t"
        event_tail = (f"\t1\tcreate\tsurvey\tsurveyed\t{copy_text(OPERATOR.name)}\t"
                      f"{copy_text(OPERATOR.role)}\t{stamp}\t{copy_text(_dumps(rule_results))}\n")
        for (line, survey), pid in zip(batch, ids, strict=True):
            if type(survey) is tuple:
                code, parcel, day, law_set, payload_json = survey
                digest = hasher.lean(pid, day, law_set, now, rule_results, payload_json)
                lean_parcels.append(f"{parcel}\t{pid}{parcel_tail}{digest}\n")
                lean_events.append(f"parcel:{pid}\t{pid}\t{day}\t{copy_text(law_set)}\t"
                                   f"{copy_text(payload_json)}\t{digest}{event_tail}")
                continue
            township_id, county = townships[survey["township"]]
            placed = spatial[line]
            land = placed.surveyed.land
            parcels.append({
                "id": pid, "code": survey["code"], "county_code": county,
                "township_id": township_id, "ownership": survey["ownership"],
                "state": "surveyed", "version": 1, "surveyed_on": survey["effective_date"],
                "last_effective_date": survey["effective_date"], **land,
                "total_m2": (land["farmland_m2"] + land["other_agricultural_m2"]
                             + land["unused_m2"] + land["construction_m2"]),
                "basic_farmland_m2": placed.surveyed.basic_farmland_m2,
                "red_line_m2": placed.surveyed.red_line_m2,
                "in_development_boundary": placed.surveyed.in_development_boundary,
                "geometry": survey["geometry"], "land_basis": placed.surveyed.basis,
                **placed.columns(postgres), "created_at": now, "updated_at": now,
            })
            recorded = {**survey, "import": {"file": source, "line": line}}
            if placed.figures is not None:
                recorded["computed"] = {"land": land, "land_basis": placed.surveyed.basis,
                                        "spatial": placed.figures.spatial()}
                payload_json = canonical_json(recorded)
            else:
                # Flat values only: made plain here, orjson needs no callback per value.
                payload_json = canonical_json(_plain_flat(recorded))
            effective = survey["effective_date"]
            law_set = law_sets.get(effective)
            if law_set is None:
                law_set = law_sets[effective] = law.in_force_on(effective).id
            event = _create_event(pid, now, effective, law_set, rule_results)
            event["hash"] = hasher(event, payload_json)
            parcels[-1]["audit_seq"], parcels[-1]["audit_hash"] = 1, event["hash"]
            event["payload"] = _JsonText(payload_json)
            events.append(event)
        if postgres:
            if parcels:
                _copy(s, "parcels", parcels)
            _copy_lines(s, "parcels", LEAN_PARCEL_COLUMNS, lean_parcels)
            if events:
                _copy(s, "audit_events", events)
            _copy_lines(s, "audit_events", _LEAN_EVENTS, lean_events)
        else:
            for e in events:
                e["payload"] = json.loads(e["payload"])
            s.execute(insert(Parcel), parcels)
            s.execute(insert(AuditEvent), events)
        first, last = batch[0][1], batch[-1][1]
        uow.emit("import.batch", None, {
            "file": source, "count": len(batch),
            "first_code": first[0] if type(first) is tuple else first["code"],
            "last_code": last[0] if type(last) is tuple else last["code"],
            "first_parcel_id": ids[0], "last_parcel_id": ids[-1]})
        return len(batch)

    landed = command(runtime.uow(), OPERATOR, work).result
    if landed:
        report.imported += landed
        report.batches += 1


# The columns of a lean row's create event, in the order its text gives them (the others are
# NULL: from_state, actor_id, idempotency_key, prev_hash).
_LEAN_EVENTS = ("stream", "parcel_id", "effective_date", "law_set", "payload", "hash",
                "stream_seq", "kind", "name", "to_state", "actor", "role", "recorded_at",
                "rule_results")


def _create_event(pid: int, now: Any, effective: date, law_set: str | None,
                  rule_results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"stream": f"parcel:{pid}", "stream_seq": 1, "parcel_id": pid,
            "kind": "create", "name": "survey", "from_state": None,
            "to_state": "surveyed", "actor_id": OPERATOR.id, "actor": OPERATOR.name,
            "role": OPERATOR.role, "recorded_at": now,
            "effective_date": effective, "payload": None,
            "rule_results": rule_results, "idempotency_key": None,
            "law_set": law_set, "prev_hash": None}


def _plain_flat(obj: dict[str, Any]) -> Any:
    """``plain`` for a mapping of scalars and mappings of scalars (an import row without a
    boundary); anything else goes through ``plain`` itself."""
    out: dict[str, Any] = {}
    for k, v in obj.items():
        t = type(v)
        if t is Decimal:
            out[k] = str(v)
        elif t is date:
            out[k] = v.isoformat()
        elif t is dict:
            out[k] = {ik: (str(iv) if type(iv) is Decimal else iv.isoformat()
                           if type(iv) is date else iv if type(iv) in _FLAT else plain(iv))
                      for ik, iv in v.items()}
        elif t in _FLAT:
            out[k] = v
        else:
            out[k] = plain(v)
    return out


_FLAT = (str, int, bool, type(None))


class _CreateHasher:
    """``compute_hash_json(None, event_body(event), payload_json)`` for a batch's create events,
    which differ only in their stream, parcel, date, law set and payload: the canonical text of
    the rest is made once per law set (by ``canonical_json`` itself) and the varying parts are
    put in. The first event of each template is also hashed the general way and must agree."""

    _MARKS = (("stream", "\x01stream"), ("parcel_id", -987654321987),
              ("effective_date", "\x01date"))

    def __init__(self) -> None:
        self.templates: dict[Any, str | None] = {}
        # The verified templates of lean rows, compiled (``compile_template``).
        self.fills: dict[Any, Callable[..., str]] = {}

    def _template(self, event: dict[str, Any]) -> str | None:
        probe = {**event_body(event), "payload": 0}
        for key, mark in self._MARKS:
            probe[key] = mark
        text = canonical_json(probe)
        parts = [('"stream":"\\u0001stream"', '"stream":"parcel:{p}"'),
                 ('"parcel_id":-987654321987', '"parcel_id":{p}'),
                 ('"effective_date":"\\u0001date"', '"effective_date":"{d}"'),
                 ('"payload":0', '"payload":{j}')]
        text = text.replace("{", "{{").replace("}", "}}")
        for mark, slot in parts:
            if text.count(mark) != 1:
                return None
            text = text.replace(mark, slot)
        return text

    def __call__(self, event: dict[str, Any], payload_json: str) -> str:
        key = (event["law_set"], event["recorded_at"], event["stream_seq"])
        if key not in self.templates:
            template = self.templates[key] = self._template(event)
            general = compute_hash_json(None, event_body(event), payload_json)
            if template is None or self._hash(template, event, payload_json) != general:
                self.templates[key] = None
            return general
        template = self.templates[key]
        if template is None or type(event["effective_date"]) is not date:
            return compute_hash_json(None, event_body(event), payload_json)
        return self._hash(template, event, payload_json)

    def lean(self, pid: int, day: str, law_set: str, now: Any,
             rule_results: list[dict[str, Any]], payload_json: str) -> str:
        """The hash of a lean row's create event (``day`` in ISO form)."""
        fill = self.fills.get((law_set, now))
        if fill is None:  # the first of its template, or no template: the general way
            event = _create_event(pid, now, date.fromisoformat(day), law_set, rule_results)
            digest = self(event, payload_json)
            template = self.templates.get((law_set, now, 1))
            if template is not None:
                self.fills[(law_set, now)] = compile_template(GENESIS + template, ("p", "d", "j"))
            return digest
        return hashlib.sha256(fill(pid, day, payload_json).encode("utf-8")).hexdigest()

    @staticmethod
    def _hash(template: str, event: dict[str, Any], payload_json: str) -> str:
        text = template.format(p=event["parcel_id"], d=event["effective_date"].isoformat(),
                               j=payload_json)
        return hashlib.sha256((GENESIS + text).encode("utf-8")).hexdigest()


_NO_BOUNDARY: dict[str, Any] = {"boundary": None, "min_lon": None, "min_lat": None,
                                 "max_lon": None, "max_lat": None, "spatial": None}


@dataclass
class _Placed:
    """A row's land as the parcel row records it, and its boundary where it has one."""

    surveyed: SurveyedLand
    figures: SurveyFigures | None = None
    boundary: Any = None

    def columns(self, postgres: bool) -> dict[str, Any]:
        if self.boundary is None or self.figures is None:
            return _NO_BOUNDARY
        minx, miny, maxx, maxy = bounds(self.boundary)
        value = (shapely.to_wkb(shapely.set_srid(self.boundary, GEOGRAPHIC_EPSG), hex=True,
                                include_srid=True)
                 if postgres else shapely.to_wkb(self.boundary))
        return {"boundary": value, "min_lon": minx, "min_lat": miny, "max_lon": maxx,
                "max_lat": maxy, "spatial": plain(self.figures.spatial())}


def _overlay(session: Any, batch: list[tuple[int, dict[str, Any]]],
             townships: dict[str, tuple[int, str]], report: ImportReport
             ) -> dict[int, _Placed]:
    """Each row's land: a row with a boundary is laid over the layers in force on its date and
    checked like a survey (SPATIAL_MISMATCH); the rows that fail are reported, not placed."""
    placed: dict[int, _Placed] = {}
    for line, survey in batch:
        try:
            if survey.get("geometry") is None:
                placed[line] = _Placed(surveyed_land(survey, None))
                continue
            county = townships[survey["township"]][1]
            boundary, figures = survey_figures(session, survey["geometry"], county,
                                               survey["effective_date"])
            found = mismatches(survey, figures)
            if found:
                report.rejected.append(Rejection(line, survey["code"], {
                    m.field: [f"SPATIAL_MISMATCH: declared {m.declared}, computed {m.computed}"]
                    for m in found}))
                continue
            placed[line] = _Placed(surveyed_land(survey, figures), figures, boundary)
        except ValidationFailed as err:
            report.rejected.append(Rejection(line, survey["code"], dict(_flatten(err.errors))))
    return placed


def _existing_codes(session: Any, codes: list[str]) -> set[str]:
    """Which of ``codes`` the parcels table has (PostgreSQL): one text parameter split by the
    server (no code holds a control character: every one was validated), not an array of
    thousands of values adapted one by one."""
    joined = "\x1f".join(codes)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur:
        if joined.count("\x1f") == len(codes) - 1:
            cur.execute("SELECT code FROM parcels WHERE code = ANY(string_to_array(%s, chr(31)))",
                        (joined,))
        else:
            cur.execute("SELECT code FROM parcels WHERE code = ANY(%s)", (codes,))
        return {code for (code,) in cur.fetchall()}


def _allocate_ids(session: Any, n: int) -> list[int]:
    if session.bind.dialect.name == "postgresql":
        raw = session.connection().connection.driver_connection
        with raw.cursor() as cur:
            # The sequence looked up once (MATERIALIZED): in the select list the lookup runs
            # for every id and costs ten times the nextval itself.
            cur.execute("WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('parcels', 'id')"
                        "::regclass AS seq) SELECT nextval(seq) FROM s, generate_series(1, %s)",
                        (n,))
            return [pid for (pid,) in cur.fetchall()]
    # SQLite: the write lock taken at BEGIN IMMEDIATE makes max(id) ours until COMMIT.
    start = session.execute(select(func.coalesce(func.max(Parcel.id), 0))).scalar_one()
    return list(range(start + 1, start + n + 1))


class _JsonText(str):
    """JSON already serialised: COPY takes the text as it is; the ORM path parses it back."""


def _copy(session: Any, table: str, rows: list[dict[str, Any]]) -> None:
    """COPY rows in; psycopg adapts the Python values (in C); JSON columns go as JSON text."""
    columns = tuple(rows[0])
    json_cols = [i for i, c in enumerate(columns)
                 if c in ("payload", "rule_results", "geometry", "data", "spatial")]
    # One object shared by many rows (a batch's rule results) is serialised once.
    texts: dict[int, tuple[Any, str]] = {}
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for r in rows:
            values = list(r.values()) if tuple(r) == columns else [r[c] for c in columns]
            for i in json_cols:
                v = values[i]
                if v is not None and not isinstance(v, _JsonText):
                    known = texts.get(id(v))
                    if known is None or known[0] is not v:
                        known = texts[id(v)] = (v, _dumps(v))
                    values[i] = known[1]
            cp.write_row(values)


def _copy_lines(session: Any, table: str, columns: tuple[str, ...], lines: list[str]) -> None:
    """COPY rows already written as COPY text lines, a few thousand to a write."""
    if not lines:
        return
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for i in range(0, len(lines), 2000):
            cp.write("".join(lines[i:i + 2000]))


def _dumps(obj: Any) -> str:
    try:
        return orjson.dumps(obj).decode("utf-8")
    except TypeError:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# --- export -------------------------------------------------------------------------------------


def export_parcels(runtime: Runtime, path: Path, *, progress: Callable[[int, int], None] | None
                   = None, batch: int = 5000) -> int:
    """Every parcel's survey, in the import format (CSV or GeoJSON by the file's suffix). CSV
    cells a spreadsheet would take for a formula are neutralised (``csv_cell``); the import
    reads them back as they were."""
    geo = path.suffix.lower() in (".geojson", ".json")
    written = 0
    with runtime.reader() as uow:
        s = uow.session
        total = s.execute(select(func.count()).select_from(Parcel)).scalar_one()
        codes = {t.id: t.code for t in s.execute(select(Township)).scalars()}
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = None
            if geo:
                f.write('{"type": "FeatureCollection", "features": [\n')
            else:
                csv.writer(f).writerow(IMPORT_COLUMNS)
                writer = csv.DictWriter(f, fieldnames=list(IMPORT_COLUMNS),
                                        quoting=csv.QUOTE_ALL)
            last = 0
            while True:
                rows = s.execute(select(Parcel).where(Parcel.id > last).order_by(Parcel.id)
                                 .limit(batch)).scalars().all()
                if not rows:
                    break
                for p in rows:
                    record = _export_row(p, codes[p.township_id])
                    if geo:
                        geometry = record.pop("geometry")
                        props = {k: v for k, v in record.items() if v != ""}
                        f.write((",\n" if written else "") + json.dumps(
                            {"type": "Feature", "properties": props, "geometry": geometry},
                            ensure_ascii=False))
                    else:
                        assert writer is not None
                        record["geometry"] = (json.dumps(record["geometry"], ensure_ascii=False)
                                              if record["geometry"] is not None else "")
                        writer.writerow({k: csv_cell(v) for k, v in record.items()})
                    written += 1
                last = rows[-1].id
                s.expunge_all()
                if progress:
                    progress(written, total)
            if geo:
                f.write("\n]}\n")
    return written


def _export_row(p: Parcel, township_code: str) -> dict[str, Any]:
    return {
        "code": p.code, "township": township_code, "ownership": p.ownership,
        "effective_date": p.surveyed_on.isoformat(), "farmland_m2": str(p.farmland_m2),
        "paddy_m2": str(p.paddy_m2),
        "farmland_grade": "" if p.farmland_grade is None else p.farmland_grade,
        "other_agricultural_m2": str(p.other_agricultural_m2), "unused_m2": str(p.unused_m2),
        "construction_m2": str(p.construction_m2),
        "basic_farmland_m2": str(p.basic_farmland_m2), "red_line_m2": str(p.red_line_m2),
        "in_development_boundary": "true" if p.in_development_boundary else "false",
        "geometry": p.geometry,
    }
