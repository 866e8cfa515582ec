"""Persistence on SQLite and PostgreSQL, and migrations that match the models."""
from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from agent.clock import FixedClock
from agent.demo import add_patient_with_visit, ensure_demo_clinic
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.store.db import make_engine, migrate, session_scope
from agent.store.models import AuditEvent, Handoff, Message, Referral, Turn
from agent.types import VisitType
from tests.conftest import START
from tests.engine.helpers import rows


def _patient(engine: sa.Engine, clock: FixedClock, **kw) -> int:  # noqa: ANN003
    with session_scope(engine) as s:
        clinic = ensure_demo_clinic(s, clock.now())
        p, _ = add_patient_with_visit(s, clinic, clock.now(), first_name="Maya", phone="+14155552001",
                                      visit_type=VisitType.NEUROMODULATOR, days_ago=14, treatment="Botox", **kw)
        return p.id


def test_a_full_conversation_is_recorded(any_engine):
    clock = FixedClock(START)
    agent = Agent(any_engine, clock=clock)
    pid = _patient(any_engine, clock)
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "Honestly loving it!", sid="SM1")
    agent.handle_inbound(pid, "My sister Dana 415-555-0134 keeps asking where I go", sid="SM2")
    agent.handle_inbound(pid, "My sister Dana 415-555-0134 keeps asking where I go", sid="SM2")  # retried delivery
    messages = rows(any_engine, Message)
    assert [m.direction.value for m in messages] == ["outbound", "inbound", "outbound", "inbound", "outbound"]
    assert messages[1].intents[0]["intent"] == "positive" and messages[2].asks == ["referral"]
    assert messages[3].twilio_sid == "SM2" and messages[3].handoff_id is not None
    referral = rows(any_engine, Referral)[0]
    assert (referral.name, referral.phone) == ("Dana", "+14155550134")
    assert rows(any_engine, Handoff)[0].queue.value == "front_desk"
    turns = rows(any_engine, Turn)
    assert [t.brain for t in turns] == ["touch", "offline", "offline"]
    assert turns[2].tool_calls[0]["name"] == "record_referral"
    actions = [e.action for e in rows(any_engine, AuditEvent)]
    assert "referral.recorded" in actions and "handoff.opened" in actions


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_migrations_build_exactly_the_models(dialect, request, tmp_path):
    if dialect == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/m.db")
    else:
        # An empty database of its own, so the migration really starts from nothing.
        request.getfixturevalue("pg_url")
        engine = make_engine(request.getfixturevalue("empty_pg_url"))
    migrate(engine)
    migrate(engine)  # idempotent
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    engine.dispose()


def test_logs_carry_no_phi(agent, make_patient, caplog):
    caplog.set_level(logging.DEBUG)
    pid = make_patient(treatment="Juvederm lips")
    send_touch(agent, pid, "results_checkin")
    for text in ["love my lips!", "my sister Dana 415-555-0134 wants to come", "skin went white"]:
        agent.handle_inbound(pid, text)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ["Juvederm", "lips", "Dana", "415-555-0134", "+1415555", "white"]:
        assert secret not in logged
