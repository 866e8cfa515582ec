from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from agent.store.models import Conversation, Draft, Handoff, Message, Patient, Referral, Turn
from agent.types import Direction


def outbound(engine: sa.Engine, patient_id: int) -> list[Message]:
    with Session(engine) as s:
        return list(s.exec(select(Message).where(Message.patient_id == patient_id,
                                                 Message.direction == Direction.OUTBOUND).order_by(Message.id)))


def inbound(engine: sa.Engine, patient_id: int) -> list[Message]:
    with Session(engine) as s:
        return list(s.exec(select(Message).where(Message.patient_id == patient_id,
                                                 Message.direction == Direction.INBOUND).order_by(Message.id)))


def rows(engine: sa.Engine, model: type, **where: object) -> list:
    with Session(engine) as s:
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return list(s.exec(query.order_by(model.id)))


def patient(engine: sa.Engine, patient_id: int) -> Patient:
    with Session(engine) as s:
        return s.get(Patient, patient_id)


def conversation(engine: sa.Engine, conversation_id: int) -> Conversation:
    with Session(engine) as s:
        return s.get(Conversation, conversation_id)


__all__ = ["Draft", "Handoff", "Referral", "Turn", "conversation", "inbound", "outbound", "patient", "rows"]
