"""Due touches are claimed and checked a batch at a time (BatchFacts): the answers read for the batch
are each patient's own, and a patient's second touch in the batch sees what the first one did."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from agent.outreach.scheduler import run_due
from agent.store.models import Message, Touch
from agent.types import Direction, TouchStatus
from tests.outreach.test_scheduler import setup, setup_second


def due_now(db, clock, patient_ids) -> None:  # noqa: ANN001
    with Session(db) as s:
        for touch in s.exec(select(Touch).where(Touch.patient_id.in_(patient_ids))):
            touch.due_at = clock.now() - timedelta(minutes=1)
            s.add(touch)
        s.commit()


def sent_to(db, pid: int) -> list[Message]:  # noqa: ANN001
    with Session(db) as s:
        return list(s.exec(select(Message).where(Message.patient_id == pid, Message.direction == Direction.OUTBOUND)))


def test_a_patients_second_touch_in_a_batch_sees_the_first_and_waits(db):
    agent, clock, pid = setup(db)  # a check-in and a results check-in, both made due now
    due_now(db, clock, [pid])
    results = run_due(agent)
    assert len(results) == 1 and len(sent_to(db, pid)) == 1  # one text, not two in one minute
    with Session(db) as s:
        statuses = sorted((t.status, t.reason) for t in s.exec(select(Touch).where(Touch.patient_id == pid)))
    assert statuses[0][0] == TouchStatus.PENDING and statuses[0][1] == "deferred: frequency cap"
    assert statuses[1] == (TouchStatus.SENT, "")


def test_each_patient_in_a_batch_is_checked_on_their_own_facts(db):
    agent, clock, held = setup(db)
    _, _, free = setup_second(db)
    agent.handle_inbound(held, "can I reschedule my follow-up?")  # a person now owns this thread
    with Session(db) as s:
        for touch in s.exec(select(Touch).where(Touch.name == "results_checkin")):
            s.delete(touch)  # one due touch each: the check-in
        s.commit()
    due_now(db, clock, [held, free])
    run_due(agent)
    with Session(db) as s:
        rows = {t.patient_id: t for t in s.exec(select(Touch))}
    assert rows[held].status == TouchStatus.PENDING and "a person owns the thread" in rows[held].reason
    assert rows[free].status == TouchStatus.SENT
