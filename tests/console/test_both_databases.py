"""The staff layer on SQLite and PostgreSQL: accounts, sessions, throttling, actions, reads and KPIs."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from agent.clock import FixedClock
from agent.demo import ensure_demo_clinic
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.reports import dashboard
from agent.staff import accounts, actions, queries
from agent.staff.actor import Actor
from agent.store.db import session_scope
from agent.store.models import Clinic, Handoff
from agent.staff.schemas import StaffCreate
from agent.types import HandoffOutcome, ReferralStatus
from tests.conftest import START, PatientFactory

PASSWORD = "both-databases-pw"


def test_staff_flow_on_both_databases(any_engine):  # noqa: ANN001
    clock = FixedClock(START)
    agent = Agent(any_engine, clock=clock)
    with session_scope(any_engine) as s:
        clinic = ensure_demo_clinic(s, START)
        staff = accounts.create_staff(s, clinic.id, StaffCreate(email="fd@x.test", name="Fran", role="front_desk",
                                                                password=PASSWORD), START)
        staff_id, clinic_id = staff.id, clinic.id
    with session_scope(any_engine) as s:
        assert accounts.authenticate(s, "fd@x.test", "wrong-password!", "10.0.0.1", START) is None
        login = accounts.authenticate(s, "fd@x.test", PASSWORD, "10.0.0.1", START)
        token = login.token
    with session_scope(any_engine) as s:
        row, who = accounts.session_for_token(s, token, START + timedelta(minutes=5))
        assert who.id == staff_id and row.last_seen_at is not None

    patients = PatientFactory(any_engine, clock)
    pid = patients()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "my sister Dana 415-555-0134 wants to come")
    other = patients()
    send_touch(agent, other, "results_checkin")
    agent.handle_inbound(other, "purple monkey dishwasher")

    actor = Actor(clinic_id=clinic_id, staff_id=staff_id, role="front_desk", name="Fran", via="session")
    later = START + timedelta(minutes=12)
    with session_scope(any_engine) as s:
        handoff = s.exec(select(Handoff)).one()
        actions.claim_handoff(s, actor, handoff.id, later)
        sent = actions.reply(s, actor, handoff.id, "Hi! We'll call Dana today.", later, agent.policies)
        assert sent.sent
        actions.resolve_handoff(s, actor, handoff.id, HandoffOutcome.BOOKED_CONSULT, later)
        actions.set_referral_status(s, actor, 1, ReferralStatus.CONSULT_BOOKED, later, agent.policies.rewards)
        assert actions.approve_draft(s, actor, 1, later, agent.policies).sent
    with Session(any_engine) as s:
        inbox = queries.handoffs(s, actor, later, status="resolved")
        assert inbox[0].waiting_minutes == 12 and inbox[0].claimed_by_name == "Fran"
        convo = queries.conversation(s, actor, inbox[0].conversation_id, later)
        assert [m.kind.value for m in convo.messages][-1] == "staff"
        board = dashboard(s, s.get(Clinic, clinic_id), later)
        kpis = {k.key: k.total for k in board.kpis}
        assert kpis["median_claim_minutes"].value == 12.0
        assert kpis["consults_booked"].value == 1 and kpis["introductions"].value == 1
        assert queries.pulse(s, actor).pending_drafts == 0
