"""Visit intake from a practice-management system: JSON API or CSV, one validated shape, idempotent
on the clinic's own visit id, patients matched by phone."""
from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticUseDefault
import sqlalchemy as sa
from sqlmodel import Session, select

from agent.outreach.scheduler import schedule_visit
from agent.phones import to_e164
from agent.policy.schema import Policies
from agent.store.db import session_scope
from agent.store.models import AuditEvent, Clinic, Patient, Touch, Visit
from agent.types import VisitType


def _e164(value: str) -> str:
    try:
        return to_e164(value)
    except ValueError as exc:
        raise ValueError(f"phone is {exc}") from None


def _yes_no(value: object) -> object:
    """CSV-friendly booleans: yes/no, y/n, true/false, 1/0; empty means the default."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered == "":
            raise PydanticUseDefault()
        if lowered in ("yes", "y", "true", "1"):
            return True
        if lowered in ("no", "n", "false", "0"):
            return False
        raise ValueError("must be yes or no")
    return value


YesNo = Annotated[bool, BeforeValidator(_yes_no)]


class PatientIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    phone: Annotated[str, AfterValidator(_e164)]
    first_name: str = Field(min_length=1, max_length=60)
    sms_consent: YesNo = True
    marketing_consent: YesNo = False


class VisitIn(BaseModel):
    """A completed visit. `occurred_at` without a zone is read in the clinic's local time."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    external_id: str = Field(min_length=1, max_length=80)
    patient: PatientIn
    visit_type: VisitType
    treatment: str = Field(default="", max_length=200)
    provider: str = Field(default="", max_length=120)
    occurred_at: datetime

    @field_validator("visit_type", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower().replace(" ", "_").replace("-", "_") if isinstance(value, str) else value


@dataclass
class IntakeResult:
    visit: Visit
    patient: Patient
    created: bool
    touches: list[Touch]


def intake_visit(session: Session, clinic: Clinic, data: VisitIn, policies: Policies, now: datetime) -> IntakeResult:
    existing = session.exec(select(Visit).where(Visit.clinic_id == clinic.id,
                                                Visit.external_id == data.external_id)).first()
    if existing is not None:
        touches = list(session.exec(select(Touch).where(Touch.visit_id == existing.id).order_by(Touch.due_at)))
        return IntakeResult(existing, session.get(Patient, existing.patient_id), False, touches)
    patient = _match_patient(session, clinic, data.patient, now)
    occurred = data.occurred_at
    if occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=ZoneInfo(clinic.timezone))
    visit = Visit(clinic_id=clinic.id, patient_id=patient.id, external_id=data.external_id,
                  visit_type=data.visit_type, treatment=data.treatment, provider=data.provider,
                  occurred_at=occurred.astimezone(UTC), created_at=now)
    session.add(visit)
    session.flush()
    touches = schedule_visit(session, visit, policies)
    session.add(AuditEvent(clinic_id=clinic.id, actor="system", action="visit.received", subject_type="visit",
                           subject_id=visit.id, data={"visit_type": visit.visit_type.value,
                                                      "touches": len(touches)}, created_at=now))
    return IntakeResult(visit, patient, True, touches)


def _match_patient(session: Session, clinic: Clinic, data: PatientIn, now: datetime) -> Patient:
    patient = session.exec(select(Patient).where(Patient.clinic_id == clinic.id, Patient.phone == data.phone)).first()
    if patient is None:
        patient = Patient(clinic_id=clinic.id, phone=data.phone, first_name=data.first_name,
                          sms_consent=data.sms_consent, marketing_consent=data.marketing_consent, created_at=now)
        session.add(patient)
        session.flush()
        return patient
    # The practice system is the source of truth for name and consent, except an opt-out: that only
    # the patient can undo (by texting START).
    patient.first_name = data.first_name
    patient.sms_consent = data.sms_consent
    patient.marketing_consent = data.marketing_consent
    return patient


# ------------------------------------------------------------------ CSV

CSV_COLUMNS = ("external_id", "phone", "first_name", "visit_type", "occurred_at")
OPTIONAL_COLUMNS = ("treatment", "provider", "sms_consent", "marketing_consent")


@dataclass
class RowError:
    row: int  # 1-based line number in the file, header is line 1
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    duplicates: int = 0
    errors: list[RowError] | None = None
    encoding: str = "utf-8"  # what the file was read as (see decode_csv)
    stopped_at: int | None = None  # the first line not imported when the database gave up (rerun the file)
    batches: list[float] = field(default_factory=list)  # seconds each transaction took


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


def parse_csv(text: str) -> tuple[list[tuple[int, VisitIn]], list[RowError]]:
    """Validate every row; return the good ones and a reason for each bad one (never a value: PHI)."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        return [], [RowError(reader.line_num or 1, f"not readable as CSV ({exc})")]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        return [], [RowError(1, f"missing columns: {', '.join(missing)}")]
    unknown = [c for c in header if c not in CSV_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        return [], [RowError(1, f"unknown columns: {', '.join(unknown)}")]
    good, bad = [], []
    rows = iter(reader)
    while True:
        try:
            raw = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:  # a NUL byte, a runaway quote: the rest of the file cannot be trusted
            bad.append(RowError(reader.line_num, f"not readable as CSV ({exc}); this line and the rest skipped"))
            break
        line = reader.line_num  # the physical line the record ends on (quoted fields may span lines)
        extra = raw.pop(None, None)  # DictReader's home for fields beyond the header
        if extra:
            bad.append(RowError(line, f"{len(extra)} more field(s) than the header has columns "
                                      "(an unquoted comma?): row skipped"))
            continue
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        try:
            good.append((line, VisitIn.model_validate(_row_to_visit(row))))
        except (ValidationError, ValueError) as exc:
            bad.append(RowError(line, _reason(exc)))
    return good, bad


def _row_to_visit(row: dict[str, str]) -> dict:
    return {
        "external_id": row["external_id"], "visit_type": row["visit_type"], "occurred_at": row["occurred_at"],
        "treatment": row.get("treatment", ""), "provider": row.get("provider", ""),
        "patient": {"phone": row["phone"], "first_name": row["first_name"],
                    "sms_consent": row.get("sms_consent", ""), "marketing_consent": row.get("marketing_consent", "")},
    }


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors():
            field_name = ".".join(str(p) for p in err["loc"] if p != "patient") or "row"
            message = err["msg"].removeprefix("Value error, ")
            parts.append(f"{field_name}: {message}")
        return "; ".join(parts)
    return str(exc)


def import_csv(session: Session, clinic: Clinic, text: str, policies: Policies, now: datetime) -> ImportReport:
    """Import in the caller's one transaction (small files, tests). Files: import_csv_file."""
    good, errors = parse_csv(text)
    report = ImportReport(errors=errors)
    for _line, visit in good:
        _count(report, intake_visit(session, clinic, visit, policies, now))
    return report


def import_csv_file(db: sa.Engine, clinic_id: int, data: bytes, policies: Policies, now: datetime, *,
                    hold_s: float = BATCH_HOLD_S, pause_s: float = BATCH_PAUSE_S,
                    batch_rows: int = BATCH_ROWS) -> ImportReport:
    """A practice system's export, any size: decoded (see decode_csv), validated whole, then written in
    short transactions (see BATCH_HOLD_S). If the database gives up mid-file the report says where;
    rerunning the same file is safe (visits are matched on external_id)."""
    text, encoding = decode_csv(data)
    good, errors = parse_csv(text)
    report = ImportReport(errors=errors, encoding=encoding)
    position = 0
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
        report.created += counts.created
        report.duplicates += counts.duplicates
        if position < len(good):
            time.sleep(pause_s)  # let a waiting writer (a webhook, the worker) take the lock
    return report


def _count(report: ImportReport, result: IntakeResult) -> None:
    if result.created:
        report.created += 1
    else:
        report.duplicates += 1
