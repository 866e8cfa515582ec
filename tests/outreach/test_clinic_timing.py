"""A clinic's own touch timing and wording (console: Clinic > Messages and timing) drive the scheduler end to end:
when touches fall due, when the nudge follows, and what they say. Another clinic keeps the files' defaults."""
from __future__ import annotations

from sqlmodel import Session, select

from agent.demo import ensure_demo_clinic
from agent.policy.loader import load_policies
from agent.staff.actor import Actor
from agent.staff.clinic_messages import save_template, save_timing
from agent.staff.roles import StaffRole
from agent.store.db import session_scope
from agent.store.models import Message, Patient
from agent.types import Direction
from tests.outreach.test_scheduler import VISIT, run_days, setup

NUDGE = "Hi {{ first_name }}, just checking you saw our last text. No need to reply unless you'd like to!"


def admin_of(db) -> Actor:  # noqa: ANN001
    with Session(db) as s:
        clinic_id = s.exec(select(Patient.clinic_id)).first()
    return Actor(clinic_id=clinic_id, staff_id=1, role=StaffRole.ADMIN, name="Admin", via="session")


def test_the_clinic_s_timing_and_wording_decide_when_and_what_touches_send(db):  # noqa: ANN001
    agent, clock, pid = setup(db)  # a neuromodulator visit, scheduled with the defaults: day 1 and day 14
    admin = admin_of(db)
    with session_scope(db) as s:
        save_timing(s, admin, agent.policies, {"neuromodulator.results_checkin.day": "10",
                                               "neuromodulator.results_checkin.nudge_after_days": "5"}, VISIT)
        assert save_template(s, admin, agent.prompts, agent.policies, "touches/nudge", NUDGE, VISIT).ok
    # Already scheduled touches keep their due times; the nudge is scheduled when its touch is sent: 5 days on.
    assert run_days(agent, clock, 30) == ["03-03 10:00", "03-16 11:00", "03-21 11:00"]
    with Session(db) as s:
        last = s.exec(select(Message.body).where(Message.direction == Direction.OUTBOUND)
                      .order_by(Message.id.desc())).first()
    assert last == "Hi Maya, just checking you saw our last text. No need to reply unless you'd like to!"


def test_a_visit_scheduled_after_the_change_is_due_on_the_clinic_s_days_and_hours(db):  # noqa: ANN001
    with session_scope(db) as s:
        clinic = ensure_demo_clinic(s, VISIT)
        admin = Actor(clinic_id=clinic.id, staff_id=1, role=StaffRole.ADMIN, name="Admin", via="session")
        save_timing(s, admin, load_policies(), {"neuromodulator.results_checkin.day": "10",
                                                "neuromodulator.clinical_checkin.hour": "12"}, VISIT)
    agent, clock, _ = setup(db)  # the visit arrives now and is scheduled with the clinic's timing
    assert run_days(agent, clock, 12) == ["03-03 12:00", "03-12 11:00"]
