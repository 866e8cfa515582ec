"""The touch timeline per visit type, in the patient's local day and hour, and the rules that hold a touch back."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from agent.clock import FixedClock
from agent.demo import add_patient_with_visit, ensure_demo_clinic
from agent.engine.turn import Agent
from agent.outreach.scheduler import run_due, schedule_visit
from agent.store.db import session_scope
from agent.store.models import Message, Touch, Visit
from agent.types import Direction, MessageKind, TouchStatus, VisitType

LA = ZoneInfo("America/Los_Angeles")
VISIT = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)  # 09:30 in Los Angeles, Monday 2 March


def setup(db, *, visit_type=VisitType.NEUROMODULATOR, marketing=True, start=VISIT):  # noqa: ANN001
    clock = FixedClock(start)
    agent = Agent(db, clock=clock)
    with session_scope(db) as s:
        clinic = ensure_demo_clinic(s, clock.now())
        patient, visit = add_patient_with_visit(s, clinic, clock.now(), first_name="Maya", phone="+14155554001",
                                                visit_type=visit_type, days_ago=0, marketing_consent=marketing)
        schedule_visit(s, visit, agent.policies)
        return agent, clock, patient.id


def run_days(agent: Agent, clock: FixedClock, days: int) -> list[tuple[str, str]]:
    """Step the clock an hour at a time; return (local time, touch) for every text sent."""
    sent = []
    for _ in range(days * 24):
        clock.advance(timedelta(hours=1))
        for result in run_due(agent):
            for reply in result.sent:
                sent.append(clock.now().astimezone(LA).strftime("%m-%d %H:00"))
    return sent


def touches(db) -> dict[str, Touch]:  # noqa: ANN001
    with Session(db) as s:
        return {t.name: t for t in s.exec(select(Touch))}


EXPECTED = {
    VisitType.CONSULTATION: ["03-03 11:00"],
    VisitType.NEUROMODULATOR: ["03-03 10:00", "03-16 11:00"],
    VisitType.DERMAL_FILLER: ["03-03 10:00", "03-16 11:00"],
    VisitType.LASER: ["03-03 10:00", "03-16 11:00"],
    VisitType.FACIAL: ["03-03 10:00", "03-09 11:00"],
    VisitType.PROGRAM: ["03-16 11:00", "04-01 11:00"],
    VisitType.PACKAGE_MILESTONE: ["03-04 11:00"],
}


@pytest.mark.parametrize("visit_type", list(VisitType))
def test_each_visit_type_texts_on_its_local_days_and_hours(any_engine, visit_type):
    db = any_engine
    agent, clock, pid = setup(db, visit_type=visit_type)
    sent = run_days(agent, clock, 45)
    # Every scheduled touch went out at its local hour; then one nudge after silence, then nothing.
    assert sent[: len(EXPECTED[visit_type])] == EXPECTED[visit_type]
    nudges = [t for n, t in touches(db).items() if n.endswith("_nudge")]
    assert len(nudges) == 1 and nudges[0].status == TouchStatus.SENT
    assert len(sent) == len(EXPECTED[visit_type]) + 1  # one nudge after silence, then nothing


def test_silence_gets_one_nudge_and_nothing_after(db):
    agent, clock, pid = setup(db)
    sent = run_days(agent, clock, 60)
    assert sent == ["03-03 10:00", "03-16 11:00", "03-19 11:00"]
    with Session(db) as s:
        kinds = [m.touch for m in s.exec(select(Message).where(Message.direction == Direction.OUTBOUND))]
    assert kinds == ["clinical_checkin", "results_checkin", "nudge"]


def test_a_reply_cancels_the_nudge(db):
    agent, clock, pid = setup(db)
    run_days(agent, clock, 15)  # through 03-17 09:30 LA: the results check-in went out on the 16th
    agent.handle_inbound(pid, "loving it, thank you!")
    sent = run_days(agent, clock, 20)
    assert sent == ["03-20 11:00"]  # the review ask on its own path, not the nudge
    assert touches(db)["results_checkin_nudge"].status == TouchStatus.SKIPPED
    assert touches(db)["results_checkin_nudge"].reason == "patient replied"


def test_a_touch_due_in_quiet_hours_waits_for_morning(db):
    agent, clock, pid = setup(db)
    with session_scope(db) as s:
        touch = s.exec(select(Touch).where(Touch.name == "clinical_checkin")).one()
        touch.due_at = datetime(2026, 3, 3, 21, 30, tzinfo=LA).astimezone(UTC)  # 21:30 local
    clock.set(datetime(2026, 3, 3, 21, 45, tzinfo=LA).astimezone(UTC))
    assert run_due(agent) == []
    deferred = touches(db)["clinical_checkin"]
    assert deferred.due_at.astimezone(LA) == datetime(2026, 3, 4, 9, 0, tzinfo=LA) and "quiet" in deferred.reason
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=LA).astimezone(UTC))
    assert len(run_due(agent)[0].sent) == 1


def test_opt_out_cancels_every_pending_touch(db):
    agent, clock, pid = setup(db)
    run_days(agent, clock, 1)
    agent.handle_inbound(pid, "STOP")
    assert run_days(agent, clock, 30) == []
    statuses = {n: (t.status, t.reason) for n, t in touches(db).items()}
    assert statuses["results_checkin"] == (TouchStatus.CANCELLED, "opted out")


def test_open_handoff_defers_and_unhappy_cancels(db):
    agent, clock, pid = setup(db)
    run_days(agent, clock, 1)
    agent.handle_inbound(pid, "can I reschedule my follow-up?")
    run_days(agent, clock, 14)
    results = touches(db)["results_checkin"]
    assert results.status == TouchStatus.PENDING and "a person owns the thread" in results.reason
    agent2, clock2, pid2 = setup_second(db)
    run_days(agent2, clock2, 1)
    agent2.handle_inbound(pid2, "honestly not worth the money, really disappointed")
    with session_scope(db) as s:  # the manager resolves the complaint; the patient is still unhappy
        from agent.engine.handoffs import resolve
        from agent.store.models import Handoff
        from agent.types import HandoffOutcome
        for h in s.exec(select(Handoff).where(Handoff.patient_id == pid2)):
            resolve(s, h, HandoffOutcome.ANSWERED, staff_id=1, now=clock2.now())
    run_days(agent2, clock2, 14)
    with Session(db) as s:
        row = s.exec(select(Touch).join(Visit).where(Visit.patient_id == pid2, Touch.name == "results_checkin")).one()
    assert (row.status, row.reason) == (TouchStatus.CANCELLED, "patient unhappy")


def setup_second(db):  # noqa: ANN001, ANN201
    clock = FixedClock(VISIT)
    agent = Agent(db, clock=clock)
    with session_scope(db) as s:
        clinic = ensure_demo_clinic(s, clock.now())
        patient, visit = add_patient_with_visit(s, clinic, clock.now(), first_name="Lee", phone="+14155554002",
                                                visit_type=VisitType.NEUROMODULATOR, days_ago=0)
        schedule_visit(s, visit, agent.policies)
        return agent, clock, patient.id


def test_a_newer_visit_supersedes_the_older_ones_touches(db):
    agent, clock, pid = setup(db)
    run_days(agent, clock, 3)
    with session_scope(db) as s:
        clinic = ensure_demo_clinic(s, clock.now())
        _, visit = add_patient_with_visit(s, clinic, clock.now(), first_name="Maya", phone="+14155554001",
                                          visit_type=VisitType.FACIAL, days_ago=0)
        schedule_visit(s, visit, agent.policies)
    with Session(db) as s:
        rows = s.exec(select(Touch).order_by(Touch.id)).all()
    first_visit = {t.name: t for t in rows if t.visit_id == rows[0].visit_id}
    assert first_visit["clinical_checkin"].status == TouchStatus.SENT
    assert (first_visit["results_checkin"].status, first_visit["results_checkin"].reason) == (
        TouchStatus.CANCELLED, "superseded by a newer visit")


def test_stale_touches_expire_instead_of_going_out_late(db):
    agent, clock, pid = setup(db)
    clock.advance(timedelta(days=20))  # the worker was down for weeks
    run_due(agent)
    statuses = {n: t.status for n, t in touches(db).items()}
    assert statuses["clinical_checkin"] == TouchStatus.EXPIRED
    with Session(db) as s:
        assert s.exec(select(Message).where(Message.kind == MessageKind.TOUCH)).all() == []


def test_schedule_is_idempotent(db):
    agent, clock, pid = setup(db)
    with session_scope(db) as s:
        visit = s.exec(select(Visit)).one()
        assert schedule_visit(s, visit, agent.policies) == []
    assert len(touches(db)) == 2


@pytest.mark.postgres
def test_two_workers_never_send_a_touch_twice(pg_url, pg_engine):
    """Two workers (separate engines, like separate processes) drain the same due touches concurrently."""
    import threading

    from sqlmodel import func

    from agent.store.db import make_engine
    from tests.conftest import _truncate

    _truncate(pg_engine)
    clock = FixedClock(VISIT)
    with session_scope(pg_engine) as s:
        clinic = ensure_demo_clinic(s, clock.now())
        for n in range(120):
            _, visit = add_patient_with_visit(s, clinic, clock.now(), first_name="Pat", phone=f"+1415555{5000 + n}",
                                              visit_type=VisitType.NEUROMODULATOR, days_ago=0)
            schedule_visit(s, visit, Agent(pg_engine, clock=clock).policies)
    due = datetime(2026, 3, 3, 10, 5, tzinfo=LA).astimezone(UTC)  # every clinical check-in is due
    engines = [make_engine(pg_url) for _ in range(2)]
    agents = [Agent(e, clock=FixedClock(due)) for e in engines]
    counts = [0, 0]
    barrier = threading.Barrier(2)

    def work(i: int) -> None:
        barrier.wait()
        counts[i] = len(run_due(agents[i]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for e in engines:
        e.dispose()
    with Session(pg_engine) as s:
        sent = s.exec(select(func.count()).select_from(Message).where(Message.kind == MessageKind.TOUCH)).one()
        per_patient = s.exec(select(Message.patient_id, func.count()).where(Message.kind == MessageKind.TOUCH)
                             .group_by(Message.patient_id)).all()
        statuses = {t.status for t in s.exec(select(Touch).where(Touch.name == "clinical_checkin"))}
    assert sent == 120 and all(c == 1 for _, c in per_patient) and statuses == {TouchStatus.SENT}
    assert sum(counts) == 120 and min(counts) > 0  # both workers took a share


def test_opt_out_cancels_scheduled_touches_at_once(db):
    agent, clock, pid = setup(db)
    agent.handle_inbound(pid, "please stop texting me")
    assert {t.status for t in touches(db).values()} == {TouchStatus.CANCELLED}


def test_a_dead_number_cancels_touches(db):
    agent, clock, pid = setup(db)
    with session_scope(db) as s:
        from agent.store.models import Patient

        s.get(Patient, pid).number_state = "landline"
    run_days(agent, clock, 2)
    assert touches(db)["clinical_checkin"].reason == "number cannot receive texts"
