"""The patient page's "Text <name>" form: CSRF, the guards' refusals on the form, the thread handed to a person."""
from __future__ import annotations

from sqlmodel import Session, select

from agent.store.models import AuditEvent, Handoff, Message
from agent.types import HandoffStatus, MessageKind
from tests.console.conftest import client

HELLO = "Hi Maya, we have a cancellation on Friday at 3pm if you would like it."


def staff_texts(env) -> list[Message]:  # noqa: ANN001
    with Session(env.engine) as s:
        return list(s.exec(select(Message).where(Message.kind == MessageKind.STAFF)))


def test_front_desk_starts_a_text_and_lands_in_the_handoff_they_now_hold(env, as_user):  # noqa: ANN001
    pid = env.patient(touch=False)
    fd, csrf = as_user("front_desk@a")
    page = fd.get(f"/console/patients/{pid}").text
    assert f'action="/console/patients/{pid}/text"' in page and "Send text" in page
    assert fd.post(f"/console/patients/{pid}/text", data={"body": HELLO}).status_code == 403  # no CSRF token
    assert staff_texts(env) == []
    r = fd.post(f"/console/patients/{pid}/text", data={"body": HELLO, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    with Session(env.engine) as s:
        handoff = s.exec(select(Handoff)).one()
        assert handoff.status == HandoffStatus.CLAIMED and handoff.claimed_by == env.staff["front_desk@a"]
        started = s.exec(select(AuditEvent).where(AuditEvent.action == "staff_text.started")).one()
        assert started.actor == f"staff:{env.staff['front_desk@a']}" and set(started.data) == {"handoff_id",
                                                                                               "message_id"}
    assert r.headers["location"] == f"/console/handoffs/{handoff.id}?done=started"
    shown = fd.get(r.headers["location"]).text
    assert "the agent stays silent" in shown and HELLO in shown
    assert [m.body for m in staff_texts(env)] == [HELLO]
    assert env.says(pid, "yes please!").replies == []  # the agent leaves the thread to the person


def test_refusals_are_shown_on_the_form_with_the_text_kept(env, as_user):  # noqa: ANN001
    pid = env.patient(touch=False)
    fd, csrf = as_user("front_desk@a")
    phi = "Hi Maya, how is your Botox settling on the forehead?"
    r = fd.post(f"/console/patients/{pid}/text", data={"body": phi, "csrf_token": csrf})
    assert r.status_code == 422 and "Not sent." in r.text and "phi" in r.text and phi in r.text
    assert "Only clinical staff or a manager can override" in r.text
    assert staff_texts(env) == []


def test_an_opted_out_patient_gets_no_form_and_a_forced_post_is_refused_plainly(env, as_user):  # noqa: ANN001
    pid = env.patient()
    env.says(pid, "STOP")
    fd, csrf = as_user("front_desk@a")
    page = fd.get(f"/console/patients/{pid}").text
    assert "data-start-blocked" in page and "opted out of texts (STOP)" in page
    assert f'action="/console/patients/{pid}/text"' not in page
    r = fd.post(f"/console/patients/{pid}/text", data={"body": HELLO, "csrf_token": csrf})
    assert r.status_code == 422 and "data-start-refused" in r.text and "until they text START" in r.text
    assert staff_texts(env) == []


def test_a_colleagues_thread_is_a_409_on_the_form_and_another_clinics_patient_a_404(env, as_user):  # noqa: ANN001
    pid = env.patient()
    env.says(pid, "my lip went white and it hurts")  # urgent clinical handoff
    fd, csrf = as_user("front_desk@a")
    r = fd.post(f"/console/patients/{pid}/text", data={"body": HELLO, "csrf_token": csrf})
    assert r.status_code == 409 and "open clinical handoff" in r.text and HELLO in r.text
    other, other_csrf = as_user("front_desk@b")
    assert other.post(f"/console/patients/{pid}/text", data={"body": HELLO, "csrf_token": other_csrf}
                      ).status_code == 404
    assert staff_texts(env) == []


def test_the_json_api_starts_a_text_too(env, as_user):  # noqa: ANN001
    pid = env.patient(touch=False)
    fd, csrf = as_user("front_desk@a")
    headers = {"X-CSRF-Token": csrf}
    r = fd.post(f"/api/patients/{pid}/text", json={"body": "Hi Maya, how is your Botox on the forehead?"},
                headers=headers)
    assert r.status_code == 422 and r.json()["blocked_by"] == ["phi"] and r.json()["handoff_id"] is None
    r = fd.post(f"/api/patients/{pid}/text", json={"body": HELLO}, headers=headers)
    assert r.status_code == 200 and r.json()["sent"] is True
    with Session(env.engine) as s:
        assert r.json()["handoff_id"] == s.exec(select(Handoff.id)).one()
    env.says(pid, "STOP")
    r = fd.post(f"/api/patients/{pid}/text", json={"body": HELLO}, headers=headers)
    assert r.status_code == 422 and "opted out" in r.json()["detail"]
    reader = client(env)
    r = reader.post(f"/api/patients/{pid}/text", json={"body": HELLO}, headers={"X-API-Key": env.keys["a"]})
    assert r.status_code == 403  # the clinic key only reads
    reader.close()
    assert [m.body for m in staff_texts(env)] == [HELLO]
