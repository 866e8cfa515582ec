"""Visit intake for practice-management systems: authenticated per clinic, idempotent on external_id."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from agent.outreach.intake import VisitIn, intake_booking, intake_visit
from agent.types import ReferralStatus, VisitStatus
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
    referral_id: int | None = None  # the referral this visit advanced, when it was a referred friend's
    referral_status: ReferralStatus | None = None


class BookingOut(BaseModel):
    """A booked visit is not recorded; it only moves a referred friend's referral to consult booked."""

    external_id: str
    referral_id: int | None
    referral_status: ReferralStatus | None


@router.post("/visits", status_code=status.HTTP_201_CREATED,
             responses={200: {"description": "already received"},
                        202: {"description": "a booked visit: accepted for referral attribution", "model": BookingOut}})
def receive_visit(payload: VisitIn, clinic: ClinicDep, agent: AgentDep, session: SessionDep,
                  response: Response) -> VisitOut | BookingOut:
    """Record a completed visit and schedule its touches. Sending the same external_id again changes nothing.
    A visit with `status: booked` only advances a referred friend's referral (202)."""
    if payload.status == VisitStatus.BOOKED:
        referral = intake_booking(session, clinic, payload, agent.policies, agent.clock.now())
        session.commit()
        response.status_code = status.HTTP_202_ACCEPTED
        return BookingOut(external_id=payload.external_id, referral_id=referral.id if referral else None,
                          referral_status=referral.status if referral else None)
    result = intake_visit(session, clinic, payload, agent.policies, agent.clock.now())
    session.commit()
    if not result.created:
        response.status_code = status.HTTP_200_OK
    referral = result.referral
    return VisitOut(visit_id=result.visit.id, patient_id=result.patient.id, external_id=payload.external_id,
                    created=result.created,
                    touches=[TouchOut(name=t.name, due_at=t.due_at, status=t.status.value) for t in result.touches],
                    referral_id=referral.id if referral else None,
                    referral_status=referral.status if referral else None)
