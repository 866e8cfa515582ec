"""What the scheduler asks before sending a touch, read for a whole batch of due touches at once.

Per touch, run_due asked the database five questions (a newer visit? the patient's last intent? an open
handoff? a reply held for staff? when was the last touch sent?), five round trips a touch; for a batch
they are five queries in all. Only a patient's first touch in the batch is answered from them: once a
touch of that patient has been processed (a text queued, a thread opened, a handoff raised), the answers
may have changed, so the patient's later touches in the batch ask the database again (`fresh`).
The same holds for what sending a touch reads (agent/engine/touches.py, Reads): the patient's open
thread, the visit's touch rows, the patient's language.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from agent.engine.touches import LANGUAGE_LOOKBACK, Reads
from agent.nlu.language import conversation_language
from agent.store.models import Clinic, Conversation, Draft, Handoff, Message, Patient, Touch, Visit
from agent.types import Direction, DraftStatus, HandoffStatus, Intent, MessageKind, Mode


def newer_visit(session: Session, visit: Visit) -> Visit | None:
    return session.exec(select(Visit).where(Visit.patient_id == visit.patient_id, Visit.id != visit.id,
                                            Visit.occurred_at > visit.occurred_at)).first()


class Checks(Reads):
    """The questions, asked of the database one at a time (and, from Reads, what sending a touch reads)."""

    def newer_visit(self, visit: Visit) -> bool:
        return newer_visit(self.session, visit) is not None

    def last_intent(self, patient_id: int) -> Intent | None:
        return self.session.exec(select(Message.intent).where(Message.patient_id == patient_id,
                                                              Message.direction == Direction.INBOUND)
                                 .order_by(Message.id.desc())).first()

    def open_handoff(self, patient_id: int) -> bool:
        return self.session.exec(select(Handoff.id).where(Handoff.patient_id == patient_id,
                                                          Handoff.status != HandoffStatus.RESOLVED)).first() is not None

    def held_reply(self, patient_id: int) -> bool:
        return self.session.exec(select(Draft.id).join(Conversation, Draft.conversation_id == Conversation.id)
                                 .where(Conversation.patient_id == patient_id, Draft.status == DraftStatus.PENDING)
                                 .limit(1)).first() is not None

    def last_touch_at(self, patient_id: int) -> datetime | None:
        return self.session.exec(select(Message.created_at).where(Message.patient_id == patient_id,
                                                                  Message.kind == MessageKind.TOUCH)
                                 .order_by(Message.created_at.desc())).first()


class BatchFacts(Checks):
    """The same questions for every patient of a batch, answered by five queries; and what sending their
    touches reads (the patients and clinics, each patient's open conversation, the visits' touch rows, the
    patient's language), by five more. The rows are held here: the session holds them only weakly, and a
    row it has let go is read again by the next `session.get`."""

    def __init__(self, session: Session, touches: list[Touch]) -> None:
        super().__init__(session)
        ids = sorted({t.patient_id for t in touches})
        self._used: set[int] = set()
        self.visits: dict[int, list[Visit]] = defaultdict(list)  # also puts the touches' visits in the session
        self.intents: dict[int, str | None] = {}
        self.touched_at: dict[int, datetime] = {}
        self.handoffs: set[int] = set()
        self.held: set[int] = set()
        self.patients: dict[int, Patient] = {}
        self.clinics: dict[int, Clinic] = {}
        self.conversations: dict[int, Conversation] = {}  # each patient's current (newest not closed) one
        self.rows: dict[tuple[int, str], Touch] = {}  # every touch of the batch's visits, by (visit, name)
        self.inbound: dict[int, list[str]] = defaultdict(list)  # newest LANGUAGE_LOOKBACK texts, newest first
        if not ids:
            return
        self.patients = {p.id: p for p in session.exec(select(Patient).where(Patient.id.in_(ids)))}
        clinic_ids = sorted({p.clinic_id for p in self.patients.values()})
        self.clinics = {c.id: c for c in session.exec(select(Clinic).where(Clinic.id.in_(clinic_ids)))}
        for visit in session.exec(select(Visit).where(Visit.patient_id.in_(ids))):
            self.visits[visit.patient_id].append(visit)
        for conversation in session.exec(select(Conversation).where(Conversation.patient_id.in_(ids),
                                                                    Conversation.mode != Mode.CLOSED)):
            known = self.conversations.get(conversation.patient_id)
            if known is None or conversation.id > known.id:
                self.conversations[conversation.patient_id] = conversation
        visit_ids = sorted({t.visit_id for t in touches})
        for row in session.exec(select(Touch).where(Touch.visit_id.in_(visit_ids)).order_by(Touch.id)):
            self.rows.setdefault((row.visit_id, row.name), row)
        ranked = (select(Message.patient_id, Message.body,
                         sa.func.row_number().over(partition_by=Message.patient_id,
                                                   order_by=Message.id.desc()).label("rank"))
                  .where(Message.patient_id.in_(ids), Message.direction == Direction.INBOUND).subquery())
        for patient_id, body in session.exec(select(ranked.c.patient_id, ranked.c.body)
                                             .where(ranked.c.rank <= LANGUAGE_LOOKBACK)
                                             .order_by(ranked.c.patient_id, ranked.c.rank)):
            self.inbound[patient_id].append(body)
        newest_inbound = (select(sa.func.max(Message.id)).where(Message.patient_id.in_(ids),
                                                               Message.direction == Direction.INBOUND)
                          .group_by(Message.patient_id))
        self.intents = dict(session.exec(select(Message.patient_id, Message.intent)
                                         .where(Message.id.in_(newest_inbound))).all())
        self.touched_at = dict(session.exec(
            select(Message.patient_id, sa.func.max(Message.created_at))
            .where(Message.patient_id.in_(ids), Message.kind == MessageKind.TOUCH)
            .group_by(Message.patient_id)).all())
        self.handoffs = set(session.exec(select(Handoff.patient_id).where(
            Handoff.patient_id.in_(ids), Handoff.status != HandoffStatus.RESOLVED)).all())
        self.held = set(session.exec(
            select(Conversation.patient_id).join(Draft, Draft.conversation_id == Conversation.id)
            .where(Conversation.patient_id.in_(ids), Draft.status == DraftStatus.PENDING)).all())

    def for_touch(self, touch: Touch) -> Checks:
        """The batch's answers for the patient's first touch in it; the database's for any later one."""
        if touch.patient_id in self._used:
            return Checks(self.session)
        self._used.add(touch.patient_id)
        return self

    def newer_visit(self, visit: Visit) -> bool:
        return any(v.id != visit.id and v.occurred_at > visit.occurred_at for v in self.visits[visit.patient_id])

    def last_intent(self, patient_id: int) -> Intent | None:
        return self.intents.get(patient_id)

    def open_handoff(self, patient_id: int) -> bool:
        return patient_id in self.handoffs

    def held_reply(self, patient_id: int) -> bool:
        return patient_id in self.held

    def last_touch_at(self, patient_id: int) -> datetime | None:
        return self.touched_at.get(patient_id)

    def current_conversation(self, patient: Patient) -> Conversation | None:
        return self.conversations.get(patient.id)

    def language(self, patient_id: int) -> str:
        return conversation_language("", reversed(self.inbound[patient_id]))

    def touch_row(self, visit_id: int, name: str) -> Touch | None:
        return self.rows.get((visit_id, name))
