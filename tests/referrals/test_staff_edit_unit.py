"""The referral add/correct actions without HTTP: the models' rules and the actions' scope and audit."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent.staff.actor import Actor, Conflict, Forbidden, NotFound
from agent.staff.referral_edit import ReferralCorrection, ReferralFields, add_referral, correct_referral
from agent.staff.roles import StaffRole
from agent.store.db import session_scope
from tests.console.conftest import Env


def _desk(env: Env, clinic: str = "a") -> Actor:
    return Actor(clinic_id=env.clinics[clinic], staff_id=env.staff[f"front_desk@{clinic}"],
                 role=StaffRole.FRONT_DESK, name="Desk", via="session")


def test_fields_normalise_and_refuse() -> None:
    fields = ReferralFields(name=" Mary-Jo  O'Neil ", phone="+44 20 7946 0958", relationship=" ")
    assert (fields.name, fields.phone, fields.relationship, fields.note) == ("Mary-Jo O'Neil", "+442079460958",
                                                                             None, "")
    for bad in ({"name": "R2D2"}, {"name": "Dana", "phone": "555"}, {"name": "x" * 61},
                {"name": "Dana", "relationship": "r" * 41}, {"name": "Dana", "status": "new"}):
        with pytest.raises(ValidationError):
            ReferralFields(**bad)
    with pytest.raises(ValidationError, match="keeps a name"):
        ReferralCorrection(name=None)
    assert ReferralCorrection(note=None, phone=" ").changes() == {"note": "", "phone": None}
    assert ReferralCorrection().changes() == {}


def test_actions_scope_audit_and_conflicts(env: Env) -> None:
    mine, theirs = env.patient(), env.patient("b")
    now = env.clock.now()
    with session_scope(env.engine) as s:
        with pytest.raises(NotFound):
            add_referral(s, _desk(env), theirs, ReferralFields(name="Dana"), now)
        with pytest.raises(Forbidden):
            read_only = Actor(clinic_id=env.clinics["a"], staff_id=None, role=None, name="key", via="clinic_key")
            add_referral(s, read_only, mine, ReferralFields(name="Dana"), now)
        referral = add_referral(s, _desk(env), mine, ReferralFields(name="Dana", phone="4155550134"), now)
        with pytest.raises(Conflict):
            add_referral(s, _desk(env), mine, ReferralFields(name="Kim", phone="(415) 555-0134"), now)
        with pytest.raises(NotFound):
            correct_referral(s, _desk(env, "b"), referral.id, ReferralCorrection(name="Eve"), now)
        correct_referral(s, _desk(env), referral.id, ReferralCorrection(note="Prefers texts"), now)
    assert [(e.action, e.data) for e in env.audit() if e.subject_type == "referral"] == [
        ("referral.created_by_staff", {"fields": ["name", "phone"]}),
        ("referral.corrected", {"fields": ["note"]}),
    ]


def test_a_patient_without_a_conversation_cannot_be_given_a_referral_yet(env: Env) -> None:
    quiet = env.patient(touch=False)  # no text sent, so no thread for the referral to hang on
    with session_scope(env.engine) as s:
        with pytest.raises(Conflict, match="no conversation yet"):
            add_referral(s, _desk(env), quiet, ReferralFields(name="Dana"), env.clock.now())
    assert env.audit("referral.created_by_staff") == []
