"""Clinic set-up for admins: their clinic's settings and on-call numbers, and a new clinic from nothing.

Every rule is agent/staff/clinics.py's (the CLI's too). A refused form comes back with the message naming
the field and every value as typed, so nothing is lost; only passwords are never sent back.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from starlette.responses import Response

from agent.phones import display_phone
from agent.policy.schema import ClinicSettings
from agent.staff import oncall
from agent.staff.actor import Forbidden
from agent.staff.clinic_setup import new_clinic, update_own_clinic
from agent.staff.clinics import ClinicError
from agent.staff.roles import Permission, StaffRole
from agent.staff.strength import explain
from agent.store.models import AuditEvent, Clinic
from agent.staff.schemas import StaffCreate
from api.console.auth import ConsoleUserDep, now_of
from api.console.forms import back_to
from api.console.render import page
from api.deps import SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)
Short = Annotated[str, Form(max_length=120)]
Long = Annotated[str, Form(max_length=500)]
# Offered in the time zone field; any IANA name is accepted.
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
         "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico")


def _admin(user: ConsoleUserDep) -> None:
    if not user.actor.can(Permission.MANAGE_CLINIC):
        raise Forbidden("only an admin sets up clinics")


def _terms(text: str) -> list[str]:
    return [t.strip() for t in text.replace("\n", ",").split(",") if t.strip()]


def current_values(clinic: Clinic) -> dict[str, str]:
    """The settings form's fields as shown: defaults filled in, lists as comma-separated text."""
    s = ClinicSettings.model_validate(clinic.settings or {})
    return {"name": clinic.name, "phone": clinic.phone, "timezone": clinic.timezone,
            "review_link": clinic.review_link or "", "sender_name": s.sender_name, "help_text": s.help_text,
            "segment_budget": str(s.segment_budget), "quiet_start": str(s.quiet_start),
            "quiet_end": str(s.quiet_end), "phi_extra_terms": ", ".join(s.phi_extra_terms)}


def clinic_page(request: Request, user: ConsoleUserDep, session: SessionDep, *, values: dict | None = None,
                error: str | None = None, on_call_error: str | None = None, status_code: int = 200) -> Response:
    clinic = session.get(Clinic, user.actor.clinic_id)
    return page(request, user, "clinic.html", session=session, values=values or current_values(clinic),
                zones=ZONES, error=error, on_call=oncall.settings_of(clinic), display_phone=display_phone,
                on_call_error=on_call_error, status_code=status_code)


@router.get("/clinic")
def clinic_settings_page(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    _admin(user)
    return clinic_page(request, user, session)


@router.post("/clinic")
def clinic_save(request: Request, user: ConsoleUserDep, session: SessionDep, name: Short = "", phone: Short = "",
                timezone: Short = "", review_link: Long = "", sender_name: Short = "", help_text: Long = "",
                segment_budget: Short = "", quiet_start: Short = "", quiet_end: Short = "",
                phi_extra_terms: Long = "") -> Response:
    _admin(user)
    typed = {"name": name, "phone": phone, "timezone": timezone, "review_link": review_link,
             "sender_name": sender_name, "help_text": help_text, "segment_budget": segment_budget,
             "quiet_start": quiet_start, "quiet_end": quiet_end, "phi_extra_terms": phi_extra_terms}
    try:
        update_own_clinic(session, user.actor, {**typed, "phi_extra_terms": _terms(phi_extra_terms)},
                          now_of(request))
    except ClinicError as exc:
        session.rollback()
        return clinic_page(request, user, session, values=typed, error=f"Not saved: {exc}.", status_code=422)
    session.commit()
    return back_to("/console/clinic", "clinic")


# ------------------------------------------------------------------ on-call numbers


def _on_call_change(request: Request, user: ConsoleUserDep, session: SessionDep, change, audit: dict) -> Response:  # noqa: ANN001
    _admin(user)
    clinic = session.get(Clinic, user.actor.clinic_id)
    try:
        change(clinic)
    except oncall.OnCallError as exc:
        session.rollback()
        return clinic_page(request, user, session, on_call_error=f"Not saved: {exc}.", status_code=422)
    session.add(AuditEvent(clinic_id=clinic.id, actor=user.actor.label, action="clinic.on_call", subject_type="clinic",
                           subject_id=clinic.id, data={**audit, "on_call": len(oncall.settings_of(clinic).on_call)},
                           created_at=now_of(request)))
    session.commit()
    return back_to("/console/clinic", "on_call")


@router.post("/on-call")
def on_call_save(request: Request, user: ConsoleUserDep, session: SessionDep,
                 phone: Annotated[str, Form(max_length=32)] = "", name: Annotated[str, Form(max_length=60)] = "",
                 manager: Annotated[str, Form(max_length=32)] = "") -> Response:
    def change(clinic: Clinic) -> None:
        if phone.strip():
            oncall.add(clinic, phone, name)
        oncall.set_manager(clinic, manager)

    return _on_call_change(request, user, session, change, {"added": bool(phone.strip()), "manager": bool(manager)})


@router.post("/on-call/remove")
def on_call_remove(request: Request, user: ConsoleUserDep, session: SessionDep,
                   phone: Annotated[str, Form(max_length=32)]) -> Response:
    return _on_call_change(request, user, session, lambda clinic: oncall.remove(clinic, phone), {"removed": True})


# ------------------------------------------------------------------ a new clinic


def _new_page(request: Request, user: ConsoleUserDep, session: SessionDep, *, values: dict, error: str | None = None,
              created: dict | None = None, status_code: int = 200) -> Response:
    return page(request, user, "clinic_new.html", session=session, values=values, zones=ZONES, error=error,
                created=created, status_code=status_code)


@router.get("/clinics/new")
def clinic_new_page(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    _admin(user)
    return _new_page(request, user, session, values={"timezone": user.clinic.timezone})


@router.post("/clinics")
def clinic_create(request: Request, user: ConsoleUserDep, session: SessionDep, name: Short = "", phone: Short = "",
                  timezone: Short = "", review_link: Long = "", sender_name: Short = "", admin_name: Short = "",
                  admin_email: Annotated[str, Form(max_length=254)] = "",
                  admin_password: Annotated[str, Form(max_length=256)] = "") -> Response:
    _admin(user)
    typed = {"name": name, "phone": phone, "timezone": timezone, "review_link": review_link,
             "sender_name": sender_name, "admin_name": admin_name, "admin_email": admin_email}
    try:
        admin = StaffCreate(email=admin_email, name=admin_name, role=StaffRole.ADMIN, password=admin_password)
    except ValidationError as exc:
        error = f"Not created: check the first admin, {explain(exc)}."
        return _new_page(request, user, session, values=typed, error=error, status_code=422)
    # A blank optional field means the default, not an empty value.
    fields = {k: v for k, v in typed.items() if v.strip() and not k.startswith("admin_")}
    try:
        clinic, key = new_clinic(session, user.actor, fields, admin, now_of(request))
    except ClinicError as exc:
        session.rollback()
        return _new_page(request, user, session, values=typed, error=f"Not created: {exc}.", status_code=422)
    session.commit()
    created = {"id": clinic.id, "name": clinic.name, "phone": display_phone(clinic.phone), "key": key,
               "admin_email": admin.email}
    return _new_page(request, user, session, values={"timezone": user.clinic.timezone}, created=created)
