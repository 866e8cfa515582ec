"""Local-only endpoints to talk to the agent without Twilio (mounted only when AFTERGLOW_ENV=local)."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlmodel import select

from agent.engine.touches import send_touch
from agent.engine.turn import UnknownPatient
from agent.ids import Id
from agent.store.models import Conversation, Message, Patient
from api.deps import AgentDep, SessionDep

router = APIRouter(prefix="/dev", tags=["dev (local only)"])


class InboundText(BaseModel):
    body: str = Field(min_length=1, max_length=1600)


class TouchRequest(BaseModel):
    touch: str = Field(pattern=r"^[a-z0-9_]+$")


class PatientOut(BaseModel):
    id: int
    first_name: str
    opted_out: bool


class MessageOut(BaseModel):
    id: int
    direction: str
    kind: str
    body: str
    intent: str | None
    asks: list[str]
    delivery_status: str | None


@router.get("/patients")
def patients(session: SessionDep) -> list[PatientOut]:
    rows = session.exec(select(Patient).order_by(Patient.id)).all()
    return [PatientOut(id=p.id, first_name=p.first_name, opted_out=p.opted_out) for p in rows]


@router.post("/patients/{patient_id}/messages")
def patient_says(patient_id: Id, payload: InboundText, agent: AgentDep) -> dict:
    try:
        return agent.handle_inbound(patient_id, payload.body).as_json()
    except UnknownPatient:
        raise HTTPException(404, "no such patient") from None


@router.post("/patients/{patient_id}/touches")
def touch(patient_id: Id, payload: TouchRequest, agent: AgentDep) -> dict:
    try:
        return send_touch(agent, patient_id, payload.touch).as_json()
    except LookupError:
        raise HTTPException(404, "no such patient, visit or touch for this visit type") from None


@router.get("/patients/{patient_id}/transcript")
def transcript(patient_id: Id, session: SessionDep) -> list[MessageOut]:
    conv_ids = session.exec(select(Conversation.id).where(Conversation.patient_id == patient_id)).all()
    if not conv_ids:
        raise HTTPException(404, "no conversation for this patient")
    rows = session.exec(select(Message).where(Message.conversation_id.in_(conv_ids)).order_by(Message.id)).all()
    return [MessageOut(id=m.id, direction=m.direction.value, kind=m.kind.value, body=m.body, intent=m.intent,
                       asks=m.asks, delivery_status=m.delivery_status.value if m.delivery_status else None)
            for m in rows]
