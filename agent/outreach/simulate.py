"""`afterglow simulate`: replay a demo patient's timeline day by day, so a clinic owner sees exactly what
their patients would receive and when (same scheduler, guards and templates as production)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import SQLModel, select

from agent.clock import FixedClock
from agent.demo import add_patient_with_visit, ensure_demo_clinic
from agent.engine.result import TurnResult
from agent.engine.turn import Agent
from agent.outreach.scheduler import run_due, schedule_visit
from agent.store.db import make_engine, session_scope
from agent.store.models import Touch
from agent.types import Disposition, VisitType

REFERENCE_VISIT = datetime(2026, 3, 2, 10, 0)  # a Monday, 10:00 local: days and weekdays read naturally


@dataclass
class Event:
    day: int
    local: datetime
    who: str  # "agent" | "patient" | "held" | "blocked"
    text: str
    note: str = ""


@dataclass
class Timeline:
    events: list[Event] = field(default_factory=list)
    touches: list[tuple[str, str, str, str]] = field(default_factory=list)  # name, due (local), status, reason


def simulate(visit_type: VisitType, *, days: int = 45, replies: dict[int, list[str]] | None = None,
             first_name: str = "Maya", marketing_consent: bool = True,
             timezone: str = "America/Los_Angeles") -> Timeline:
    tz = ZoneInfo(timezone)
    start = REFERENCE_VISIT.replace(tzinfo=tz).astimezone(UTC)
    clock = FixedClock(start)
    db = make_engine("sqlite://")
    SQLModel.metadata.create_all(db)
    agent = Agent(db, clock=clock)
    with session_scope(db) as session:
        clinic = ensure_demo_clinic(session, start, timezone=timezone)
        patient, visit = add_patient_with_visit(session, clinic, start, first_name=first_name, phone="+14155559001",
                                                visit_type=visit_type, days_ago=0, marketing_consent=marketing_consent)
        schedule_visit(session, visit, agent.policies)
        patient_id = patient.id
    timeline = Timeline()
    pending = {day: list(texts) for day, texts in (replies or {}).items()}
    texted_today: dict[int, datetime] = {}
    for _ in range(days * 24):
        clock.advance(timedelta(hours=1))
        local = clock.now().astimezone(tz)
        day = (local.date() - REFERENCE_VISIT.date()).days
        for result in run_due(agent):
            _record(timeline, result, day, local, "agent")
            texted_today.setdefault(day, local)
        first = texted_today.get(day)
        reply_due = (first is not None and local >= first + timedelta(hours=2)) or local.hour == 18
        if pending.get(day) and reply_due:
            for text in pending.pop(day):
                timeline.events.append(Event(day, local, "patient", text))
                _record(timeline, agent.handle_inbound(patient_id, text), day, local, "agent")
    with session_scope(db) as session:
        for touch in session.exec(select(Touch).order_by(Touch.due_at)):
            due = touch.due_at.astimezone(tz)
            when = f"day {(due.date() - REFERENCE_VISIT.date()).days} {due:%a %H:%M}"
            timeline.touches.append((touch.name, when, touch.status.value, touch.reason))
    db.dispose()
    return timeline


def _record(timeline: Timeline, result: TurnResult, day: int, local: datetime, who: str) -> None:
    notes = []
    if result.intents:
        notes.append("intent " + "+".join(s.intent.value for s in result.intents))
    notes += [f"handoff {h['queue']}/{h['priority']}" for h in result.handoffs]
    notes += [f"referral {name}" for name in result.referrals]
    for reply in result.replies:
        label = {Disposition.HOLD: "held", Disposition.BLOCK: "blocked"}.get(reply.disposition, who)
        asks = f"ask {', '.join(reply.asks)}" if reply.asks else ""
        timeline.events.append(Event(day, local, label, reply.body or "(not sent)", "; ".join(filter(None, [*notes, asks]))))
        notes = []
    if notes:
        timeline.events.append(Event(day, local, "agent", "(no reply)", "; ".join(notes)))


def render(timeline: Timeline) -> str:
    lines = []
    for e in timeline.events:
        stamp = f"day {e.day:>3} {e.local.strftime('%a %H:%M')}"
        note = f"   [{e.note}]" if e.note else ""
        lines.append(f"{stamp}  {e.who:>7}: {e.text}{note}")
    lines.append("")
    lines.append("scheduled touches:")
    for name, due, status, reason in timeline.touches:
        lines.append(f"  {name:<24} {due:<16} {status:<9} {reason}")
    return "\n".join(lines)


def parse_replies(items: list[str]) -> dict[int, list[str]]:
    """`--reply 14="Loving it!"` -> {14: ["Loving it!"]}."""
    replies: dict[int, list[str]] = {}
    for item in items:
        day, sep, text = item.partition("=")
        if not sep or not day.strip().isdigit() or not text.strip():
            raise ValueError(f"reply {item!r}: use DAY=TEXT, e.g. 14=Loving it!")
        replies.setdefault(int(day), []).append(text.strip())
    return replies
