"""The staff JSON API: everything the console does, for integrations and scripts.

Authentication (see api/console/auth.py): a staff member's personal `X-API-Key` (acts as them, with their
role), the clinic's `X-API-Key` (read-only), or the console's session cookie plus `X-CSRF-Token` on
writes. Every response is a Public model; table rows never leave the server. Errors: 401 unknown caller,
403 role not allowed (or CSRF), 404 not in your clinic, 409 state changed, 422 a send the guards refused.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import select

from agent.engine.drafts import StaffSend
from agent.ids import Id
from agent.referrals.endpoints import EndpointIn, endpoint_of
from agent.reports import Dashboard
from agent.reports import dashboard as build_dashboard
from agent.reports.funnel import By, Funnel
from agent.reports.funnel import funnel as build_funnel
from agent.reports.funnel import period as funnel_period
from agent.staff import actions, queries
from agent.staff.accounts import Throttled
from agent.staff.referral_edit import ReferralCorrection, ReferralFields, add_referral, correct_referral
from agent.staff.roles import Permission
from agent.staff.start_text import StartRefused, start_text
from agent.staff.schemas import (
    AuditEventPublic,
    ConversationBrief,
    ConversationPublic,
    DraftPublic,
    FunnelPublic,
    FunnelRowPublic,
    HandoffPublic,
    MePublic,
    Pulse,
    ReferralCodePublic,
    ReferralPublic,
    RewardPublic,
    StaffSendPublic,
)
from agent.staff.strength import PASSWORD_MAX, PASSWORD_MIN, WeakPassword
from agent.store.models import Clinic
from agent.store.staff_models import Staff, StaffPublic
from agent.staff.schemas import StaffCreate
from agent.types import DraftStatus, HandoffOutcome, Queue, ReferralStatus, RewardStatus
from api.console.auth import SESSION_COOKIE, ApiActorDep
from api.console.funnel import funnel_csv_response
from api.deps import AgentDep, SessionDep
from api.proxies import client_address

router = APIRouter(prefix="/api", tags=["staff"])
REFUSED = {422: {"model": StaffSendPublic, "description": "not sent: the guards refused the text (see blocked_by)"}}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApproveIn(Strict):
    override_phi: bool = Field(default=False, description="send despite a PHI hit (clinical, manager, admin; audited)")
    confirm_stale: bool = Field(default=False, description="send as held although the thread moved on since (409 "
                                                            "without it)")


class TextIn(Strict):
    body: str = Field(min_length=1, max_length=1600)
    override_phi: bool = False


class ResolveIn(Strict):
    outcome: HandoffOutcome


class ReferralUpdate(ReferralCorrection):
    """A status move, a correction of name/phone/relationship/note, or both (the correction first). Strict
    like the other bodies (extra fields refused, via ReferralCorrection's config)."""

    status: ReferralStatus | None = None

    @model_validator(mode="after")
    def _something(self) -> ReferralUpdate:
        if "status" in self.model_fields_set and self.status is None:
            raise ValueError("status cannot be null")
        if not self.model_fields_set:
            raise ValueError("send a status or a field to correct (name, phone, relationship, note)")
        return self


class StaffKeyOut(BaseModel):
    staff_id: Id
    api_key: str = Field(description="shown once; only its digest is stored")


def _now(request: Request):  # noqa: ANN202
    return request.app.state.agent.clock.now()


def _send_result(outcome: StaffSend, handoff_id: int | None = None) -> StaffSendPublic | JSONResponse:
    public = StaffSendPublic(sent=outcome.sent, message_id=outcome.message_id, blocked_by=outcome.blocked_by,
                             warnings=outcome.warnings, overridden=outcome.overridden,
                             needs_override=outcome.needs_override, segments=outcome.segments,
                             verdicts=outcome.verdicts, handoff_id=handoff_id)
    if outcome.sent:
        return public
    return JSONResponse(public.model_dump(mode="json"), status_code=422)


@router.get("/me")
def me(actor: ApiActorDep, session: SessionDep) -> MePublic:
    clinic = session.get(Clinic, actor.clinic_id)
    return MePublic(clinic_id=actor.clinic_id, clinic_name=clinic.name, staff_id=actor.staff_id, name=actor.name,
                    role=actor.role, via=actor.via, permissions=actor.permissions, queues=actor.queues)


class PasswordChange(Strict):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX,
                              description="zxcvbn strength 3 of 4 at least; not your email or name")


@router.post("/me/password", status_code=204, response_class=Response, responses={
    403: {"description": "the current password is not right, or the clinic's key (nobody's account)"},
    422: {"description": "the new password is too weak (see detail)"},
    429: {"description": "too many wrong current passwords; see Retry-After"}})
def change_password(payload: PasswordChange, request: Request, actor: ApiActorDep, session: SessionDep) -> Response:
    """Change your own password. Every other console session of yours ends (the one making this call, if it
    is a console session, stays); personal API keys are unaffected."""
    keep = request.cookies.get(SESSION_COOKIE) if actor.via == "session" else None
    try:
        actions.change_own_password(session, actor, payload.current_password, payload.new_password,
                                    client_address(request), _now(request), keep_token=keep)
    except actions.WrongPassword:
        session.commit()  # the failed attempt counts towards the login throttle
        raise
    except Throttled as exc:
        session.rollback()
        raise HTTPException(429, "too many failed attempts", headers={"Retry-After": str(exc.retry_after_s)}) from None
    except WeakPassword as exc:
        session.rollback()
        raise HTTPException(422, [{"loc": ["body", "new_password"], "msg": str(exc), "type": "weak_password"}]) \
            from None
    session.commit()
    return Response(status_code=204)


@router.get("/pulse")
def pulse(actor: ApiActorDep, session: SessionDep) -> Pulse:
    return queries.pulse(session, actor)


# ------------------------------------------------------------------ drafts


@router.get("/drafts")
def list_drafts(actor: ApiActorDep, session: SessionDep, status: DraftStatus = DraftStatus.PENDING,
                limit: int = Query(default=100, ge=1, le=500)) -> list[DraftPublic]:
    """Held replies with why they were held and the conversation around them."""
    return queries.drafts(session, actor, status=status, limit=limit)


@router.get("/drafts/{draft_id}")
def get_draft(draft_id: Id, actor: ApiActorDep, session: SessionDep) -> DraftPublic:
    return queries.draft(session, actor, draft_id)


@router.post("/drafts/{draft_id}/approve", responses=REFUSED)
def approve_draft(draft_id: Id, request: Request, actor: ApiActorDep, session: SessionDep, agent: AgentDep,
                  payload: ApproveIn | None = None) -> StaffSendPublic:
    """Send the held text as it is, through the outbox; the guards run again at send time."""
    outcome = actions.approve_draft(session, actor, draft_id, _now(request), agent.policies,
                                    override_phi=payload.override_phi if payload else False,
                                    confirm_stale=payload.confirm_stale if payload else False)
    session.commit()
    return _send_result(outcome)


@router.post("/drafts/{draft_id}/edit", responses=REFUSED)
def edit_draft(draft_id: Id, payload: TextIn, request: Request, actor: ApiActorDep, session: SessionDep,
               agent: AgentDep) -> StaffSendPublic:
    """Send an edited text instead; the edit runs through the same guards (a PHI hit needs override_phi)."""
    outcome = actions.approve_draft(session, actor, draft_id, _now(request), agent.policies, text=payload.body,
                                    override_phi=payload.override_phi)
    session.commit()
    return _send_result(outcome)


@router.post("/drafts/{draft_id}/reject")
def reject_draft(draft_id: Id, request: Request, actor: ApiActorDep, session: SessionDep) -> DraftPublic:
    actions.reject_draft(session, actor, draft_id, _now(request))
    session.commit()
    return queries.draft(session, actor, draft_id)


# ------------------------------------------------------------------ handoffs


@router.get("/handoffs")
def list_handoffs(request: Request, actor: ApiActorDep, session: SessionDep,
                  status: Literal["active", "open", "claimed", "resolved"] = "active",
                  queue: Queue | None = None) -> list[HandoffPublic]:
    """The inbox: urgent first, then unclaimed, then the longest-waiting."""
    return queries.handoffs(session, actor, _now(request), status=status, queue=queue)


@router.get("/handoffs/{handoff_id}")
def get_handoff(handoff_id: Id, request: Request, actor: ApiActorDep, session: SessionDep) -> HandoffPublic:
    return queries.handoff(session, actor, handoff_id, _now(request))


@router.post("/handoffs/{handoff_id}/claim")
def claim_handoff(handoff_id: Id, request: Request, actor: ApiActorDep, session: SessionDep) -> HandoffPublic:
    actions.claim_handoff(session, actor, handoff_id, _now(request))
    session.commit()
    return queries.handoff(session, actor, handoff_id, _now(request))


@router.post("/handoffs/{handoff_id}/resolve")
def resolve_handoff(handoff_id: Id, payload: ResolveIn, request: Request, actor: ApiActorDep,
                    session: SessionDep) -> HandoffPublic:
    """Close with an outcome; the agent gets the thread back when no other handoff is open."""
    actions.resolve_handoff(session, actor, handoff_id, payload.outcome, _now(request))
    session.commit()
    return queries.handoff(session, actor, handoff_id, _now(request))


@router.post("/handoffs/{handoff_id}/reply", responses=REFUSED)
def reply(handoff_id: Id, payload: TextIn, request: Request, actor: ApiActorDep, session: SessionDep,
          agent: AgentDep) -> StaffSendPublic:
    """Text the patient as staff (the agent stays silent while a person owns the thread)."""
    outcome = actions.reply(session, actor, handoff_id, payload.body, _now(request), agent.policies,
                            override_phi=payload.override_phi)
    session.commit()
    return _send_result(outcome)


@router.post("/patients/{patient_id}/text", responses=REFUSED)
def start_patient_text(patient_id: Id, payload: TextIn, request: Request, actor: ApiActorDep, session: SessionDep,
                       agent: AgentDep) -> StaffSendPublic:
    """Text a patient first: consent and quiet hours (422 with the reason), then the guards (422 with
    blocked_by); the thread becomes a front-desk handoff the caller holds (409 when a colleague has it)."""
    try:
        started = start_text(session, actor, patient_id, payload.body, _now(request), agent.policies,
                             override_phi=payload.override_phi)
    except StartRefused as exc:
        session.commit()  # the refusal's audit event
        raise HTTPException(422, str(exc)) from None
    session.commit()
    return _send_result(started.outcome, started.handoff_id)


# ------------------------------------------------------------------ referrals


@router.get("/referrals")
def list_referrals(actor: ApiActorDep, session: SessionDep,
                   status: ReferralStatus | None = None) -> list[ReferralPublic]:
    return queries.referrals(session, actor, status=status)


@router.patch("/referrals/{referral_id}")
def update_referral(referral_id: Id, payload: ReferralUpdate, request: Request, actor: ApiActorDep,
                    session: SessionDep, agent: AgentDep) -> ReferralPublic:
    """Move the status and/or correct name, phone (E.164 stored; blank removes it), relationship, note.
    409 when the referrer already introduced someone with that phone."""
    if payload.changes():  # a status-only request behaves exactly as before this endpoint took corrections
        correct_referral(session, actor, referral_id, payload, _now(request))
    if payload.status is not None:
        actions.set_referral_status(session, actor, referral_id, payload.status, _now(request),
                                    agent.policies.rewards)
    session.commit()
    return queries.referral(session, actor, referral_id)


@router.post("/patients/{patient_id}/referrals", status_code=201)
def create_referral(patient_id: Id, payload: ReferralFields, request: Request, actor: ApiActorDep,
                    session: SessionDep) -> ReferralPublic:
    """Add someone the patient introduced (told at the desk or on the phone): name required, phone, relationship
    and note optional. 409 when the patient already introduced someone with that phone."""
    referral = add_referral(session, actor, patient_id, payload, _now(request))
    session.commit()
    return queries.referral(session, actor, referral.id)


@router.post("/patients/{patient_id}/referral-code")
def patient_referral_code(patient_id: Id, request: Request, actor: ApiActorDep,
                          session: SessionDep) -> ReferralCodePublic:
    """The patient's code for the friend page (/r/<code>), made on first request; the same code after."""
    row = actions.referral_code(session, actor, patient_id, _now(request))
    session.commit()
    return ReferralCodePublic(patient_id=row.patient_id, code=row.code, path=f"/r/{row.code}")


@router.get("/rewards")
def list_rewards(actor: ApiActorDep, session: SessionDep, status: RewardStatus | None = None) -> list[RewardPublic]:
    return queries.rewards(session, actor, status=status)


@router.post("/rewards/{reward_id}/issue")
def issue_reward(reward_id: Id, request: Request, actor: ApiActorDep, session: SessionDep) -> RewardPublic:
    """Staff gave the referrer their reward; the referral moves to reward issued. Issuing twice changes nothing."""
    reward = actions.issue_reward(session, actor, reward_id, _now(request))
    session.commit()
    return next(r for r in queries.rewards(session, actor) if r.id == reward.id)


class WebhookOut(BaseModel):
    """The clinic's endpoint, never its secret."""

    url: str
    active: bool
    updated_at: datetime


@router.get("/clinic/webhook", responses={404: {"description": "no endpoint set"}})
def get_webhook(actor: ApiActorDep, session: SessionDep) -> WebhookOut:
    actor.require(Permission.MANAGE_CLINIC)
    endpoint = endpoint_of(session, actor.clinic_id)
    if endpoint is None:
        raise HTTPException(404, "no webhook endpoint set")
    return WebhookOut(url=endpoint.url, active=endpoint.active, updated_at=endpoint.updated_at)


@router.put("/clinic/webhook")
def put_webhook(payload: EndpointIn, request: Request, actor: ApiActorDep, session: SessionDep) -> WebhookOut:
    """Where referral events go (referral.created, referral.status_changed, reward.due, reward.issued), and
    the secret that signs them (README: "Outbound webhooks"). Admins only; audited with the host only."""
    endpoint = actions.set_webhook(session, actor, payload, _now(request))
    session.commit()
    return WebhookOut(url=endpoint.url, active=endpoint.active, updated_at=endpoint.updated_at)


@router.delete("/clinic/webhook", status_code=204)
def delete_webhook(request: Request, actor: ApiActorDep, session: SessionDep) -> Response:
    """Switch the endpoint off: no new events are queued for it."""
    actions.switch_off_webhook(session, actor, _now(request))
    session.commit()
    return Response(status_code=204)


# ------------------------------------------------------------------ conversations, dashboard, audit


@router.get("/conversations")
def list_conversations(actor: ApiActorDep, session: SessionDep,
                       limit: int = Query(default=50, ge=1, le=200)) -> list[ConversationBrief]:
    return queries.conversations(session, actor, limit=limit)


@router.get("/conversations/{conversation_id}")
def get_conversation(conversation_id: Id, request: Request, actor: ApiActorDep,
                     session: SessionDep) -> ConversationPublic:
    """Transcript with intents, tool calls, the guard verdicts of every attempt and delivery status."""
    return queries.conversation(session, actor, conversation_id, _now(request))


@router.get("/funnel")
def get_funnel(request: Request, actor: ApiActorDep, session: SessionDep, by: By = "month",
               since: date | None = None, until: date | None = None) -> FunnelPublic:
    """The referral funnel (asks -> introductions -> contacted -> booked -> treated -> rewarded) per month or
    visit type; `since`/`until` are the clinic's local days (default: the last 365 days)."""
    report = _funnel(session, actor, by, since, until, _now(request))
    return FunnelPublic(by=report.by, since=report.since, until=report.until,
                        rows=[FunnelRowPublic(**asdict(r)) for r in report.rows],
                        total=FunnelRowPublic(**asdict(report.total)))


@router.get("/funnel.csv", response_class=PlainTextResponse)
def get_funnel_csv(request: Request, actor: ApiActorDep, session: SessionDep, by: By = "month",
                   since: date | None = None, until: date | None = None) -> Response:
    report = _funnel(session, actor, by, since, until, _now(request))
    return funnel_csv_response(report)


def _funnel(session, actor, by: By, since: date | None, until: date | None, now: datetime) -> Funnel:  # noqa: ANN001
    clinic = session.get(Clinic, actor.clinic_id)
    start, end = funnel_period(clinic.timezone, since, until, now)
    return build_funnel(session, clinic, start, end, by)


@router.get("/dashboard")
def get_dashboard(request: Request, actor: ApiActorDep, session: SessionDep,
                  bucket: Literal["week", "day"] = "week", periods: int = Query(default=8, ge=2, le=52)) -> Dashboard:
    """The KPIs over time (definitions included in the response)."""
    return build_dashboard(session, session.get(Clinic, actor.clinic_id), _now(request), bucket=bucket,
                           periods=periods)


@router.get("/audit")
def audit(actor: ApiActorDep, session: SessionDep, limit: int = Query(default=200, ge=1, le=1000),
          before_id: Id | None = None) -> list[AuditEventPublic]:
    actor.require(Permission.VIEW_AUDIT)
    return queries.audit_log(session, actor, limit=limit, before_id=before_id)


# ------------------------------------------------------------------ staff accounts


@router.get("/staff")
def list_staff(actor: ApiActorDep, session: SessionDep) -> list[StaffPublic]:
    actor.require(Permission.MANAGE_STAFF)
    rows = session.exec(select(Staff).where(Staff.clinic_id == actor.clinic_id).order_by(Staff.id)).all()
    return [StaffPublic.model_validate(s, from_attributes=True) for s in rows]


@router.post("/staff", status_code=201)
def create_staff(payload: StaffCreate, request: Request, actor: ApiActorDep, session: SessionDep) -> StaffPublic:
    staff = actions.create_staff(session, actor, payload, _now(request))
    session.commit()
    return StaffPublic.model_validate(staff, from_attributes=True)


@router.post("/staff/{staff_id}/api-key", status_code=201)
def issue_key(staff_id: Id, request: Request, actor: ApiActorDep, session: SessionDep) -> StaffKeyOut:
    key = actions.issue_staff_key(session, actor, staff_id, _now(request))
    session.commit()
    return StaffKeyOut(staff_id=staff_id, api_key=key)
