"""The console's add-a-referral form (patient page) and correct-a-referral page: CSRF, clinic scope, and a
refused form shown again with what was typed and why."""
from __future__ import annotations

from sqlmodel import Session, select

from agent.store.models import Referral
from tests.console.conftest import Env


def _referrals(env: Env) -> list[Referral]:
    with Session(env.engine) as s:
        return list(s.exec(select(Referral).order_by(Referral.id)))


def _form(csrf: str, **fields: str) -> dict:
    return {"csrf_token": csrf, "name": "", "phone": "", "relationship": "", "note": "", **fields}


def test_patient_page_adds_a_referral(env: Env, as_user) -> None:  # noqa: ANN001
    patient = env.patient(first_name="Sam")
    c, csrf = as_user("front_desk@a")
    assert "Add a referral" in c.get(f"/console/patients/{patient}").text
    r = c.post(f"/console/patients/{patient}/referrals", follow_redirects=False,
               data=_form(csrf, name="Dana Lee", phone="415 555 0134", relationship="sister", note="Lips"))
    assert r.status_code == 303 and r.headers["location"] == f"/console/patients/{patient}?done=referral_added"
    [row] = _referrals(env)
    assert (row.name, row.phone, row.relationship, row.note, row.source) == (
        "Dana Lee", "+14155550134", "sister", "Lips", "staff")
    assert "Dana Lee" in c.get(f"/console/patients/{patient}").text
    assert "added by staff" in c.get("/console/referrals").text


def test_refused_add_keeps_what_was_typed(env: Env, as_user) -> None:  # noqa: ANN001
    patient = env.patient()
    c, csrf = as_user("front_desk@a")
    r = c.post(f"/console/patients/{patient}/referrals",
               data=_form(csrf, name="Dana", phone="555-01", relationship="neighbour", note="Call after 5"))
    assert r.status_code == 422
    assert "not a valid phone number" in r.text and "data-referral-refused" in r.text
    for typed in ('value="Dana"', 'value="555-01"', 'value="neighbour"', "Call after 5</textarea>"):
        assert typed in r.text, typed
    assert _referrals(env) == []
    c.post(f"/console/patients/{patient}/referrals", data=_form(csrf, name="Dana", phone="4155550134"))
    twice = c.post(f"/console/patients/{patient}/referrals", data=_form(csrf, name="Kim", phone="+14155550134"))
    assert twice.status_code == 409 and "already introduced" in twice.text and 'value="Kim"' in twice.text
    assert len(_referrals(env)) == 1


def test_forms_need_csrf_and_the_right_clinic(env: Env, as_user) -> None:  # noqa: ANN001
    patient = env.patient()
    c, csrf = as_user("front_desk@a")
    no_token = {k: v for k, v in _form(csrf, name="Dana").items() if k != "csrf_token"}
    assert c.post(f"/console/patients/{patient}/referrals", data=no_token).status_code == 403
    assert c.post(f"/console/patients/{patient}/referrals", data=_form("wrong", name="Dana")).status_code == 403
    assert _referrals(env) == []
    c.post(f"/console/patients/{patient}/referrals", data=_form(csrf, name="Dana"))
    [row] = _referrals(env)
    b, b_csrf = as_user("admin@b")
    assert b.post(f"/console/patients/{patient}/referrals", data=_form(b_csrf, name="Eve")).status_code == 404
    assert b.get(f"/console/referrals/{row.id}/edit").status_code == 404
    assert b.post(f"/console/referrals/{row.id}/edit", data=_form(b_csrf, name="Eve")).status_code == 404
    assert c.post(f"/console/referrals/{row.id}/edit", data=no_token).status_code == 403
    assert [r.name for r in _referrals(env)] == ["Dana"]


def test_edit_page_corrects_and_refuses_with_typed_values(env: Env, as_user) -> None:  # noqa: ANN001
    patient = env.patient()
    c, csrf = as_user("front_desk@a")
    c.post(f"/console/patients/{patient}/referrals", data=_form(csrf, name="Dana", phone="4155550134"))
    [row] = _referrals(env)
    assert f"/console/referrals/{row.id}/edit" in c.get("/console/referrals").text
    edit = c.get(f"/console/referrals/{row.id}/edit")
    assert edit.status_code == 200 and 'value="Dana"' in edit.text
    bad = c.post(f"/console/referrals/{row.id}/edit", data=_form(csrf, name="D4na", relationship="cousin"))
    assert bad.status_code == 422 and "name:" in bad.text and 'value="D4na"' in bad.text
    assert 'value="cousin"' in bad.text and _referrals(env)[0].relationship is None
    ok = c.post(f"/console/referrals/{row.id}/edit", follow_redirects=False,
                data=_form(csrf, name="Dana Lee", phone="", relationship="cousin"))
    assert ok.status_code == 303 and ok.headers["location"] == "/console/referrals?done=referral"
    [row] = _referrals(env)
    assert (row.name, row.phone, row.relationship) == ("Dana Lee", None, "cousin")
    [event] = env.audit("referral.corrected")
    assert event.data == {"fields": ["name", "phone", "relationship"]}


def test_a_role_without_referral_rights_gets_no_form_and_403(env: Env, as_user) -> None:  # noqa: ANN001
    patient = env.patient()
    desk, desk_csrf = as_user("front_desk@a")
    desk.post(f"/console/patients/{patient}/referrals", data=_form(desk_csrf, name="Dana"))
    [row] = _referrals(env)
    c, csrf = as_user("clinical@a")
    assert "Add a referral" not in c.get(f"/console/patients/{patient}").text
    assert c.post(f"/console/patients/{patient}/referrals", data=_form(csrf, name="Kim")).status_code == 403
    assert c.get(f"/console/referrals/{row.id}/edit").status_code == 403
    assert c.post(f"/console/referrals/{row.id}/edit", data=_form(csrf, name="Kim")).status_code == 403
    assert c.patch(f"/api/referrals/{row.id}", headers={"X-CSRF-Token": csrf}, json={"name": "Kim"}).status_code == 403
    assert [r.name for r in _referrals(env)] == ["Dana"]
