"""The patient page and starting a text from it (the thread then belongs to the sender, not the agent)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from agent.ids import Id
from agent.staff.actor import Conflict
from agent.staff.patient_record import patient_record
from agent.staff.start_text import StartRefused, page_refusal, start_text
from api.console.auth import ConsoleUserDep, now_of
from api.console.forms import Flag, Text, back_to
from api.console.render import page
from api.deps import AgentDep, SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)


def patient_page_with(request: Request, user: ConsoleUserDep, session: SessionDep, patient_id: int, *,
                      refusal: dict | None = None, referral_form: dict | None = None,
                      status_code: int = 200) -> Response:
    """The patient page, with a refused form's typed values and reason when there is one."""
    record = patient_record(session, user.actor, patient_id)
    return page(request, user, "patient.html", session=session, record=record, refusal=refusal,
                referral_form=referral_form or {},
                start_blocked=page_refusal(session, user.actor, patient_id, now_of(request)), status_code=status_code)


@router.get("/patients/{patient_id}")
def patient_page(patient_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    """A patient's whole record: consent and its history, visits, scheduled texts with status and reason,
    conversations, referrals, and a form to text them first."""
    return patient_page_with(request, user, session, patient_id)


@router.post("/patients/{patient_id}/text")
def start_patient_text(patient_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep, agent: AgentDep,
                       body: Text, override_phi: Flag = False) -> Response:
    try:
        started = start_text(session, user.actor, patient_id, body, now_of(request), agent.policies,
                             override_phi=override_phi)
    except (StartRefused, Conflict) as exc:
        session.commit()  # the refusal's audit event
        return patient_page_with(request, user, session, patient_id, refusal={"message": str(exc), "text": body},
                             status_code=409 if isinstance(exc, Conflict) else 422)
    session.commit()
    if started.outcome.sent:
        return back_to(f"/console/handoffs/{started.handoff_id}", "started")
    return patient_page_with(request, user, session, patient_id, refusal={"outcome": started.outcome, "text": body},
                         status_code=422)
