"""The admin's on-call form (Clinic page): who is texted about urgent handoffs, and the banner when nobody is."""
from __future__ import annotations

from sqlmodel import Session

from agent.store.models import Clinic


def settings(env, clinic: str = "a") -> dict:  # noqa: ANN001
    with Session(env.engine) as s:
        return s.get(Clinic, env.clinics[clinic]).settings


def test_admin_sets_on_call_and_manager_numbers_and_the_warning_goes(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    assert "data-no-on-call" in admin.get("/console/inbox").text  # nobody would be alerted
    r = admin.post("/console/on-call", data={"csrf_token": csrf, "phone": "(415) 555-0181", "name": "Nurse Ana",
                                             "manager": "415 555 0199"}, follow_redirects=False)
    assert r.status_code == 303
    assert settings(env)["on_call"] == [{"phone": "+14155550181", "name": "Nurse Ana"}]
    assert settings(env)["manager_phone"] == "+14155550199"
    assert "on_call" not in settings(env, "b")  # the admin's own clinic only
    page = admin.get("/console/clinic").text
    assert "(415) 555-0181" in page and "Nurse Ana" in page and "data-no-on-call" not in page
    assert [e.data for e in env.audit("clinic.on_call")] == [{"added": True, "manager": True, "on_call": 1}]
    r = admin.post("/console/on-call/remove", data={"csrf_token": csrf, "phone": "+14155550181"},
                   follow_redirects=False)
    assert r.status_code == 303 and settings(env)["on_call"] == []
    assert "data-no-on-call" in admin.get("/console/inbox").text


def test_a_bad_number_is_a_clear_error_and_saves_nothing(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    r = admin.post("/console/on-call", data={"csrf_token": csrf, "phone": "call Ana", "name": "", "manager": ""})
    assert r.status_code == 422 and "Not saved: not a" in r.text and "call Ana" not in r.text
    assert "on_call" not in settings(env)


def test_only_admins_and_only_with_the_csrf_token(env, as_user):  # noqa: ANN001
    admin, _ = as_user("admin@a")
    assert admin.post("/console/on-call", data={"phone": "4155550181"}).status_code == 403
    manager, m_csrf = as_user("manager@a")
    assert manager.post("/console/on-call", data={"csrf_token": m_csrf, "phone": "4155550181"}).status_code == 403
    assert "data-no-on-call" not in manager.get("/console/inbox").text  # the banner is for admins
    assert "on_call" not in settings(env)
