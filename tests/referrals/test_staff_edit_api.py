"""Staff add and correct referrals through the JSON API: validation, clinic scope, duplicates, audit without
values, and the status-only PATCH unchanged."""
from __future__ import annotations

from sqlmodel import Session, select

from agent.store.models import AuditEvent, Referral
from tests.console.conftest import Env


def _post(c, csrf: str, patient_id: int, **body):  # noqa: ANN001, ANN202
    return c.post(f"/api/patients/{patient_id}/referrals", headers={"X-CSRF-Token": csrf}, json=body)


def _patch(c, csrf: str, referral_id: int, **body):  # noqa: ANN001, ANN202
    return c.patch(f"/api/referrals/{referral_id}", headers={"X-CSRF-Token": csrf}, json=body)


def _row(env: Env, referral_id: int) -> Referral:
    with Session(env.engine) as s:
        return s.get(Referral, referral_id)


def test_add_normalises_and_audits_field_names_only(env: Env, as_user) -> None:  # noqa: ANN001
    patient = env.patient(first_name="Sam")
    c, csrf = as_user("front_desk@a")
    r = _post(c, csrf, patient, name="  Dana   Lee ", phone="(415) 555-0134", relationship="sister", note="Lips")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["name"], body["relationship"], body["note"]) == ("Dana Lee", "sister", "Lips")
    assert _row(env, body["id"]).phone == "+14155550134"  # stored E.164 (the API shows it as people write it)
    assert body["status"] == "new" and body["source"] == "staff" and body["referrer"]["id"] == patient
    [event] = env.audit("referral.created_by_staff")
    assert event.actor == f"staff:{env.staff['front_desk@a']}" and event.subject_id == body["id"]
    assert event.data == {"fields": ["name", "phone", "relationship", "note"]}
    assert "Dana" not in str(event.data) and "555" not in str(event.data)


def test_add_refuses_bad_name_bad_phone_and_extra_fields(env: Env, as_user) -> None:  # noqa: ANN001
    patient = env.patient()
    c, csrf = as_user("front_desk@a")
    assert _post(c, csrf, patient, name="Dana <script>").status_code == 422
    assert _post(c, csrf, patient, name="").status_code == 422
    bad_phone = _post(c, csrf, patient, name="Dana", phone="12")
    assert bad_phone.status_code == 422 and "not a valid phone number" in bad_phone.text
    assert _post(c, csrf, patient, name="Dana", status="treated").status_code == 422  # Strict: no extra fields
    assert _post(c, csrf, patient, name="Dana", phone="+1 415 555 0134").status_code == 201
    duplicate = _post(c, csrf, patient, name="Dan", phone="415-555-0134")  # the same number, spelled otherwise
    assert duplicate.status_code == 409 and "already introduced" in duplicate.json()["detail"]
    with Session(env.engine) as s:
        assert len(s.exec(select(Referral)).all()) == 1


def test_other_clinic_and_read_only_key_are_refused(env: Env, as_user) -> None:  # noqa: ANN001
    theirs = env.patient("b")
    c, csrf = as_user("front_desk@a")
    assert _post(c, csrf, theirs, name="Dana").status_code == 404
    mine = _post(c, csrf, env.patient(), name="Dana").json()["id"]
    b, b_csrf = as_user("admin@b")
    assert _patch(b, b_csrf, mine, name="Mallory").status_code == 404
    assert _patch(b, b_csrf, mine, status="treated").status_code == 404
    key = {"X-API-Key": env.keys["a"]}
    assert b.post(f"/api/patients/{env.patient()}/referrals", headers=key, json={"name": "Kim"}).status_code == 403
    assert _row(env, mine).name == "Dana" and _row(env, mine).status == "new"
    assert env.audit("referral.corrected") == []


def test_correct_changes_only_sent_fields_and_audits_their_names(env: Env, as_user) -> None:  # noqa: ANN001
    patient = env.patient()
    c, csrf = as_user("front_desk@a")
    rid = _post(c, csrf, patient, name="Dana", phone="4155550134", relationship="sister", note="Lips").json()["id"]
    r = _patch(c, csrf, rid, name="Dana Lee", phone="(415) 555-0199", note="Lips")  # note unchanged
    assert r.status_code == 200, r.text
    row = _row(env, rid)
    assert (row.name, row.phone, row.relationship, row.note) == ("Dana Lee", "+14155550199", "sister", "Lips")
    [event] = env.audit("referral.corrected")
    assert event.data == {"fields": ["name", "phone"]} and "Dana" not in str(event.data)
    assert _patch(c, csrf, rid, phone="", relationship="").status_code == 200  # blank removes
    assert (_row(env, rid).phone, _row(env, rid).relationship) == (None, None)
    assert _patch(c, csrf, rid, name="Dana Lee").status_code == 200  # nothing changed: nothing audited
    assert len(env.audit("referral.corrected")) == 2


def test_correct_validation_and_duplicate_phone(env: Env, as_user) -> None:  # noqa: ANN001
    patient = env.patient()
    c, csrf = as_user("front_desk@a")
    first = _post(c, csrf, patient, name="Dana", phone="4155550134").json()["id"]
    second = _post(c, csrf, patient, name="Kim").json()["id"]
    assert _patch(c, csrf, second, name=None).status_code == 422
    assert _patch(c, csrf, second, name="K1m").status_code == 422
    assert _patch(c, csrf, second, phone="0").status_code == 422
    assert _patch(c, csrf, second, colour="red").status_code == 422
    assert _patch(c, csrf, second).status_code == 422  # nothing to do
    clash = _patch(c, csrf, second, phone="+14155550134")
    assert clash.status_code == 409 and "already introduced" in clash.json()["detail"]
    assert _patch(c, csrf, first, phone="415 555 0134").status_code == 200  # its own number is no clash
    assert _row(env, second).phone is None and _row(env, second).name == "Kim"


def test_status_only_patch_unchanged_and_both_together(env: Env, as_user) -> None:  # noqa: ANN001
    patient = env.patient()
    c, csrf = as_user("front_desk@a")
    rid = _post(c, csrf, patient, name="Dana").json()["id"]
    assert _patch(c, csrf, rid, status="contacted").json()["status"] == "contacted"
    assert env.audit("referral.corrected") == []
    assert _patch(c, csrf, rid, status=None).status_code == 422
    both = _patch(c, csrf, rid, status="consult_booked", relationship="friend")
    assert both.status_code == 200 and both.json()["status"] == "consult_booked"
    assert both.json()["relationship"] == "friend"
    with Session(env.engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.subject_type == "referral"))]
    assert actions.count("referral.corrected") == 1


def test_api_write_needs_csrf_with_a_session(env: Env, as_user) -> None:  # noqa: ANN001
    patient = env.patient()
    c, _ = as_user("front_desk@a")
    assert c.post(f"/api/patients/{patient}/referrals", json={"name": "Dana"}).status_code == 403
    with Session(env.engine) as s:
        assert s.exec(select(Referral)).all() == []
