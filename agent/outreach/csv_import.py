"""CSV import of completed visits: a practice system's export, read through an import profile
(agent/outreach/profiles.py), validated whole, then written in short transactions.

Rows are reported by line with a reason that never repeats a value (names, phones and services are
patient data). Rows that are no completed visit (a profile's status filter: booked, cancelled, no-show)
are skipped and counted, not rejected. A dry run reads the database but writes nothing.
"""
from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from dateutil import parser as dateparser
from pydantic import ValidationError
from sqlmodel import Session, select

from agent.engine.clinic_rules import clinic_rules
from agent.outreach.intake import IntakeResult, VisitIn, intake_booking, intake_visit
from agent.outreach.profiles import ImportProfile, ServiceMap, header_key, load_profile
from agent.outreach.scheduler import PASSED_BEFORE_INTAKE
from agent.schedule import due_times
from agent.policy.schema import Policies
from agent.store.db import session_scope
from agent.store.models import Clinic, Visit
from agent.types import TouchStatus, VisitStatus

_NO_DATE = datetime(1, 1, 1)  # dateutil fills what a text leaves out from this: year 1 means no date was given


@dataclass
class RowError:
    row: int  # 1-based line number in the file, header is line 1
    reason: str


@dataclass
class ParsedCsv:
    good: list[tuple[int, VisitIn]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0  # rows the profile's status filter says are neither a completed visit nor a booking
    booked: list[tuple[int, VisitIn]] = field(default_factory=list)  # bookings: referral attribution only


@dataclass
class ImportReport:
    created: int = 0
    duplicates: int = 0
    errors: list[RowError] | None = None
    skipped: int = 0
    encoding: str = "utf-8"  # what the file was read as (see decode_csv)
    stopped_at: int | None = None  # the first line not imported when the database gave up (rerun the file)
    batches: list[float] = field(default_factory=list)  # seconds each transaction took
    touches_scheduled: int = 0  # texts that will go out when due
    touches_passed: int = 0  # touches whose moment passed before the visit arrived (never sent)
    bookings: int = 0  # booked rows read (no visit is recorded for them)
    referrals_matched: int = 0  # open referrals a row advanced or flagged: see agent/referrals/attribution.py
    dry_run: bool = False


# A file import writes in short transactions: each holds SQLite's write lock for at most about
# BATCH_HOLD_S (or BATCH_ROWS rows), then the importer pauses BATCH_PAUSE_S. SQLite is not fair: a writer
# waiting for the lock polls it, at most 100 ms apart, so a pause shorter than that can be missed again
# and again. With these figures a webhook waits at most about 0.35 s behind an import (its own limit is
# AFTERGLOW_WEBHOOK_LOCK_WAIT, 1 s, before it spools); an import took 20% longer (2,000 rows: 14.9 s in
# one transaction, 17.9 s in 48 batches, on 2 shared cores).
BATCH_ROWS = 500
BATCH_HOLD_S = 0.25
BATCH_PAUSE_S = 0.11


def decode_csv(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read as: UTF-8 (with or without BOM), else Windows-1252,
    the superset of Latin-1 that spreadsheet exports use, else Latin-1 itself (which reads any byte)."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


# ------------------------------------------------------------------ reading rows through a profile

@dataclass(frozen=True)
class _Columns:
    """Which header of this file holds each field of the profile."""

    by_field: dict[str, str]
    status: str | None

    def get(self, row: dict[str, str], name: str) -> str:
        header = self.by_field.get(name)
        return row.get(header, "") if header else ""


def _resolve(header: list[str], profile: ImportProfile) -> _Columns | RowError:
    keyed = {header_key(h): h for h in header if h}
    by_field = {}
    for name, candidates in profile.columns.items():
        found = next((keyed[k] for k in map(header_key, candidates) if k in keyed), None)
        if found is not None:
            by_field[name] = found
    status = None
    if profile.status is not None:
        status = next((keyed[k] for k in map(header_key, profile.status.column) if k in keyed), None)
    missing = []
    for options in (("external_id",), ("phone",), ("first_name", "full_name"), ("visit_type", "service"),
                    ("occurred_at", "date")):
        if not any(o in by_field for o in options):
            names = [n for o in options for n in profile.columns.get(o, [])]
            missing.append(" or ".join(names) or " or ".join(options))
    if missing:
        return RowError(1, f"missing columns ({profile.name} profile): {'; '.join(missing)}")
    if profile.other_columns == "refuse":
        used = set(by_field.values()) | ({status} if status else set())
        unknown = [h for h in header if h and h not in used]
        if unknown:
            return RowError(1, f"unknown columns: {', '.join(unknown)}")
    return _Columns(by_field, status)


def parse_csv(text: str, profile: ImportProfile | None = None, services: ServiceMap | None = None, *,
              day_first: bool | None = None) -> ParsedCsv:
    """Validate every row; the good ones, a reason for each bad one (never a value: PHI), and how many
    rows were no completed visit."""
    if profile is None:
        profile, default_services = load_profile()
        services = services or default_services
    services = services or ServiceMap(())
    first_day = profile.dates == "day_first" if day_first is None else day_first
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        return ParsedCsv(errors=[RowError(reader.line_num or 1, f"not readable as CSV ({exc})")])
    columns = _resolve(header, profile)
    if isinstance(columns, RowError):
        return ParsedCsv(errors=[columns])
    completed = {header_key(v) for v in profile.status.completed} if profile.status else set()
    booked = {header_key(v) for v in profile.status.booked} if profile.status else set()
    parsed = ParsedCsv()
    rows = iter(reader)
    while True:
        try:
            raw = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:  # a NUL byte, a runaway quote: the rest of the file cannot be trusted
            parsed.errors.append(RowError(reader.line_num, f"not readable as CSV ({exc}); this line and the rest skipped"))
            break
        line = reader.line_num  # the physical line the record ends on (quoted fields may span lines)
        extra = raw.pop(None, None)  # DictReader's home for fields beyond the header
        if extra:
            parsed.errors.append(RowError(line, f"{len(extra)} more field(s) than the header has columns "
                                                "(an unquoted comma?): row skipped"))
            continue
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue  # a blank line at the end of a spreadsheet export
        status = VisitStatus.COMPLETED
        if columns.status:
            state = header_key(row.get(columns.status, ""))
            if state in booked:
                status = VisitStatus.BOOKED
            elif state not in completed:
                parsed.skipped += 1
                continue
        try:
            visit = VisitIn.model_validate({**_row_to_visit(row, columns, services, first_day), "status": status})
        except (ValidationError, ValueError) as exc:
            parsed.errors.append(RowError(line, _reason(exc)))
            continue
        (parsed.booked if status == VisitStatus.BOOKED else parsed.good).append((line, visit))
    return parsed


def _row_to_visit(row: dict[str, str], columns: _Columns, services: ServiceMap, day_first: bool) -> dict:
    service = columns.get(row, "service")
    visit_type = columns.get(row, "visit_type")
    if not visit_type:
        if not service:
            raise ValueError("service: empty")
        found = services.visit_type(service)
        if found is None:
            raise ValueError("service: no visit type for this service name (add a word for it to "
                             "policies/imports/services.yaml or to the profile's services)")
        visit_type = found.value
    return {
        "external_id": columns.get(row, "external_id"), "visit_type": visit_type,
        "occurred_at": _occurred(row, columns, day_first),
        "treatment": columns.get(row, "treatment") or service, "provider": columns.get(row, "provider"),
        "referral_code": columns.get(row, "referral_code") or None,
        "patient": {"phone": columns.get(row, "phone"), "first_name": _first_name(row, columns),
                    "sms_consent": columns.get(row, "sms_consent"),
                    "marketing_consent": columns.get(row, "marketing_consent")},
    }


def _first_name(row: dict[str, str], columns: _Columns) -> str:
    first = columns.get(row, "first_name")
    if first:
        return first
    full = columns.get(row, "full_name")
    if "," in full:  # "Rivera, Ana M."
        full = full.split(",", 1)[1]
    return full.split()[0] if full.split() else ""


def _occurred(row: dict[str, str], columns: _Columns, day_first: bool) -> datetime | str:
    """The visit's moment; the text itself when it is no date, for VisitIn to refuse."""
    text = columns.get(row, "occurred_at") or " ".join(
        part for part in (columns.get(row, "date"), columns.get(row, "time")) if part)
    if not text:
        raise ValueError("occurred_at: empty")
    try:
        # "11/25/2026 3:30 PM", "2026-11-25T15:30", "25/11/2026 15:30" (day first), "Nov 25, 2026 3:30pm"
        parsed = dateparser.parse(text, dayfirst=day_first, yearfirst=text[:4].isdigit(), default=_NO_DATE)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None or parsed.year == _NO_DATE.year:  # "10:00" or "March": the rest would be made up
        return text  # refused by VisitIn with the row's other errors; _reason words it
    return parsed


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors():
            field_name = ".".join(str(p) for p in err["loc"] if p != "patient") or "row"
            message = err["msg"].removeprefix("Value error, ")
            if field_name == "occurred_at":
                message = "not a date and time (the profile's day order, or ISO 8601; a date needs its year)"
            parts.append(f"{field_name}: {message}")
        return "; ".join(parts)
    return str(exc)


# ------------------------------------------------------------------ writing

def import_csv(session: Session, clinic: Clinic, text: str, policies: Policies, now: datetime,
               profile: ImportProfile | None = None, services: ServiceMap | None = None) -> ImportReport:
    """Import in the caller's one transaction (small files, tests). Files: import_csv_file."""
    parsed = parse_csv(text, profile, services)
    report = ImportReport(errors=parsed.errors, skipped=parsed.skipped)
    for _line, visit in parsed.good:
        _count(report, intake_visit(session, clinic, visit, policies, now))
    _book(session, clinic, parsed.booked, policies, now, report)
    return report


def import_csv_file(db: sa.Engine, clinic_id: int, data: bytes, policies: Policies, now: datetime, *,
                    profile: ImportProfile | None = None, services: ServiceMap | None = None,
                    day_first: bool | None = None, dry_run: bool = False, hold_s: float = BATCH_HOLD_S,
                    pause_s: float = BATCH_PAUSE_S, batch_rows: int = BATCH_ROWS) -> ImportReport:
    """A practice system's export, any size: decoded (see decode_csv), validated whole, then written in
    short transactions (see BATCH_HOLD_S). If the database gives up mid-file the report says where;
    rerunning the same file is safe (visits are matched on external_id). A dry run writes nothing and
    reports what would happen."""
    text, encoding = decode_csv(data)
    parsed = parse_csv(text, profile, services, day_first=day_first)
    report = ImportReport(errors=parsed.errors, skipped=parsed.skipped, encoding=encoding, dry_run=dry_run)
    if dry_run:
        report.bookings = len(parsed.booked)
        with Session(db) as session:
            _plan(session, session.get(Clinic, clinic_id), parsed.good, policies, now, report)
        return report
    position = 0
    good = parsed.good
    while position < len(good):
        began = time.monotonic()
        counts = ImportReport()
        try:
            with session_scope(db) as session:
                clinic = session.get(Clinic, clinic_id)
                for _line, visit in good[position:position + batch_rows]:
                    _count(counts, intake_visit(session, clinic, visit, policies, now))
                    if time.monotonic() - began >= hold_s:
                        break
        except sa.exc.SQLAlchemyError:
            report.stopped_at = good[position][0]
            return report
        position += counts.created + counts.duplicates
        report.batches.append(time.monotonic() - began)
        for name in ("created", "duplicates", "touches_scheduled", "touches_passed", "referrals_matched"):
            setattr(report, name, getattr(report, name) + getattr(counts, name))
        if position < len(good):
            time.sleep(pause_s)  # let a waiting writer (a webhook, the worker) take the lock
    # Bookings after the visits (a booking never moves a referral back, so their order does not matter),
    # in the same short transactions; rerunning is safe for them too.
    for start in range(0, len(parsed.booked), batch_rows):
        try:
            with session_scope(db) as session:
                _book(session, session.get(Clinic, clinic_id), parsed.booked[start:start + batch_rows], policies,
                      now, report)
        except sa.exc.SQLAlchemyError:
            report.stopped_at = parsed.booked[start][0]
            return report
    return report


def _book(session: Session, clinic: Clinic, booked: list[tuple[int, VisitIn]], policies: Policies, now: datetime,
          report: ImportReport) -> None:
    for _line, visit in booked:
        report.bookings += 1
        if intake_booking(session, clinic, visit, policies, now) is not None:
            report.referrals_matched += 1


def _plan(session: Session, clinic: Clinic, good: list[tuple[int, VisitIn]], policies: Policies, now: datetime,
          report: ImportReport) -> None:
    """What an import would do: new visits and their touches, due or already past (see intake_grace_hours)."""
    ids = [v.external_id for _, v in good]
    known: set[str] = set()
    for start in range(0, len(ids), BATCH_ROWS):  # bounded IN lists: SQLite caps bound parameters
        known.update(session.exec(select(Visit.external_id).where(
            Visit.clinic_id == clinic.id, Visit.external_id.in_(ids[start:start + BATCH_ROWS]))))
    timing = clinic_rules(session, clinic).timing(policies.timing)  # the plan the clinic's own timing makes
    grace = timedelta(hours=timing.intake_grace_hours)
    for _line, visit in good:
        if visit.external_id in known:
            report.duplicates += 1
            continue
        known.add(visit.external_id)
        report.created += 1
        occurred = visit.occurred_at if visit.occurred_at.tzinfo else visit.occurred_at.replace(
            tzinfo=ZoneInfo(clinic.timezone))
        for _name, due in due_times(visit.visit_type, occurred, clinic.timezone, timing):
            if now - due > grace:
                report.touches_passed += 1
            else:
                report.touches_scheduled += 1


def _count(report: ImportReport, result: IntakeResult) -> None:
    if not result.created:
        report.duplicates += 1
        return
    report.created += 1
    if result.referral is not None:
        report.referrals_matched += 1
    for touch in result.touches:
        if touch.status == TouchStatus.PENDING:
            report.touches_scheduled += 1
        elif touch.reason == PASSED_BEFORE_INTAKE:
            report.touches_passed += 1


__all__ = ["BATCH_HOLD_S", "BATCH_PAUSE_S", "BATCH_ROWS", "ImportReport", "ParsedCsv", "RowError", "decode_csv",
           "import_csv", "import_csv_file", "parse_csv"]
