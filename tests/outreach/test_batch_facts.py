"""Due touches are claimed and checked a batch at a time (BatchFacts): the answers read for the batch
are each patient's own, and a patient's second touch in the batch sees what the first one did."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from agent.outreach.scheduler import run_due
from agent.store.models import Conversation, Message, Touch
from agent.types import Direction, Mode, TouchStatus
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


def test_a_batch_opens_each_patients_thread_in_their_own_language(db):
    """The batch reads every patient's recent texts in one query (their language) and opens every thread
    in one flush: each text still goes to its own patient, in that patient's language, in a new thread
    that closes the old one, and each touch row points at its own text."""
    agent, clock, maya = setup(db)
    _, _, lee = setup_second(db)
    agent.handle_inbound(lee, "me encantó, gracias por preguntar")  # Lee writes in Spanish
    agent.handle_inbound(maya, "loving it, thanks")
    with Session(db) as s:
        for touch in s.exec(select(Touch).where(Touch.name != "results_checkin")):
            s.delete(touch)  # one due touch each: the results check-in
        s.commit()
    clock.advance(timedelta(days=1))
    due_now(db, clock, [maya, lee])
    assert len(run_due(agent)) == 2
    [to_maya], [to_lee] = ([m for m in sent_to(db, p) if m.kind == "touch"] for p in (maya, lee))
    assert to_maya.body.startswith("Hi Maya") and to_lee.body.startswith("¡Hola Lee")
    with Session(db) as s:
        for pid, text in ((maya, to_maya), (lee, to_lee)):
            threads = s.exec(select(Conversation).where(Conversation.patient_id == pid)
                             .order_by(Conversation.id)).all()
            assert [c.mode for c in threads] == [Mode.CLOSED, Mode.AGENT] and text.conversation_id == threads[-1].id
            row = s.exec(select(Touch).where(Touch.patient_id == pid, Touch.name == "results_checkin")).one()
            assert row.status == TouchStatus.SENT and row.message_id == text.id
