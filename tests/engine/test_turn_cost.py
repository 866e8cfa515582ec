"""What a turn costs in database round trips, and what a process pays before its first turn.

Statement counts are exact on a deterministic pipeline: a change that adds a query to every turn fails
here, long before a benchmark notices it.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.guards import phi
from agent.policy.loader import load_policies


@pytest.fixture
def statements(db: sa.Engine):  # noqa: ANN201
    seen: list[str] = []

    def _record(conn, cursor, statement, params, context, executemany):  # noqa: ANN001, ARG001
        seen.append(statement.split(None, 1)[0].upper())

    sa.event.listen(db, "before_cursor_execute", _record)
    yield seen
    sa.event.remove(db, "before_cursor_execute", _record)


def _turn(agent, pid: int, text: str, statements: list[str]) -> list[str]:  # noqa: ANN001
    statements.clear()
    agent.handle_inbound(pid, text)
    return list(statements)


def test_a_turn_reads_the_patient_clinic_conversation_and_visit_in_one_query(agent, make_patient, statements):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "hi")  # the process's first turn compiles its statements
    selects = [s for s in _turn(agent, pid, "ok thanks", statements) if s == "SELECT"]
    # patient+clinic+conversation+visit (and whether a handoff is open: none is), the thread, nothing else
    assert len(selects) == 2, selects


def test_the_open_handoffs_are_read_only_when_there_are_some(agent, make_patient, statements):
    """The turn's first read says whether the patient has an open handoff; only then are they loaded,
    and a turn that opens one still sees it (the thanks after a referral joins that handoff)."""
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    referral = agent.handle_inbound(pid, "My sister Dana 415-555-0134 wants to come too")
    assert referral.handoffs, referral.handoffs
    selects = [s for s in _turn(agent, pid, "thanks so much!", statements) if s == "SELECT"]
    assert len(selects) == 3, selects  # the open handoffs this time


def test_statement_budget_per_kind_of_turn(agent, make_patient, statements):
    """The bench's three-turn script (ask, named referral with a tool and a handoff, silent thanks):
    the counts this code reaches today, as ceilings."""
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    assert len(_turn(agent, pid, "Honestly loving it!", statements)) <= 11
    # 17: a new referral asks whether the clinic has a webhook endpoint for its referral.created event
    assert len(_turn(agent, pid, "My sister Dana 415-555-0134 wants to come too", statements)) <= 17
    assert len(_turn(agent, pid, "thanks so much!", statements)) <= 6


def test_a_turn_flushes_its_writes_in_few_batches(agent, make_patient):
    """Each flush is a pass of SQLAlchemy's unit of work (a large share of a turn's CPU): a turn that
    needs no id on its way (no handoff, no draft) writes everything in one, its message and turn included."""
    from sqlalchemy.orm import Session

    flushes: list[int] = []

    def _count(session, context):  # noqa: ANN001, ARG001
        flushes.append(1)

    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    sa.event.listen(Session, "after_flush", _count)
    try:
        result = agent.handle_inbound(pid, "Honestly loving it!")
    finally:
        sa.event.remove(Session, "after_flush", _count)
    assert result.sent and result.sent[0].message_id is not None  # the deferred insert got its id
    # message + turn, the reply, its job and every update together (the commit finds nothing left)
    assert len(flushes) == 1, len(flushes)


@pytest.mark.parametrize("sid", [None, "SM" + "0" * 32])
def test_a_turn_and_its_message_point_at_each_other(agent, make_patient, db, sid):
    """Inserted in the turn's last flush (no MessageSid) or at once in a savepoint (a webhook's), the
    inbound message and its turn link both ways, and the reply comes after the message it answers."""
    from sqlmodel import Session, select

    from agent.store.models import Message, Turn
    from agent.types import Direction

    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "Honestly loving it!", sid=sid)
    with Session(db) as session:
        turn = session.get(Turn, result.turn_id)
        inbound = session.get(Message, turn.inbound_message_id)
        assert inbound.direction == Direction.INBOUND and inbound.body == "Honestly loving it!"
        assert inbound.turn_id == turn.id and inbound.intent == "positive" and inbound.twilio_sid == sid
        replies = session.exec(select(Message).where(Message.turn_id == turn.id, Message.id != inbound.id)).all()
        assert [r.id for r in replies] == [m.message_id for m in result.sent]
        assert all(r.id > inbound.id and r.direction == Direction.OUTBOUND for r in replies)


def test_a_warmed_agent_compiles_no_phi_matcher_on_its_first_turn(db, clock, make_patient, monkeypatch):
    agent = Agent(db, clock=clock, policies=load_policies())  # its own policy objects: nothing cached yet
    assert agent.warm() > 0
    pid = make_patient()

    def refuse(*_args, **_kwargs):  # noqa: ANN002, ANN003
        raise AssertionError("the PHI matcher was compiled during a turn")

    monkeypatch.setattr(phi.PhiMatcher, "__init__", refuse)
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "Honestly loving it!")
    assert result.replies and result.replies[-1].body


def test_a_clinic_s_own_wording_is_read_once_per_change_not_every_turn(agent, make_patient, statements):
    """agent/engine/clinic_rules.py: the overrides are read when the clinic's revision moves, then cached."""
    from sqlmodel import Session

    from agent.store.models import Clinic, ClinicTemplate, Patient

    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "hi")
    with Session(agent.db) as s:
        clinic = s.get(Clinic, s.get(Patient, pid).clinic_id)
        s.add(ClinicTemplate(clinic_id=clinic.id, name="replies/neutral", body="Noted, {{ first_name }}. Thank you!",
                             updated_by="staff:1"))
        clinic.overrides_revision += 1
        s.add(clinic)
        s.commit()
    first = _turn(agent, pid, "ok thanks", statements)
    assert [s for s in first if s == "SELECT"] == ["SELECT"] * 4  # + the clinic's templates and timing, once
    second_pid = make_patient()
    send_touch(agent, second_pid, "results_checkin")
    again = _turn(agent, second_pid, "ok thanks", statements)
    assert len([s for s in again if s == "SELECT"]) == 2
