"""A database the size issue 16 measured: ~100,000 touches (most long sent, a few pending) and one
5,000-message conversation, inserted with Core executemany (the ORM would take minutes)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from agent.store.models import Clinic, Conversation, Message, Patient, Touch, Visit
from agent.types import Direction, MessageKind, Mode, Stage, TouchStatus, VisitType

NOW = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
TOUCHES_PER_VISIT = 100  # few visits, many touches each: the touch table is what the claim reads


@dataclass
class Filled:
    clinic_id: int
    long_patient_id: int  # the patient whose open conversation has the long thread
    long_conversation_id: int
    pending_due: int  # pending touches due at NOW


def fill(engine: sa.Engine, *, touches: int = 100_000, thread: int = 5_000, other_messages: int = 10,
         pending_due: int = 5, pending_future_every: int = 50, old_spanish: bool = False) -> Filled:
    visits = max(1, touches // TOUCHES_PER_VISIT)
    with engine.begin() as conn:
        clinic_id = conn.execute(sa.insert(Clinic.__table__).returning(Clinic.__table__.c.id), {
            "name": "Glow Aesthetics", "timezone": "America/Los_Angeles", "phone": "+14155550100",
            "hours": {}, "review_link": None, "settings": {"sender_name": "Glow"}, "api_key_hash": None,
            "created_at": NOW}).scalar_one()
        conn.execute(sa.insert(Patient.__table__), [
            {"clinic_id": clinic_id, "phone": f"+1415{i:07d}", "first_name": "Maya", "sms_consent": True,
             "marketing_consent": True, "opted_out": False, "wrong_number": False, "last_asks": {},
             "created_at": NOW} for i in range(visits)])
        patient_ids = list(conn.execute(sa.select(Patient.__table__.c.id).order_by(Patient.__table__.c.id)).scalars())
        conn.execute(sa.insert(Visit.__table__), [
            {"clinic_id": clinic_id, "patient_id": pid, "visit_type": VisitType.NEUROMODULATOR,
             "treatment": "Botox forehead", "provider": "Dr. Rivera", "occurred_at": NOW - timedelta(days=14),
             "created_at": NOW} for pid in patient_ids])
        visit_rows = list(conn.execute(sa.select(Visit.__table__.c.id, Visit.__table__.c.patient_id)
                                       .order_by(Visit.__table__.c.id)))
        rows = []
        for n in range(touches):
            visit_id, patient_id = visit_rows[n % visits]
            if n < pending_due:
                status, due = TouchStatus.PENDING, NOW - timedelta(minutes=n + 1)
            elif n % pending_future_every == 0:
                status, due = TouchStatus.PENDING, NOW + timedelta(hours=1 + n % 500)
            else:
                status, due = TouchStatus.SENT, NOW - timedelta(days=1 + n % 700)
            rows.append({"clinic_id": clinic_id, "patient_id": patient_id, "visit_id": visit_id,
                         "name": f"t{n // visits}", "due_at": due, "status": status, "reason": "",
                         "created_at": NOW, "updated_at": NOW})
        conn.execute(sa.insert(Touch.__table__), rows)
        conn.execute(sa.insert(Conversation.__table__), [
            {"clinic_id": clinic_id, "patient_id": pid, "visit_id": vid, "stage": Stage.CHECKIN, "mode": Mode.AGENT,
             "referral_eligible": True, "created_at": NOW, "updated_at": NOW} for vid, pid in visit_rows])
        convo_rows = list(conn.execute(sa.select(Conversation.__table__.c.id, Conversation.__table__.c.patient_id)
                                       .order_by(Conversation.__table__.c.id)))
        messages = []
        long_convo, long_patient = convo_rows[0]
        for cid, pid in convo_rows[1:]:
            messages += [_message(clinic_id, cid, pid, k) for k in range(other_messages)]
        conn.execute(sa.insert(Message.__table__), messages)
        # The long thread last, so its ids are the newest (as a thread that is still going on would be).
        long = [_message(clinic_id, long_convo, long_patient, k) for k in range(thread)]
        if old_spanish and thread:
            long[1].update(body="hola, me encanta", settled=True)  # only the oldest reply says anything
        conn.execute(sa.insert(Message.__table__), long)
    return Filled(clinic_id, long_patient, long_convo, pending_due)


def _message(clinic_id: int, conversation_id: int, patient_id: int, k: int) -> dict:
    inbound = k % 2 == 1
    return {"clinic_id": clinic_id, "conversation_id": conversation_id, "patient_id": patient_id,
            "direction": Direction.INBOUND if inbound else Direction.OUTBOUND,
            "kind": MessageKind.PATIENT if inbound else MessageKind.REPLY,
            "body": "ok" if inbound else f"Thanks for the update ({k})", "intent": None, "intents": [],
            "settled": False, "asks": [], "segments": 0 if inbound else 1, "twilio_sid": None,
            "created_at": NOW - timedelta(seconds=100_000 - k)}


def fill_jobs(engine: sa.Engine, clinic_id: int, *, inbound: int = 100_000, held: int = 3) -> None:
    """The queues' history: `inbound` done inbound jobs, a done outbox job for every outbound message, and
    `held` jobs of each kind a worker holds right now (one of them past its lease)."""
    from agent.store.channel_models import InboundJob, InboundOutcome, InboundStatus
    from agent.store.models import OutboxJob
    from agent.types import OutboxStatus

    jt, ot, mt = InboundJob.__table__, OutboxJob.__table__, Message.__table__
    with engine.begin() as conn:
        conn.execute(sa.insert(jt), [
            {"clinic_id": clinic_id, "message_sid": f"SM{n:032x}", "sender": f"+1650{n % 10_000:07d}",
             "body": "", "body_truncated": False, "num_media": 0,
             "status": InboundStatus.PROCESSING if n < held else InboundStatus.DONE,
             "outcome": None if n < held else InboundOutcome.TURN, "attempts": 1,
             "locked_by": "w1" if n < held else None,
             "locked_at": NOW - timedelta(minutes=30 if n == 0 else 1) if n < held else None,
             "available_at": NOW - timedelta(days=1), "created_at": NOW - timedelta(days=1)} for n in range(inbound)])
        outbound = conn.execute(sa.select(mt.c.id, mt.c.conversation_id)
                                .where(mt.c.direction == Direction.OUTBOUND).order_by(mt.c.id)).all()
        conn.execute(sa.insert(ot), [
            {"clinic_id": clinic_id, "message_id": mid, "conversation_id": cid,
             "status": OutboxStatus.SENDING if k < held else OutboxStatus.DONE, "attempts": 1,
             "locked_by": "w1" if k < held else None,
             "locked_at": NOW - timedelta(minutes=30 if k == 0 else 1) if k < held else None,
             "available_at": NOW - timedelta(days=1), "created_at": NOW - timedelta(days=1)}
            for k, (mid, cid) in enumerate(outbound)])
