"""Urgent alerts to the on-call clinician: an urgent clinical handoff must reach a person who is not
looking at the console.

- `alert_opened` runs inside the turn's transaction when a handoff becomes urgent and clinical (opened
  urgent or raised to urgent): one StaffAlert + outbox job per on-call number, so the alert commits
  exactly when the handoff does and is delivered exactly once by the outbox worker.
- `run_due` runs from the worker's periodic step: a handoff still unclaimed `realert_after_minutes` after
  its first alert is sent once more to the on-call numbers, and after `manager_after_minutes` to the
  manager number. Claiming or resolving it stops both (only OPEN handoffs are looked at).

The text goes to staff over unencrypted SMS, so it carries no PHI: the clinic's name and a console link,
nothing about the patient. It is rendered from prompts/alerts/urgent.j2 and checked by the real PHI
guard with the patient's own name, number and treatment as extra terms; a hit falls back to a fixed text.
A unique (handoff, round, number) row makes a second worker's duplicate fail instead of texting twice.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from agent.engine.outbox import enqueue_alert
from agent.guards.context import AskFacts, GuardContext
from agent.guards.phi import find_phi
from agent.policy import Policies
from agent.policy.loader import default_policies
from agent.policy.schema import ClinicSettings
from agent.prompts import PromptLibrary, default_prompts
from agent.store.db import session_scope
from agent.store.models import AuditEvent, Clinic, Handoff, Patient, StaffAlert
from agent.types import HandoffStatus, Priority, Queue

log = logging.getLogger("afterglow.alerts")

FIRST, REPEAT, MANAGER = "first", "repeat", "manager"
FALLBACK = "Afterglow: urgent patient message. Open the staff console now."


@dataclass(frozen=True)
class AlertText:
    policies: Policies
    prompts: PromptLibrary
    base_url: str

    @classmethod
    def default(cls, base_url: str | None = None) -> AlertText:
        if base_url is None:
            from agent.config import get_settings

            base_url = get_settings().public_base_url
        return cls(default_policies(), default_prompts(), base_url.rstrip("/"))

    def render(self, session: Session, clinic: Clinic, handoff: Handoff, round_: str, now: datetime) -> str:
        minutes = self.policies.timing.urgent_alerts.manager_after_minutes
        body = self.prompts.render_sms(self.policies.timing.urgent_alerts.template, round=round_, minutes=minutes,
                                       clinic_name=clinic.name, link=f"{self.base_url}/console/handoffs/{handoff.id}")
        if self.phi_in(session, clinic, handoff, body, now):
            log.warning("urgent alert template trips the PHI guard: sending the fixed text instead")
            return FALLBACK
        return body

    def phi_in(self, session: Session, clinic: Clinic, handoff: Handoff, body: str, now: datetime) -> list[str]:
        """The PHI guard as for any text, plus this patient's own name, number and visit record as terms."""
        patient = session.get(Patient, handoff.patient_id)
        context = handoff.context or {}
        terms = tuple(t for t in (patient.first_name if patient else "", patient.phone if patient else "",
                                  context.get("treatment") or "", context.get("provider") or "") if t)
        ctx = GuardContext(policies=self.policies, settings=ClinicSettings.model_validate(clinic.settings or {}),
                           facts=AskFacts(now=now), patient_terms=terms, exempt_phrases=(clinic.name,))
        return find_phi(body, ctx)


def is_alerting(handoff: Handoff) -> bool:
    return handoff.queue == Queue.CLINICAL and handoff.priority == Priority.URGENT


def alert_opened(session: Session, clinic: Clinic, handoff: Handoff, now: datetime,
                 text: AlertText | None = None) -> int:
    """The first alert for a handoff that just became urgent; called in the same transaction. Returns the
    number of texts queued. Never raises for a clinic's missing set-up: the handoff itself must commit."""
    if not is_alerting(handoff):
        return 0
    if handoff.id is None:
        session.flush()
    if session.exec(select(StaffAlert.id).where(StaffAlert.handoff_id == handoff.id,
                                                StaffAlert.round == FIRST)).first() is not None:
        return 0  # raised again, or a second red flag in the thread: the clinicians already know
    settings = ClinicSettings.model_validate(clinic.settings or {})
    numbers = [c.phone for c in settings.on_call]
    if not numbers:
        _audit(session, handoff, "alert.none", now, round=FIRST, manager=settings.manager_phone is not None)
        return 0
    return _queue(session, clinic, handoff, FIRST, numbers, now, text or AlertText.default())


def run_due(db: sa.Engine, now: datetime, policies: Policies | None = None, text: AlertText | None = None) -> int:
    """Re-alert and escalate unclaimed urgent handoffs (worker's periodic step). Returns texts queued."""
    text = text or AlertText.default()
    timing = (policies or text.policies).timing.urgent_alerts
    queued = 0
    with session_scope(db) as session:
        handoffs = session.exec(
            select(Handoff).where(Handoff.status == HandoffStatus.OPEN, Handoff.queue == Queue.CLINICAL,
                                  Handoff.priority == Priority.URGENT)
            .order_by(Handoff.id).limit(200).with_for_update(skip_locked=True, of=Handoff)
        ).all()
        for handoff in handoffs:
            sent = session.exec(select(StaffAlert).where(StaffAlert.handoff_id == handoff.id)).all()
            rounds = {a.round for a in sent}
            if MANAGER in rounds:
                continue
            # From the first alert (a handoff raised to urgent later counts from then); a clinic with no
            # on-call numbers has none, so its manager is counted from the handoff's opening.
            firsts = [a.created_at for a in sent if a.round == FIRST]
            start = min(firsts) if firsts else handoff.created_at
            clinic = session.get(Clinic, handoff.clinic_id)
            settings = ClinicSettings.model_validate(clinic.settings or {})
            if now >= start + timedelta(minutes=timing.manager_after_minutes):
                # No manager number: nobody to escalate to; the console's banner tells admins.
                if settings.manager_phone:
                    queued += _queue(session, clinic, handoff, MANAGER, [settings.manager_phone], now, text)
            elif REPEAT not in rounds and firsts and now >= start + timedelta(minutes=timing.realert_after_minutes):
                numbers = [c.phone for c in settings.on_call]
                if numbers:
                    queued += _queue(session, clinic, handoff, REPEAT, numbers, now, text)
    return queued


def _queue(session: Session, clinic: Clinic, handoff: Handoff, round_: str, numbers: list[str], now: datetime,
           text: AlertText) -> int:
    body = text.render(session, clinic, handoff, round_, now)
    for number in numbers:
        enqueue_alert(session, StaffAlert(clinic_id=clinic.id, handoff_id=handoff.id, round=round_, to=number,
                                          body=body, created_at=now), now)
    _audit(session, handoff, "alert.queued", now, round=round_, recipients=len(numbers))
    return len(numbers)


def _audit(session: Session, handoff: Handoff, action: str, now: datetime, **data: object) -> None:
    session.add(AuditEvent(clinic_id=handoff.clinic_id, actor="system", action=action, subject_type="handoff",
                           subject_id=handoff.id, data=data, created_at=now))
