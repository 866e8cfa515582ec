"""Issue 16: what a due touch costs the database, pinned so that it cannot grow unnoticed.

A batch of patients (50), each with a check-in due now and an earlier thread (which the touch closes), sent by
one `Worker.step` through a dry-run outbox. Counted on the worker's engine: statements (an executemany
is one: one call, and on PostgreSQL one pipelined round trip) and commits. Measured when set, on the
100,000-patient bench database as well (README, issue 16): 23.6 statements and 1.07 commits a touch
before, when every touch ran its own reads and inserts and every text its own outcome commit.
"""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from agent.clock import FixedClock
from agent.demo import add_patient_with_visit, ensure_demo_clinic
from agent.engine.turn import Agent
from agent.outreach.scheduler import BATCH, schedule_visit
from agent.store.db import session_scope
from agent.store.models import Conversation, Message, Touch
from agent.types import DeliveryStatus, Direction, Mode, TouchStatus, VisitType
from agent.worker import Worker
from tests.conftest import START
from tests.scale.test_turn_cost import counted

PATIENTS = BATCH
# The step on PostgreSQL: the batch's claim and its ten reads (patients, clinics, visits, threads, touch
# rows, languages, and the five checks); one statement each for the old threads closed, the new threads,
# the turns, the texts, the outbox jobs and the touch rows settled; the inbound, alert and webhook checks;
# the outbox's lease check and two claims of 25 texts, each batch read in one query and recorded in
# three; the empty claims that end each pass; and one read of consent right before each text after a
# batch's first (48: an opt-out mid-batch stops the next text at once): 85, 1.7 a touch (was 23.6). SQLite's ORM inserts those
# rows one statement each (in-process calls, no round trips). Commits: one for the touches' batch, one
# per 25 texts recorded, the rest the step's checks and claims: 7, 0.14 a touch (was 1.07: one a text).
STATEMENTS = {"sqlite": 281, "postgresql": 85}
COMMITS = 7


def _due_patients(engine, clock) -> list[int]:  # noqa: ANN001
    pids = []
    with session_scope(engine) as session:
        clinic = ensure_demo_clinic(session, clock.now())
        for n in range(PATIENTS):
            patient, visit = add_patient_with_visit(session, clinic, clock.now() - timedelta(days=1),
                                                    first_name="Maya", phone=f"+1415555{5000 + n}",
                                                    visit_type=VisitType.NEUROMODULATOR, days_ago=0)
            schedule_visit(session, visit, Agent(engine, clock=clock).policies)
            session.add(Conversation(clinic_id=clinic.id, patient_id=patient.id, visit_id=visit.id,
                                     created_at=clock.now(), updated_at=clock.now()))
            pids.append(patient.id)
    with Session(engine) as s:  # each patient's first touch due now, the rest later
        for pid in pids:
            first = s.exec(select(Touch).where(Touch.patient_id == pid).order_by(Touch.due_at)).first()
            first.due_at = clock.now() - timedelta(minutes=1)
            s.add(first)
        s.commit()
    return pids


def test_a_batch_of_due_touches_costs_what_it_was_measured_at(any_engine):
    clock = FixedClock(START)
    agent = Agent(any_engine, clock=clock)
    worker = Worker(agent)
    worker.step()  # first-call costs (the reader, caches) are paid on an empty queue
    pids = _due_patients(any_engine, clock)
    with counted(any_engine) as cost:
        report = worker.step()
    assert report.touches == PATIENTS and report.delivered == PATIENTS
    with Session(any_engine) as s:
        texts = s.exec(select(Message).where(Message.direction == Direction.OUTBOUND)).all()
        assert sorted(m.patient_id for m in texts) == sorted(pids)
        assert {m.delivery_status for m in texts} == {DeliveryStatus.DRY_RUN}
        sent = s.exec(select(Touch).where(Touch.status == TouchStatus.SENT)).all()
        assert sorted(t.message_id for t in sent) == sorted(m.id for m in texts)
        assert len(s.exec(select(Conversation).where(Conversation.mode != Mode.CLOSED)).all()) == PATIENTS
    assert cost.commits == COMMITS, cost.statements
    assert len(cost.statements) <= STATEMENTS[any_engine.dialect.name], "\n".join(cost.statements)
