"""Visit intake for practice-management systems: authenticated per clinic, idempotent on external_id."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from agent.outreach.intake import VisitIn, intake_visit
from api.deps import AgentDep, ClinicDep, SessionDep

router = APIRouter(prefix="/api", tags=["visits"])


class TouchOut(BaseModel):
    name: str
    due_at: datetime
    status: str


class VisitOut(BaseModel):
    visit_id: int
    patient_id: int
    external_id: str
    created: bool
    touches: list[TouchOut]


@router.post("/visits", status_code=status.HTTP_201_CREATED, responses={200: {"description": "already received"}})
def receive_visit(payload: VisitIn, clinic: ClinicDep, agent: AgentDep, session: SessionDep,
                  response: Response) -> VisitOut:
    """Record a completed visit and schedule its touches. Sending the same external_id again changes nothing."""
    result = intake_visit(session, clinic, payload, agent.policies, agent.clock.now())
    session.commit()
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return VisitOut(visit_id=result.visit.id, patient_id=result.patient.id, external_id=payload.external_id,
                    created=result.created,
                    touches=[TouchOut(name=t.name, due_at=t.due_at, status=t.status.value) for t in result.touches])
