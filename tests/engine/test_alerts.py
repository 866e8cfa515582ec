"""Urgent alerts to the on-call clinician: queued with the handoff, once; re-alert, escalate, stop on claim."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from agent.engine import alerts, handoffs
from agent.engine.alerts import AlertText
from agent.guards.context import AskFacts, GuardContext
from agent.guards.phi import find_phi
from agent.policy.schema import ClinicSettings
from agent.staff import oncall
from agent.store.db import session_scope
from agent.store.models import AuditEvent, Clinic, Handoff, OutboxJob, Patient, StaffAlert, Visit
from agent.types import OutboxStatus, Priority, Queue
from agent.worker import step

RED_FLAG = "my lip is turning white and the pain is getting worse"
NURSE, NURSE_2, MANAGER = "+14155550181", "+14155550182", "+14155550199"


@pytest.fixture
def on_call(db, make_patient):
    """A patient (which creates the demo clinic) and the clinic's two on-call numbers plus a manager."""
    pid = make_patient(first_name="Maya", treatment="Juvederm lips")
    with session_scope(db) as s:
        clinic = s.exec(select(Clinic)).one()
        oncall.add(clinic, "(415) 555-0181", "Nurse Ana")
        oncall.add(clinic, "415.555.0182", "Nurse Bo")
        oncall.set_manager(clinic, "+1 415 555 0199")
    return pid


def sent_alerts(db) -> list[StaffAlert]:
    with Session(db) as s:
        return list(s.exec(select(StaffAlert).order_by(StaffAlert.id)))


def audit(db, action: str) -> list[AuditEvent]:
    with Session(db) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_red_flag_queues_one_alert_per_on_call_number_in_the_turn(agent, db, on_call):
    agent.handle_inbound(on_call, RED_FLAG)
    rows = sent_alerts(db)
    assert sorted(a.to for a in rows) == [NURSE, NURSE_2] and {a.round for a in rows} == {"first"}
    with Session(db) as s:
        handoff = s.exec(select(Handoff)).one()
        jobs = s.exec(select(OutboxJob).where(OutboxJob.staff_alert_id.is_not(None))).all()
    assert handoff.priority == Priority.URGENT and len(jobs) == 2
    assert all(j.message_id is None and j.conversation_id is None and j.status == OutboxStatus.PENDING for j in jobs)
    assert f"/console/handoffs/{handoff.id}" in rows[0].body
    step(agent)  # the dry-run outbox delivers them exactly once
    assert {a.delivery_status.value for a in sent_alerts(db)} == {"dry_run"}
    with Session(db) as s:
        assert {j.status for j in s.exec(select(OutboxJob).where(OutboxJob.staff_alert_id.is_not(None)))} == {OutboxStatus.DONE}


def test_a_second_red_flag_or_a_raise_does_not_alert_again(agent, db, on_call):
    agent.handle_inbound(on_call, RED_FLAG)
    agent.handle_inbound(on_call, "now it looks kind of grey and blotchy")
    assert len(sent_alerts(db)) == 2


def test_a_concern_raised_to_urgent_alerts_once(agent, db, on_call):
    agent.handle_inbound(on_call, "a bit of bruising, is that normal?")
    with Session(db) as s:
        assert s.exec(select(Handoff)).one().priority != Priority.URGENT
    assert sent_alerts(db) == []
    agent.handle_inbound(on_call, RED_FLAG)
    assert len(sent_alerts(db)) == 2


def test_the_alert_carries_no_phi(agent, db, on_call, policies):
    agent.handle_inbound(on_call, RED_FLAG)
    with Session(db) as s:
        patient = s.get(Patient, on_call)
        visit = s.exec(select(Visit)).one()
        clinic = s.exec(select(Clinic)).one()
    for alert in sent_alerts(db):
        body = alert.body
        ctx = GuardContext(policies=policies, settings=ClinicSettings.model_validate(clinic.settings),
                           facts=AskFacts(now=alert.created_at), patient_terms=(visit.treatment, visit.provider),
                           exempt_phrases=(clinic.name,))
        assert find_phi(body, ctx) == []
        folded = body.lower()
        for secret in (patient.first_name, visit.treatment, "juvederm", "lip", "white", "pain", visit.provider):
            assert secret.lower() not in folded, secret
        digits = re.sub(r"\D", "", body)
        assert patient.phone[-7:] not in digits and NURSE[-7:] not in digits
        assert clinic.name in body


def test_alert_text_falls_back_when_the_template_would_leak(db, on_call, agent, clock):
    agent.handle_inbound(on_call, "ok thanks")  # any thread; the handoff is made by hand below
    with session_scope(db) as s:
        clinic = s.exec(select(Clinic)).one()
        handoff = Handoff(clinic_id=clinic.id, conversation_id=1, patient_id=on_call, queue=Queue.CLINICAL,
                          priority=Priority.URGENT, reason="red flag", context={"treatment": "Juvederm lips"})
        s.add(handoff)
        s.flush()
        leaky = AlertText.default("https://x.example")
        assert leaky.phi_in(s, clinic, handoff, "Maya's Juvederm lips need a look", clock.now())


def test_unclaimed_re_alerts_after_n_then_the_manager_after_m(agent, db, on_call, clock, policies):
    timing = policies.timing.urgent_alerts
    assert (timing.realert_after_minutes, timing.manager_after_minutes) == (5, 15)
    agent.handle_inbound(on_call, RED_FLAG)
    clock.advance(timedelta(minutes=4))
    step(agent)
    assert [a.round for a in sent_alerts(db)] == ["first", "first"]
    clock.advance(timedelta(minutes=1))
    step(agent)
    step(agent)  # once, however many steps run
    assert sorted(a.round for a in sent_alerts(db)) == ["first", "first", "repeat", "repeat"]
    clock.advance(timedelta(minutes=10))
    step(agent)
    clock.advance(timedelta(minutes=30))
    step(agent)
    rows = sent_alerts(db)
    assert [(a.round, a.to) for a in rows if a.round == "manager"] == [("manager", MANAGER)]
    assert len(rows) == 5 and {a.delivery_status.value for a in rows} == {"dry_run"}


@pytest.mark.parametrize("action", ["claim", "resolve"])
def test_claiming_or_resolving_stops_further_alerts(agent, db, on_call, clock, action):
    agent.handle_inbound(on_call, RED_FLAG)
    with session_scope(db) as s:
        handoff = s.exec(select(Handoff)).one()
        handoffs.claim(s, handoff, 1, clock.now())
        if action == "resolve":
            from agent.types import HandoffOutcome

            handoffs.resolve(s, handoff, HandoffOutcome.ANSWERED, 1, clock.now())
    for _ in range(4):
        clock.advance(timedelta(minutes=10))
        step(agent)
    assert [a.round for a in sent_alerts(db)] == ["first", "first"]


def test_an_opted_out_patients_red_flag_still_alerts_staff(agent, db, on_call):
    agent.handle_inbound(on_call, "STOP")
    result = agent.handle_inbound(on_call, RED_FLAG)
    assert result.sent == []  # the patient gets nothing...
    assert len(sent_alerts(db)) == 2  # ...the clinicians are still told


def test_a_clinic_without_on_call_numbers_audits_and_carries_on(agent, db, make_patient, clock):
    pid = make_patient()
    result = agent.handle_inbound(pid, RED_FLAG)
    assert result.sent  # the patient still gets the safety text
    assert sent_alerts(db) == []
    with Session(db) as s:
        handoff = s.exec(select(Handoff)).one()
    events = audit(db, "alert.none")
    assert [(e.subject_type, e.subject_id) for e in events] == [("handoff", handoff.id)]
    clock.advance(timedelta(hours=1))
    step(agent)  # no numbers, no manager: nothing to send and nothing breaks
    assert sent_alerts(db) == []


def test_only_a_manager_number_is_escalated_to_from_the_handoffs_opening(agent, db, make_patient, clock):
    pid = make_patient()
    with session_scope(db) as s:
        oncall.set_manager(s.exec(select(Clinic)).one(), MANAGER)
    agent.handle_inbound(pid, RED_FLAG)
    clock.advance(timedelta(minutes=15))
    step(agent)
    assert [(a.round, a.to) for a in sent_alerts(db)] == [("manager", MANAGER)]


def test_direct_call_is_idempotent(agent, db, on_call, clock):
    agent.handle_inbound(on_call, RED_FLAG)
    with session_scope(db) as s:
        handoff = s.exec(select(Handoff)).one()
        clinic = s.get(Clinic, handoff.clinic_id)
        assert alerts.alert_opened(s, clinic, handoff, clock.now()) == 0
    assert len(sent_alerts(db)) == 2


def test_on_call_input_is_validated(db, make_patient):
    make_patient()
    with session_scope(db) as s:
        clinic = s.exec(select(Clinic)).one()
        with pytest.raises(oncall.OnCallError, match="not a"):
            oncall.add(clinic, "call the nurse")
        with pytest.raises(oncall.OnCallError):
            oncall.set_manager(clinic, "555")
        oncall.add(clinic, "4155550181", "Ana")
        oncall.add(clinic, "+1 (415) 555-0181", "Ana R.")  # the same number: renamed, not listed twice
        assert [(c.phone, c.name) for c in ClinicSettings.model_validate(clinic.settings).on_call] == \
            [(NURSE, "Ana R.")]
        assert oncall.remove(clinic, "415-555-0181") and not oncall.remove(clinic, NURSE)
    with pytest.raises(ValueError, match="listed twice"):
        ClinicSettings.model_validate({"on_call": [{"phone": NURSE}, {"phone": "(415) 555-0181"}]})
