"""An admin sets clinics up from the console: a new clinic with its first admin account, and every setting
of their own clinic. The rules are agent/staff/clinics.py's (the CLI's too); this adds who may and the audit
trail in the admin's own clinic. Callers commit, or roll back on ClinicError (a new clinic may be flushed)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from agent.staff import accounts, clinics
from agent.staff.actor import Actor
from agent.staff.roles import Permission, StaffRole
from agent.store.models import AuditEvent, Clinic
from agent.staff.schemas import StaffCreate


def new_clinic(session: Session, actor: Actor, values: dict, admin: StaffCreate, now: datetime) -> tuple[Clinic, str]:
    """The clinic and its JSON API key (shown once). Its first account is an admin whatever the form said:
    without one nobody could ever log in to it (console sessions are per clinic)."""
    actor.require(Permission.MANAGE_CLINIC)
    clinic, key = clinics.create_clinic(session, values, now, actor=actor.label)
    try:
        accounts.create_staff(session, clinic.id, admin.model_copy(update={"role": StaffRole.ADMIN}), now,
                              actor=actor.label)
    except accounts.AccountError as exc:
        raise clinics.ClinicError(f"admin: {exc}") from None
    # The creator's own log says a clinic was made from it; the new clinic's log has clinic.created.
    session.add(AuditEvent(clinic_id=actor.clinic_id, actor=actor.label, action="clinic.set_up",
                           subject_type="clinic", subject_id=clinic.id, data={}, created_at=now))
    return clinic, key


def update_own_clinic(session: Session, actor: Actor, values: dict, now: datetime) -> Clinic:
    actor.require(Permission.MANAGE_CLINIC)
    clinic = session.get(Clinic, actor.clinic_id)
    return clinics.update_clinic(session, clinic, values, now, actor=actor.label)


__all__ = ["new_clinic", "update_own_clinic"]
