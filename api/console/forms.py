"""Console form posts (every one CSRF-checked by ConsoleUserDep). Success redirects (POST/redirect/GET)
with a fixed notice; a refused send re-renders the page with the verdicts and the text kept."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import select
from starlette.responses import Response

from agent.ids import Id
from agent.staff import actions, queries
from agent.staff.roles import QUEUES, StaffRole
from agent.staff.strength import explain
from agent.store.staff_models import Staff
from agent.staff.schemas import StaffCreate
from agent.types import HandoffOutcome, ReferralStatus
from api.console.auth import ConsoleUserDep, now_of
from api.console.render import page
from api.deps import AgentDep, SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)
Text = Annotated[str, Form(min_length=1, max_length=1600)]
Flag = Annotated[bool, Form()]


def back_to(path: str, done: str) -> Response:
    return RedirectResponse(f"{path}?done={done}", status_code=303)


def _next_or(request: Request, fallback: str) -> str:
    """Forms post back to the page they came from (a console path only)."""
    target = request.query_params.get("back", "")
    return target if target.startswith("/console/") and not target.startswith("//") else fallback


# ------------------------------------------------------------------ drafts


@router.post("/drafts/{draft_id}/approve")
def approve(draft_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep, agent: AgentDep,
            override_phi: Flag = False, confirm_stale: Flag = False) -> Response:
    outcome = actions.approve_draft(session, user.actor, draft_id, now_of(request), agent.policies,
                                    override_phi=override_phi, confirm_stale=confirm_stale)
    session.commit()
    if outcome.sent:
        return back_to("/console/drafts", "approved")
    return _refused_draft(request, user, session, draft_id, outcome, None)


@router.post("/drafts/{draft_id}/edit")
def edit(draft_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep, agent: AgentDep, body: Text,
         override_phi: Flag = False) -> Response:
    outcome = actions.approve_draft(session, user.actor, draft_id, now_of(request), agent.policies, text=body,
                                    override_phi=override_phi)
    session.commit()
    if outcome.sent:
        return back_to("/console/drafts", "approved")
    return _refused_draft(request, user, session, draft_id, outcome, body)


def _refused_draft(request: Request, user: ConsoleUserDep, session: SessionDep, draft_id: Id, outcome, text):  # noqa: ANN001, ANN202
    refusal = {"id": draft_id, "outcome": outcome, "text": text}
    return page(request, user, "drafts.html", session=session, drafts=queries.drafts(session, user.actor),
                refusal=refusal, status_code=422)


@router.post("/drafts/{draft_id}/reject")
def reject(draft_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    actions.reject_draft(session, user.actor, draft_id, now_of(request))
    session.commit()
    return back_to("/console/drafts", "rejected")


# ------------------------------------------------------------------ handoffs


@router.post("/handoffs/{handoff_id}/claim")
def claim(handoff_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    actions.claim_handoff(session, user.actor, handoff_id, now_of(request))
    session.commit()
    return back_to(f"/console/handoffs/{handoff_id}", "claimed")


@router.post("/handoffs/{handoff_id}/resolve")
def resolve(handoff_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep,
            outcome: Annotated[HandoffOutcome, Form()]) -> Response:
    actions.resolve_handoff(session, user.actor, handoff_id, outcome, now_of(request))
    session.commit()
    return back_to(f"/console/handoffs/{handoff_id}", "resolved")


@router.post("/handoffs/{handoff_id}/reply")
def reply(handoff_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep, agent: AgentDep,
          body: Text, override_phi: Flag = False) -> Response:
    now = now_of(request)
    outcome = actions.reply(session, user.actor, handoff_id, body, now, agent.policies, override_phi=override_phi)
    session.commit()
    if outcome.sent:
        return back_to(f"/console/handoffs/{handoff_id}", "replied")
    item = queries.handoff(session, user.actor, handoff_id, now)
    convo = queries.conversation(session, user.actor, item.conversation_id, now)
    return page(request, user, "handoff.html", session=session, h=item, convo=convo,
                refusal={"outcome": outcome, "text": body}, status_code=422)


# ------------------------------------------------------------------ referrals


@router.post("/referrals/{referral_id}/status")
def referral_status(referral_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep, agent: AgentDep,
                    status: Annotated[ReferralStatus, Form()]) -> Response:
    actions.set_referral_status(session, user.actor, referral_id, status, now_of(request), agent.policies.rewards)
    session.commit()
    return back_to(_next_or(request, "/console/referrals"), "referral")


@router.post("/rewards/{reward_id}/issue")
def reward_issued(reward_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    actions.issue_reward(session, user.actor, reward_id, now_of(request))
    session.commit()
    return back_to(_next_or(request, "/console/referrals"), "reward")


@router.post("/patients/{patient_id}/referral-code")
def make_referral_code(patient_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    actions.referral_code(session, user.actor, patient_id, now_of(request))
    session.commit()
    return back_to(f"/console/patients/{patient_id}", "referral_code")


# ------------------------------------------------------------------ staff accounts (admin)


def staff_page(request: Request, user: ConsoleUserDep, session: SessionDep, *, new_key: dict | None = None,
               error: str | None = None, status_code: int = 200) -> Response:
    people = session.exec(select(Staff).where(Staff.clinic_id == user.actor.clinic_id).order_by(Staff.id)).all()
    return page(request, user, "staff.html", session=session, people=people, roles=list(StaffRole), queues=QUEUES,
                new_key=new_key, error=error, status_code=status_code)


@router.post("/staff")
def create_staff(request: Request, user: ConsoleUserDep, session: SessionDep,
                 email: Annotated[str, Form(max_length=254)], name: Annotated[str, Form(max_length=120)],
                 role: Annotated[StaffRole, Form()], password: Annotated[str, Form(max_length=256)]) -> Response:
    try:
        payload = StaffCreate(email=email, name=name, role=role, password=password)
    except ValidationError as exc:
        return staff_page(request, user, session, error=f"Check {explain(exc)}.", status_code=422)
    try:
        actions.create_staff(session, user.actor, payload, now_of(request))
    except actions.Conflict as exc:
        session.rollback()
        return staff_page(request, user, session, error=str(exc), status_code=409)
    session.commit()
    return back_to("/console/staff", "staff_created")


@router.post("/staff/{staff_id}/active")
def staff_active(staff_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep,
                 active: Flag = False) -> Response:
    actions.set_staff_active(session, user.actor, staff_id, active, now_of(request))
    session.commit()
    return back_to("/console/staff", "staff_updated")


@router.post("/staff/{staff_id}/api-key")
def staff_key(staff_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    key = actions.issue_staff_key(session, user.actor, staff_id, now_of(request))
    session.commit()
    return staff_page(request, user, session, new_key={"staff_id": staff_id, "key": key})
