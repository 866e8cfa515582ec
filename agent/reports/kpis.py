"""The numbers that matter: introductions and booked consults, not send volume.

Every KPI is computed per bucket (clinic-local days or weeks, Monday-start) over a window ending now,
plus a total for the whole window. Rows are read once per table for the window and bucketed in Python,
so the same code runs on SQLite and PostgreSQL (no dialect date functions).

Definitions (each is also shipped in the output as `definition`):
- checkins_sent: outbound check-in touches (kind touch, not the review ask) that were not cancelled,
  failed or undelivered, by send time.
- reply_rate: of the conversations a check-in opened in the bucket (and whose check-in went out), the
  share in which the patient replied at all (any inbound text, opt-outs included).
- referral_asks: outbound texts carrying a referral ask (agent or staff), not cancelled/failed.
- introductions: referrals recorded (people a patient introduced), by the time they were recorded.
- referrals_per_ask: introductions / referral asks in the same bucket.
- consults_booked: of the introductions recorded in the bucket (a cohort), how many have reached
  consult booked or later (treated, reward issued) so far; the denominator is the cohort size.
- median_claim_minutes / median_claim_minutes_urgent: for handoffs opened in the bucket and claimed,
  the median minutes from opening to a staff claim; the denominator is every handoff opened.
- opt_out_rate: opt-outs (audit events) / distinct patients texted in the bucket.
- guard_blocks: agent drafts (replies and touches) that a guard stopped, per policy that tripped on the
  first draft, whatever happened next (repaired, held for staff or blocked); one draft tripping two
  policies counts once for each. Staff texts are not counted (their refusals are in the audit log).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Literal
from zoneinfo import ZoneInfo

from sqlmodel import Field, Session, SQLModel, select

from agent.store.models import AuditEvent, Clinic, Conversation, Handoff, Message, Referral, Turn
from agent.types import AskKind, DeliveryStatus, Direction, GuardPolicy, MessageKind, Priority, ReferralStatus
from agent.types import REVIEW_TOUCH

Bucket = Literal["day", "week"]
Unit = Literal["count", "percent", "ratio", "minutes"]
STAFF_BRAIN = "staff"  # turns recorded for staff-sent texts (agent/engine/drafts.py)
NOT_SENT = frozenset({DeliveryStatus.CANCELED, DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED})
BOOKED = frozenset({ReferralStatus.CONSULT_BOOKED, ReferralStatus.TREATED, ReferralStatus.REWARD_ISSUED})


class KpiPoint(SQLModel):
    start: date
    label: str
    value: float | None = Field(description="the KPI (None when there is nothing to divide by)")
    numerator: int | None = None
    denominator: int | None = None


class Kpi(SQLModel):
    key: str
    label: str
    unit: Unit
    definition: str
    points: list[KpiPoint]
    total: KpiPoint


class PolicyBlocks(SQLModel):
    policy: str
    counts: list[int]
    total: int


class Dashboard(SQLModel):
    clinic_id: int
    bucket: Bucket
    timezone: str
    start: datetime
    end: datetime
    labels: list[str]
    kpis: list[Kpi]
    guard_blocks: list[PolicyBlocks]


DEFINITIONS: dict[str, tuple[str, Unit, str]] = {
    "checkins_sent": ("Check-ins sent", "count", "Outbound check-in touches (not review asks) that were not "
                      "cancelled, failed or undelivered."),
    "reply_rate": ("Reply rate", "percent", "Share of check-in conversations in which the patient replied."),
    "referral_asks": ("Referral asks", "count", "Texts that carried a referral ask."),
    "introductions": ("Introductions", "count", "Referrals recorded: people a patient introduced."),
    "referrals_per_ask": ("Referrals per ask", "ratio", "Introductions divided by referral asks."),
    "consults_booked": ("Consults booked from referrals", "count", "Introductions recorded in the period that "
                        "have reached consult booked or later (cohort by introduction date)."),
    "median_claim_minutes": ("Median minutes to claim", "minutes", "Median minutes from a handoff opening to a "
                             "staff claim, for handoffs opened in the period."),
    "median_claim_minutes_urgent": ("Median minutes to claim (urgent)", "minutes", "The same for urgent "
                                    "clinical handoffs."),
    "opt_out_rate": ("Opt-out rate", "percent", "Opt-outs divided by distinct patients texted."),
}


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Buckets:
    """Clinic-local calendar buckets ending with the one that contains `now`."""

    def __init__(self, now: datetime, timezone: str, bucket: Bucket, periods: int) -> None:
        self.tz = ZoneInfo(timezone)
        self.bucket = bucket
        today = _utc(now).astimezone(self.tz).date()
        last = today - timedelta(days=today.weekday()) if bucket == "week" else today
        step = timedelta(days=7 if bucket == "week" else 1)
        self.starts = [last - step * i for i in range(periods - 1, -1, -1)]
        self.start = datetime.combine(self.starts[0], time(0), tzinfo=self.tz).astimezone(UTC)
        self.end = _utc(now)

    def index(self, moment: datetime | None) -> int | None:
        if moment is None:
            return None
        moment = _utc(moment)
        if moment < self.start or moment > self.end:
            return None
        local = moment.astimezone(self.tz).date()
        if self.bucket == "week":
            local = local - timedelta(days=local.weekday())
        delta = (local - self.starts[0]).days // (7 if self.bucket == "week" else 1)
        return delta if 0 <= delta < len(self.starts) else None

    def labels(self) -> list[str]:
        return [d.strftime("%b %d") if self.bucket == "week" else d.strftime("%a %d") for d in self.starts]

    def counts(self, moments: Iterable[datetime | None]) -> list[int]:
        out = [0] * len(self.starts)
        for moment in moments:
            i = self.index(moment)
            if i is not None:
                out[i] += 1
        return out

    def groups(self, items: Iterable[tuple[datetime | None, object]]) -> list[list]:
        out: list[list] = [[] for _ in self.starts]
        for moment, item in items:
            i = self.index(moment)
            if i is not None:
                out[i].append(item)
        return out


def dashboard(session: Session, clinic: Clinic, now: datetime, *, bucket: Bucket = "week",
              periods: int = 8) -> Dashboard:
    b = Buckets(now, clinic.timezone, bucket, periods)
    data = _Rows(session, clinic.id, b.start)
    kpis = [
        _count("checkins_sent", b, (m.created_at for m in data.checkins)),
        _reply_rate(b, data),
        _count("referral_asks", b, (m.created_at for m in data.referral_asks)),
        _count("introductions", b, (r.created_at for r in data.referrals)),
        _ratio("referrals_per_ask", b, b.counts(r.created_at for r in data.referrals),
               b.counts(m.created_at for m in data.referral_asks), per_cent=False),
        _booked(b, data),
        _claim_median("median_claim_minutes", b, data.handoffs),
        _claim_median("median_claim_minutes_urgent", b, [h for h in data.handoffs if h.priority == Priority.URGENT]),
        _ratio("opt_out_rate", b, b.counts(e.created_at for e in data.opt_outs), data.texted_per_bucket(b),
               per_cent=True, total_denominator=len(data.texted_patients())),
    ]
    return Dashboard(clinic_id=clinic.id, bucket=bucket, timezone=clinic.timezone, start=b.start, end=b.end,
                     labels=b.labels(), kpis=kpis, guard_blocks=_guard_blocks(b, data.turns))


# ------------------------------------------------------------------ reading the rows once


class _Rows:
    def __init__(self, session: Session, clinic_id: int, since: datetime) -> None:
        outbound = list(session.exec(select(Message).where(
            Message.clinic_id == clinic_id, Message.direction == Direction.OUTBOUND, Message.created_at >= since)))
        self.sent = [m for m in outbound if m.delivery_status not in NOT_SENT]
        self.checkins = [m for m in self.sent if m.kind == MessageKind.TOUCH and m.touch != REVIEW_TOUCH]
        self.referral_asks = [m for m in self.sent if AskKind.REFERRAL.value in (m.asks or [])]
        self.conversations = list(session.exec(select(Conversation).where(
            Conversation.clinic_id == clinic_id, Conversation.created_at >= since,
            Conversation.opening_touch != None)))  # noqa: E711
        ids = [c.id for c in self.conversations]
        self.replied: set[int] = set()
        if ids:
            self.replied = set(session.exec(select(Message.conversation_id).where(
                Message.conversation_id.in_(ids), Message.direction == Direction.INBOUND).distinct()))
        self.checkin_conversations = {m.conversation_id for m in self.checkins}
        self.referrals = list(session.exec(select(Referral).where(Referral.clinic_id == clinic_id,
                                                                  Referral.created_at >= since)))
        self.handoffs = list(session.exec(select(Handoff).where(Handoff.clinic_id == clinic_id,
                                                                Handoff.created_at >= since)))
        events = list(session.exec(select(AuditEvent).where(
            AuditEvent.clinic_id == clinic_id, AuditEvent.created_at >= since,
            AuditEvent.action == "patient.opted_out")))
        self.opt_outs = events
        self.turns = list(session.exec(select(Turn).where(Turn.clinic_id == clinic_id, Turn.created_at >= since,
                                                          Turn.brain != STAFF_BRAIN)))

    def texted_patients(self) -> set[int]:
        return {m.patient_id for m in self.sent}

    def texted_per_bucket(self, b: Buckets) -> list[int]:
        groups = b.groups((m.created_at, m.patient_id) for m in self.sent)
        return [len(set(g)) for g in groups]


# ------------------------------------------------------------------ KPI shapes


def _kpi(key: str, b: Buckets, values: list[tuple[float | None, int | None, int | None]],
         total: tuple[float | None, int | None, int | None]) -> Kpi:
    label, unit, definition = DEFINITIONS[key]
    labels = b.labels()
    points = [KpiPoint(start=s, label=lab, value=v, numerator=n, denominator=d)
              for s, lab, (v, n, d) in zip(b.starts, labels, values, strict=True)]
    tv, tn, td = total
    return Kpi(key=key, label=label, unit=unit, definition=definition, points=points,
               total=KpiPoint(start=b.starts[0], label="total", value=tv, numerator=tn, denominator=td))


def _count(key: str, b: Buckets, moments: Iterable[datetime]) -> Kpi:
    counts = b.counts(moments)
    return _kpi(key, b, [(float(c), c, None) for c in counts], (float(sum(counts)), sum(counts), None))


def _rate(n: int, d: int, per_cent: bool) -> float | None:
    if not d:
        return None
    return round(n / d * (100 if per_cent else 1), 1 if per_cent else 2)


def _ratio(key: str, b: Buckets, nums: list[int], dens: list[int], *, per_cent: bool,
           total_denominator: int | None = None) -> Kpi:
    values = [(_rate(n, d, per_cent), n, d) for n, d in zip(nums, dens, strict=True)]
    tn, td = sum(nums), sum(dens) if total_denominator is None else total_denominator
    return _kpi(key, b, values, (_rate(tn, td, per_cent), tn, td))


def _reply_rate(b: Buckets, data: _Rows) -> Kpi:
    opened = [c for c in data.conversations if c.id in data.checkin_conversations]
    dens = b.counts(c.created_at for c in opened)
    nums = b.counts(c.created_at for c in opened if c.id in data.replied)
    return _ratio("reply_rate", b, nums, dens, per_cent=True)


def _booked(b: Buckets, data: _Rows) -> Kpi:
    dens = b.counts(r.created_at for r in data.referrals)
    nums = b.counts(r.created_at for r in data.referrals if r.status in BOOKED)
    values = [(float(n), n, d) for n, d in zip(nums, dens, strict=True)]
    return _kpi("consults_booked", b, values, (float(sum(nums)), sum(nums), sum(dens)))


def _claim_median(key: str, b: Buckets, handoffs: list[Handoff]) -> Kpi:
    def minutes(h: Handoff) -> float | None:
        if h.claimed_at is None:
            return None
        return max(0.0, (_utc(h.claimed_at) - _utc(h.created_at)).total_seconds() / 60)

    groups = b.groups((h.created_at, minutes(h)) for h in handoffs)
    values = []
    for group in groups:
        claimed = [m for m in group if m is not None]
        values.append((round(median(claimed), 1) if claimed else None, len(claimed), len(group)))
    every = [m for g in groups for m in g]
    claimed = [m for m in every if m is not None]
    return _kpi(key, b, values, (round(median(claimed), 1) if claimed else None, len(claimed), len(every)))


def _guard_blocks(b: Buckets, turns: list[Turn]) -> list[PolicyBlocks]:
    per: dict[str, list[int]] = defaultdict(lambda: [0] * len(b.starts))
    for turn in turns:
        i = b.index(turn.created_at)
        if i is None:
            continue
        for attempt in turn.verdicts or []:
            if attempt.get("stage") != "draft":
                continue  # repairs of the same draft are not new blocks
            for policy in {v.get("policy") for v in attempt.get("verdicts") or [] if v.get("tripped", True)}:
                per[policy][i] += 1
    order = [p.value for p in GuardPolicy]
    return [PolicyBlocks(policy=p, counts=per[p], total=sum(per[p]))
            for p in sorted(per, key=lambda p: order.index(p) if p in order else len(order))]


