"""Clinic > Messages and timing: a clinic's own wording and touch timing, checked like the files, previewed,
saved, reset, audited, and actually used by the engine in turns, touches and scheduling."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape
from sqlmodel import Session, select

from agent.demo import add_patient_with_visit
from agent.outreach.scheduler import schedule_visit
from agent.store.db import session_scope
from agent.store.models import Clinic, ClinicTemplate, ClinicTiming, Message, Touch
from agent.types import Direction, VisitType

CHECKIN = "touches/results_checkin"
OURS = "Hi {{ first_name }}, {{ sender }} here! Two weeks on, how do you like how things look?"
URL = "/console/clinic/messages/" + CHECKIN


def templates_of(env, clinic: str = "a") -> dict[str, str]:  # noqa: ANN001
    with Session(env.engine) as s:
        rows = s.exec(select(ClinicTemplate).where(ClinicTemplate.clinic_id == env.clinics[clinic]))
        return {r.name: r.body for r in rows}


def timing_of(env, clinic: str = "a") -> dict:  # noqa: ANN001
    with Session(env.engine) as s:
        row = s.exec(select(ClinicTiming).where(ClinicTiming.clinic_id == env.clinics[clinic])).first()
        return dict(row.fields) if row else {}


def outbound(env, patient_id: int) -> list[str]:  # noqa: ANN001
    with Session(env.engine) as s:
        return list(s.exec(select(Message.body).where(Message.patient_id == patient_id,
                                                      Message.direction == Direction.OUTBOUND).order_by(Message.id)))


def test_a_saved_touch_template_is_what_the_next_touch_sends_and_reset_restores_the_file(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    r = admin.post(URL, data={"csrf_token": csrf, "source": OURS}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/clinic/messages?done=template_saved"
    assert templates_of(env) == {CHECKIN: OURS} and templates_of(env, "b") == {}
    listing = admin.get("/console/clinic/messages").text
    assert f'data-template="{CHECKIN}"' in listing and "data-custom" in listing

    pid = env.patient()  # its results check-in goes out now
    assert outbound(env, pid)[-1] == "Hi Maya, Glow Aesthetics here! Two weeks on, how do you like how things look?"
    other = env.patient("b")  # another clinic keeps the default wording
    assert outbound(env, other)[-1].startswith("Hi Maya, it's Luma Skin! It's been about")

    r = admin.post(URL + "/reset", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.headers["location"] == "/console/clinic/messages?done=template_reset" and templates_of(env) == {}
    again = env.patient()
    assert outbound(env, again)[-1].startswith("Hi Maya, it's Glow Aesthetics! It's been about")
    actions = [(e.action, e.data) for e in env.audit() if e.action.startswith("clinic.template")]
    assert actions == [("clinic.template_saved", {"template": CHECKIN}), ("clinic.template_reset", {"template": CHECKIN})]


def test_a_saved_reply_template_is_used_in_a_turn(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    default = env.says(env.patient(), "ok thanks").replies[-1].body  # the neutral reply, in the file's wording
    ours = "Thanks {{ first_name }}, noted! We're here whenever you need us."
    assert admin.post("/console/clinic/messages/replies/neutral", data={"csrf_token": csrf, "source": ours},
                      follow_redirects=False).status_code == 303
    reply = env.says(env.patient(), "ok thanks").replies[-1]
    assert reply.body == "Thanks Maya, noted! We're here whenever you need us." != default
    assert reply.message_id is not None  # it went through the guard chain and out


def test_a_spanish_translation_is_overridden_on_its_own(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    ours = "Gracias {{ first_name }}, anotado. Aqui estamos si nos necesita."
    assert admin.post("/console/clinic/messages/replies/es/neutral", data={"csrf_token": csrf, "source": ours},
                      follow_redirects=False).status_code == 303
    assert env.says(env.patient(), "ok gracias").replies[-1].body == "Gracias Maya, anotado. Aqui estamos si nos necesita."
    english = env.says(env.patient(), "ok thanks").replies[-1].body
    assert english.startswith("Thanks, Maya.")  # the English file's wording: only the Spanish one was changed


@pytest.mark.parametrize("source, says", [
    ("Hi {{ first_name }}, how is your Botox settling in?", "names protected health information"),
    ("Hi {{ first_name }}! Would you leave us a review at {{ review_link }}? And if a friend has been curious, "
     "send them our way or reply with their name.", "this message is not given review_link"),
    ("Hi {{ first_name }}, how are things? {{ patient_phone }}", "not given patient_phone"),
    ("Hi {{ first_name }", "template syntax"),
    ("Hi {{ first_name }} \u2728 how are your results?", "outside GSM-7"),
    ("Hi {{ first_name }}! " + "We really hope everything is wonderful. " * 12, "segments; the budget is 2"),
    ("   ", "the template is empty"),
    # Typed in a browser, run on the server: sandboxed, and no reaching other templates.
    ("Hi {{ first_name.__class__.__mro__ }}", "is unsafe"),
    ('{% include "system/agent.j2" %}', "cannot include, import or extend"),
    ("Hi {{ first_name }}, {{ 1 / 0 }}", "does not render: ZeroDivisionError"),
])
def test_a_bad_template_is_refused_on_the_form_and_nothing_is_saved(env, as_user, source, says):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    r = admin.post(URL, data={"csrf_token": csrf, "source": source})
    assert r.status_code == 422 and "data-template-errors" in r.text and says in r.text
    assert str(escape(source.strip()[:20])) in r.text  # what was typed stays on the form
    assert templates_of(env) == {} and env.audit("clinic.template_saved") == []


def test_two_asks_in_one_template_are_refused(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    two = ("Hi {{ first_name }}, would you share a quick review of your visit? {{ review_link }} And if a friend "
           "ever asks, send them our way or reply with their name.")
    r = admin.post("/console/clinic/messages/touches/review_ask", data={"csrf_token": csrf, "source": two})
    assert r.status_code == 422 and "different asks" in r.text and templates_of(env) == {}


def test_preview_renders_for_a_sample_patient_with_segments_and_verdicts_and_saves_nothing(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    r = admin.post(URL + "/preview", data={"csrf_token": csrf, "source": OURS})
    assert r.status_code == 200 and "data-template-errors" not in r.text
    assert "Hi Maria, Glow Aesthetics here! Two weeks on" in r.text and "data-preview-segments>1 segment<" in r.text
    assert 'data-verdict="phi" data-tripped="false"' in r.text and 'data-verdict="one_ask"' in r.text
    bad = admin.post(URL + "/preview", data={"csrf_token": csrf, "source": "Hi {{ first_name }}, how is your filler?"})
    assert bad.status_code == 200 and 'data-verdict="phi" data-tripped="true"' in bad.text
    assert templates_of(env) == {} and env.audit("clinic.template_saved") == []


def test_the_editor_shows_the_default_and_unknown_names_are_404(env, as_user):  # noqa: ANN001
    admin, _ = as_user("admin@a")
    page = admin.get("/console/clinic/messages/touches/es/nudge")
    assert page.status_code == 200 and "data-default" in page.text and "{{ first_name }}" in page.text
    assert admin.get("/console/clinic/messages/system/agent").status_code == 404  # not a reply or touch
    assert admin.get("/console/clinic/messages/replies/../system/agent").status_code == 404


def test_saved_timing_schedules_new_visits_and_reset_restores_the_file(env, as_user):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    fields = {"neuromodulator.results_checkin.day": "10", "neuromodulator.results_checkin.hour": "9",
              "neuromodulator.clinical_checkin.day": "1", "review.delay_days": ""}  # day 1 is the default already
    r = admin.post("/console/clinic/timing", data={"csrf_token": csrf, **fields}, follow_redirects=False)
    assert r.headers["location"] == "/console/clinic/messages?done=timing_saved"
    assert timing_of(env) == {"neuromodulator.results_checkin.day": 10, "neuromodulator.results_checkin.hour": 9}
    assert env.audit("clinic.timing_saved")[-1].data == {"fields": ["neuromodulator.results_checkin.day",
                                                                    "neuromodulator.results_checkin.hour"]}

    def schedule(clinic: str) -> tuple[Touch, datetime]:
        with session_scope(env.engine) as s:
            owner = s.get(Clinic, env.clinics[clinic])
            _, visit = add_patient_with_visit(s, owner, env.clock.now(), first_name="Ivy",
                                              phone=f"+1415555{7000 + env.clinics[clinic]:04d}",
                                              visit_type=VisitType.NEUROMODULATOR, days_ago=0)
            touches = {t.name: t for t in schedule_visit(s, visit, env.agent.policies)}
            s.expunge_all()
            return touches["results_checkin"], visit.occurred_at

    touch, occurred = schedule("a")
    local = touch.due_at.astimezone(ZoneInfo("America/Los_Angeles"))
    assert (local.date() - occurred.astimezone(local.tzinfo).date()).days == 10 and local.hour == 9
    default, _ = schedule("b")  # the other clinic keeps timing.yaml's day 14 at 11:00
    assert default.due_at - touch.due_at == timedelta(days=4, hours=2)

    admin.post("/console/clinic/timing/reset", data={"csrf_token": csrf})
    assert timing_of(env) == {} and env.audit("clinic.timing_reset")


@pytest.mark.parametrize("field, value, says", [
    ("neuromodulator.results_checkin.hour", "24", "neuromodulator.results_checkin.hour: Input should be less"),
    ("review.delay_days", "0", "review.delay_days: Input should be greater"),
    ("stale_after_hours", "soon", "stale_after_hours: a whole number is needed"),
])
def test_bad_timing_is_refused_on_the_form_and_nothing_is_saved(env, as_user, field, value, says):  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    r = admin.post("/console/clinic/timing", data={"csrf_token": csrf, field: value})
    assert r.status_code == 422 and "data-timing-error" in r.text and says in r.text
    assert f'value="{value}"' in r.text  # as typed
    assert timing_of(env) == {} and env.audit("clinic.timing_saved") == []


@pytest.mark.parametrize("role", ["manager", "front_desk", "clinical"])
def test_only_admins_see_or_change_messages_and_timing(env, as_user, role):  # noqa: ANN001
    user, csrf = as_user(f"{role}@a")
    assert user.get("/console/clinic/messages").status_code == 403
    assert user.get(URL).status_code == 403
    assert user.post(URL, data={"csrf_token": csrf, "source": OURS}).status_code == 403
    assert user.post(URL + "/preview", data={"csrf_token": csrf, "source": OURS}).status_code == 403
    assert user.post("/console/clinic/timing", data={"csrf_token": csrf, "review.delay_days": "5"}).status_code == 403
    assert templates_of(env) == {} and timing_of(env) == {}


def test_every_change_needs_the_csrf_token(env, as_user):  # noqa: ANN001
    admin, _ = as_user("admin@a")
    assert admin.post(URL, data={"source": OURS}).status_code == 403
    assert admin.post(URL, data={"csrf_token": "forged", "source": OURS}).status_code == 403
    assert admin.post("/console/clinic/timing", data={"review.delay_days": "5"}).status_code == 403
    assert admin.post(URL + "/reset", data={}).status_code == 403
    assert templates_of(env) == {} and timing_of(env) == {}


def test_every_shipped_template_passes_its_own_checks(env):  # noqa: ANN001
    """The defaults meet the rules a clinic's wording must meet, so a clinic can always save a default back."""
    from agent.staff.clinic_messages import check_template

    with Session(env.engine) as s:
        clinic = s.get(Clinic, env.clinics["a"])
        prompts = env.agent.prompts
        for name in prompts.editable():
            check = check_template(prompts, env.agent.policies, clinic, name, prompts.source(name), env.clock.now())
            assert check.ok, (name, check.errors)
