"""Console forms to add a referral on the patient page and to correct one on its edit page.

A refused form (a name that is not a name, a phone that is not one, the same phone twice) re-renders the
page with what was typed and the reason, so nothing has to be typed again. CSRF is checked by
ConsoleUserDep like every console post.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from pydantic import ValidationError
from starlette.responses import Response

from agent.ids import Id
from agent.staff import queries
from agent.staff.actor import Conflict
from agent.staff.referral_edit import ReferralCorrection, ReferralFields, add_referral, correct_referral
from agent.staff.roles import Permission
from agent.staff.strength import explain
from api.console.auth import ConsoleUserDep, now_of
from api.console.forms import back_to
from api.console.patients import patient_page_with
from api.console.render import page
from api.deps import SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)
# Generous bounds at the form; the models say what is allowed, in words the form can show.
FormText = Annotated[str, Form(max_length=600)]


def _typed(name: str, phone: str, relationship: str, note: str) -> dict[str, str]:
    return {"name": name, "phone": phone, "relationship": relationship, "note": note}


def _posted(name: FormText = "", phone: FormText = "", relationship: FormText = "", note: FormText = "") -> dict:
    """The four fields as typed (blank when left out), for the model and for showing the form again."""
    return _typed(name, phone, relationship, note)


Typed = Annotated[dict, Depends(_posted)]


def _refusal(exc: ValidationError | Conflict) -> tuple[str, int]:
    if isinstance(exc, ValidationError):
        return f"Check {explain(exc)}.", 422
    return str(exc), 409


def _submit(session: SessionDep, act: Callable[[], object], refused: Callable[[dict, int], Response],
            done: Response) -> Response:
    """Run the action; commit and go on, or roll back and show the form again with the reason."""
    try:
        act()
    except (ValidationError, Conflict) as exc:
        session.rollback()
        message, status = _refusal(exc)
        return refused({"error": message}, status)
    session.commit()
    return done


@router.post("/patients/{patient_id}/referrals")
def add(patient_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep, typed: Typed) -> Response:
    return _submit(
        session,
        lambda: add_referral(session, user.actor, patient_id, ReferralFields(**typed), now_of(request)),
        lambda error, status: patient_page_with(request, user, session, patient_id, status_code=status,
                                                referral_form={**error, **typed}),
        back_to(f"/console/patients/{patient_id}", "referral_added"))


def _edit_page(request: Request, user: ConsoleUserDep, session: SessionDep, referral_id: int, *,
               form: dict | None = None, status_code: int = 200) -> Response:
    user.actor.require(Permission.UPDATE_REFERRALS)
    referral = queries.referral(session, user.actor, referral_id)
    if form is None:
        form = _typed(referral.name, referral.phone or "", referral.relationship or "", referral.note)
    return page(request, user, "referral_edit.html", session=session, r=referral, form=form,
                status_code=status_code)


@router.get("/referrals/{referral_id}/edit")
def edit_page(referral_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    return _edit_page(request, user, session, referral_id)


@router.post("/referrals/{referral_id}/edit")
def edit(referral_id: Id, request: Request, user: ConsoleUserDep, session: SessionDep, typed: Typed) -> Response:
    return _submit(
        session,
        lambda: correct_referral(session, user.actor, referral_id, ReferralCorrection(**typed), now_of(request)),
        lambda error, status: _edit_page(request, user, session, referral_id, form={**error, **typed},
                                         status_code=status),
        back_to("/console/referrals", "referral"))
