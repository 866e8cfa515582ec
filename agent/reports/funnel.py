"""The referral funnel: asks -> introductions -> contacted -> booked -> treated -> rewarded, per month or
per visit type, with the median time from an introduction to its first contact.

- asks: texts that carried a referral ask, sent in the period (not cancelled, failed or undelivered).
- introductions: referrals recorded in the period (a cohort), flagged ones left out (counted apart as
  `flagged`: a self-referral or someone already a patient is no introduction).
- contacted, booked, treated, rewarded: introductions of the cohort that have reached that stage so far
  (a referral booked straight from "new" counts as contacted too: the friend was reached).
- minutes to first contact: the median, over the cohort's contacted introductions, of the minutes from
  recording to first leaving "new" (Referral.first_contact_at).

Months are calendar months in the clinic's timezone. A visit type is that of the visit the referrer's
introduction (or the ask) came from: the visit of its conversation, else the referrer's latest visit
before it (a friend page sign-up); "none" when they had no visit.
"""
from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from agent.referrals.rewards import reached
from agent.reports.kpis import NOT_SENT
from agent.store.models import Clinic, Conversation, Message, Referral, Visit
from agent.types import AskKind, Direction, ReferralStatus

By = Literal["month", "visit_type"]
NO_VISIT = "none"


@dataclass
class FunnelRow:
    key: str  # "2026-03", or a visit type, or "total"
    asks: int = 0
    introductions: int = 0
    contacted: int = 0
    booked: int = 0
    treated: int = 0
    rewarded: int = 0
    flagged: int = 0
    median_minutes_to_contact: float | None = None


@dataclass
class Funnel:
    clinic_id: int
    by: By
    since: datetime
    until: datetime
    rows: list[FunnelRow]
    total: FunnelRow


STAGES = ((ReferralStatus.CONTACTED, "contacted"), (ReferralStatus.CONSULT_BOOKED, "booked"),
          (ReferralStatus.TREATED, "treated"), (ReferralStatus.REWARD_ISSUED, "rewarded"))


def funnel(session: Session, clinic: Clinic, since: datetime, until: datetime, by: By = "month") -> Funnel:
    tz = ZoneInfo(clinic.timezone)
    visit_types = _VisitTypes(session)

    def key_of(moment: datetime, visit_id: int | None) -> str:
        if by == "month":
            return moment.astimezone(tz).strftime("%Y-%m")
        return visit_types.of(visit_id)

    rows: dict[str, FunnelRow] = {}
    minutes: dict[str, list[float]] = {}
    for message in _asks(session, clinic.id, since, until):
        conversation = session.get(Conversation, message.conversation_id)
        visit_id = conversation.visit_id or _latest_visit(session, message.patient_id, message.created_at)
        _row(rows, key_of(message.created_at, visit_id)).asks += 1
    referrals = session.exec(select(Referral).where(Referral.clinic_id == clinic.id, Referral.created_at >= since,
                                                    Referral.created_at < until).order_by(Referral.id))
    for referral in referrals:
        row = _row(rows, key_of(referral.created_at, _source_visit(session, referral)))
        if referral.flag is not None:
            row.flagged += 1
            continue
        row.introductions += 1
        for status, name in STAGES:
            if reached(referral.status, status):
                setattr(row, name, getattr(row, name) + 1)
        if referral.first_contact_at is not None:
            waited = (referral.first_contact_at - referral.created_at).total_seconds() / 60
            minutes.setdefault(row.key, []).append(max(0.0, waited))
    total = FunnelRow("total")
    for row in rows.values():
        for name in ("asks", "introductions", "contacted", "booked", "treated", "rewarded", "flagged"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        row.median_minutes_to_contact = _median(minutes.get(row.key, []))
    total.median_minutes_to_contact = _median([m for values in minutes.values() for m in values])
    return Funnel(clinic.id, by, since, until, [rows[k] for k in sorted(rows)], total)


def period(timezone: str, since: date | None, until: date | None, now: datetime) -> tuple[datetime, datetime]:
    """Local calendar days, `until` included: by default the last 365 days up to today."""
    tz = ZoneInfo(timezone)
    last = until or now.astimezone(tz).date()
    first = since or last - timedelta(days=364)
    return (datetime.combine(first, time(), tzinfo=tz), datetime.combine(last + timedelta(days=1), time(), tzinfo=tz))


def to_csv(report: Funnel) -> str:
    out = io.StringIO()
    names = [f.name for f in fields(FunnelRow)]
    writer = csv.DictWriter(out, fieldnames=[report.by, *names[1:]])
    writer.writeheader()
    for row in [*report.rows, report.total]:
        values = asdict(row)
        writer.writerow({report.by: values.pop("key"), **values})
    return out.getvalue()


def _row(rows: dict[str, FunnelRow], key: str) -> FunnelRow:
    if key not in rows:
        rows[key] = FunnelRow(key)
    return rows[key]


def _median(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None


def _asks(session: Session, clinic_id: int, since: datetime, until: datetime) -> list[Message]:
    sent = session.exec(select(Message).where(Message.clinic_id == clinic_id, Message.direction == Direction.OUTBOUND,
                                              Message.created_at >= since, Message.created_at < until))
    return [m for m in sent if AskKind.REFERRAL.value in (m.asks or []) and m.delivery_status not in NOT_SENT]


def _source_visit(session: Session, referral: Referral) -> int | None:
    """The referrer's visit the introduction came from (see the module docstring)."""
    conversation = session.get(Conversation, referral.conversation_id)
    if conversation is not None and conversation.patient_id == referral.referrer_id and conversation.visit_id:
        return conversation.visit_id
    return _latest_visit(session, referral.referrer_id, referral.created_at)


def _latest_visit(session: Session, patient_id: int, moment: datetime) -> int | None:
    return session.exec(select(Visit.id).where(Visit.patient_id == patient_id, Visit.occurred_at <= moment)
                        .order_by(Visit.occurred_at.desc())).first()


class _VisitTypes:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[int, str] = {}

    def of(self, visit_id: int | None) -> str:
        if visit_id is None:
            return NO_VISIT
        if visit_id not in self.cache:
            visit = self.session.get(Visit, visit_id)
            self.cache[visit_id] = visit.visit_type.value if visit else NO_VISIT
        return self.cache[visit_id]
