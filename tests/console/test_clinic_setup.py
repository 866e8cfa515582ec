"""Clinic set-up in the console (admins only): every setting of their clinic, and a new clinic with its admin."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from agent.security import clinic_for_key
from agent.store.models import AuditEvent, Clinic
from agent.store.staff_models import Staff
from tests.console.conftest import client, login

STRONG = "violet-harbor-canyon-92"
SETTINGS = {"name": "Glow Aesthetics SF", "phone": "(415) 555-0111", "timezone": "America/New_York",
            "review_link": "https://g.page/r/glow/review", "sender_name": "Ana at Glow",
            "help_text": "Glow Aesthetics: call (415) 555-0111. Reply STOP to opt out.", "segment_budget": "1",
            "quiet_start": "21", "quiet_end": "8", "phi_extra_terms": "Glow Sculpt, Velvet Peel"}
NEW = {"name": "Luma Skin Austin", "phone": "512 555 0100", "timezone": "America/Chicago", "review_link": "",
       "sender_name": "", "admin_name": "Lee Owner", "admin_email": "lee@luma-austin.test", "admin_password": STRONG}


def clinic_row(env, clinic_id: int) -> Clinic:  # noqa: ANN001
    with Session(env.engine) as s:
        return s.get(Clinic, clinic_id)


def test_an_admin_edits_every_setting_audited_and_the_form_shows_them(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    page = admin.get("/console/clinic").text
    assert 'name="quiet_start"' in page and 'value="20"' in page and "Reply STOP to opt out" in page  # defaults
    r = admin.post("/console/clinic", data={"csrf_token": csrf, **SETTINGS}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/clinic?done=clinic"
    clinic = clinic_row(env, env.clinics["a"])
    assert (clinic.name, clinic.phone, clinic.timezone, clinic.review_link) == (
        "Glow Aesthetics SF", "+14155550111", "America/New_York", "https://g.page/r/glow/review")
    assert clinic.settings == {"segment_budget": 1, "quiet_start": 21, "quiet_end": 8, "sender_name": "Ana at Glow",
                               "help_text": SETTINGS["help_text"], "phi_extra_terms": ["Glow Sculpt", "Velvet Peel"]}
    assert "Glow Sculpt, Velvet Peel" in admin.get("/console/clinic").text
    event = env.audit("clinic.updated")[-1]
    assert event.actor == f"staff:{env.staff['admin@a']}" and "quiet_start" in event.data["fields"]
    assert clinic_row(env, env.clinics["b"]).name == "Luma Skin"  # the admin's own clinic only


@pytest.mark.parametrize("field, value, says", [
    ("phone", "call the front desk", "phone: "), ("timezone", "Mars/Olympus", "not a time zone"),
    ("quiet_start", "25", "quiet_start"), ("segment_budget", "9", "segment_budget"),
    ("review_link", "http://g.page/x", "https:// link"), ("help_text", "", "help_text"),
    ("phone", "(310) 555-0100", "another clinic already uses"),  # clinic b's number
])
def test_bad_input_is_a_clear_error_on_the_form_and_nothing_is_lost(env, as_user, field, value, says):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    before = clinic_row(env, env.clinics["a"])
    r = admin.post("/console/clinic", data={"csrf_token": csrf, **SETTINGS, field: value})
    assert r.status_code == 422 and "Not saved:" in r.text and says in r.text
    assert "Ana at Glow" in r.text and "Glow Sculpt, Velvet Peel" in r.text  # what was typed is still there
    after = clinic_row(env, env.clinics["a"])
    assert (after.name, after.phone, after.settings) == (before.name, before.phone, before.settings)


def test_an_admin_sets_up_a_new_clinic_whose_admin_then_logs_in_to_it(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    r = admin.post("/console/clinics", data={"csrf_token": csrf, **NEW})
    assert r.status_code == 200 and "data-clinic-created" in r.text and STRONG not in r.text
    with Session(env.engine) as s:
        clinic = s.exec(select(Clinic).where(Clinic.name == "Luma Skin Austin")).one()
        owner = s.exec(select(Staff).where(Staff.email == "lee@luma-austin.test")).one()
        key = r.text.split("data-new-clinic-key>")[1].split("<")[0]
        assert clinic_for_key(s, key).id == clinic.id  # the key shown once is the new clinic's
        created = s.exec(select(AuditEvent).where(AuditEvent.action == "clinic.created")).one()
        set_up = s.exec(select(AuditEvent).where(AuditEvent.action == "clinic.set_up")).one()
    assert (clinic.phone, clinic.timezone, owner.clinic_id, owner.role.value) == (
        "+15125550100", "America/Chicago", clinic.id, "admin")
    assert created.clinic_id == clinic.id and (set_up.clinic_id, set_up.subject_id) == (env.clinics["a"], clinic.id)
    lee = client(env)
    lee_csrf = login(lee, "lee@luma-austin.test", STRONG)
    assert "Luma Skin Austin" in lee.get("/console/clinic").text
    r = lee.post("/console/on-call", data={"csrf_token": lee_csrf, "phone": "512 555 0181", "name": "Nurse Bo",
                                           "manager": ""}, follow_redirects=False)
    assert r.status_code == 303 and clinic_row(env, clinic.id).settings["on_call"][0]["phone"] == "+15125550181"
    lee.close()


def test_a_refused_new_clinic_keeps_the_form_and_creates_nothing(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    r = admin.post("/console/clinics", data={"csrf_token": csrf, **NEW, "phone": "+14155550100"})  # clinic a's
    assert r.status_code == 422 and "another clinic already uses" in r.text and "Luma Skin Austin" in r.text
    r = admin.post("/console/clinics", data={"csrf_token": csrf, **NEW, "admin_email": "admin@a.test"})
    assert r.status_code == 422 and "admin: an account with this email already exists" in r.text
    r = admin.post("/console/clinics", data={"csrf_token": csrf, **NEW, "admin_password": "password"})
    assert r.status_code == 422 and "Not created: check the first admin, password" in r.text
    assert 'value="password"' not in r.text  # a password is never sent back
    with Session(env.engine) as s:
        assert s.exec(select(Clinic).where(Clinic.name == "Luma Skin Austin")).first() is None
        assert s.exec(select(Staff).where(Staff.email == "lee@luma-austin.test")).first() is None


@pytest.mark.parametrize("who", ["front_desk@a", "clinical@a", "manager@a"])
def test_only_admins_set_up_clinics(env, as_user, who):  # noqa: ANN001
    c, csrf = as_user(who)
    assert c.get("/console/clinic").status_code == 403
    assert c.get("/console/clinics/new").status_code == 403
    assert c.post("/console/clinic", data={"csrf_token": csrf, **SETTINGS}).status_code == 403
    assert c.post("/console/clinics", data={"csrf_token": csrf, **NEW}).status_code == 403
    assert 'href="/console/clinic"' not in c.get("/console/inbox").text
    assert clinic_row(env, env.clinics["a"]).name == "Glow Aesthetics"


def test_the_forms_need_the_csrf_token(env, as_user):  # noqa: ANN001
    admin, _ = as_user("admin@a")
    assert admin.post("/console/clinic", data=SETTINGS).status_code == 403
    assert admin.post("/console/clinics", data=NEW).status_code == 403
    assert clinic_row(env, env.clinics["a"]).name == "Glow Aesthetics"
