"""The reader in the words patients use, end to end through the engine, and failing safe when unsure:
red flags and opt-outs in paraphrase, Spanish and slang; a maybe-opt-out or a held reply pauses every
scheduled text; names given while a person owns the thread are recorded on that handoff."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from agent.brains.offline import classify as classify_module
from agent.brains.offline import safety as safety_module
from agent.engine.touches import send_touch
from agent.outreach.scheduler import run_due, schedule_visit
from agent.store.db import session_scope
from agent.store.models import Touch, Visit
from agent.types import Intent, MessageKind, Mode, Priority, Queue, TouchStatus, VisitType
from tests.engine.helpers import Draft, Handoff, Referral, conversation, outbound, patient, rows

PARAPHRASED_RED_FLAGS = [
    "everything looks kinda hazy out of my left eye since lunch",
    "theres a pinkish streak spreading toward my ear from the injection spot and I feel hot",
    "tengo la vista borrosa desde ayer",
    "love the lips!! tho my upper lip looks kinda grey and blotchy in one spot",
]


@pytest.mark.parametrize("text", PARAPHRASED_RED_FLAGS)
def test_paraphrased_red_flags_escalate_at_once(agent, make_patient, db, text):
    pid = make_patient(visit_type=VisitType.DERMAL_FILLER, days_ago=2)
    send_touch(agent, pid, "clinical_checkin")
    result = agent.handle_inbound(pid, text)
    assert result.intents[0].intent == Intent.URGENT
    assert {"queue": "clinical", "priority": "urgent"} in [{k: h[k] for k in ("queue", "priority")}
                                                           for h in result.handoffs]
    assert len(result.sent) == 1 and "911" in result.sent[0].body


def test_a_spanish_red_flag_gets_the_spanish_safety_text(agent, make_patient):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "tengo la vista borrosa desde ayer")
    assert "911" in result.sent[0].body and "llame" in result.sent[0].body.lower()


@pytest.mark.parametrize("text", ["ok im over these texts", "remove me pls", "ya no me manden mensajes porfa"])
def test_plain_language_opt_outs_stop_everything(agent, make_patient, db, text):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, text)
    assert Intent.OPT_OUT in [s.intent for s in result.intents]
    assert patient(db, pid).opted_out
    assert len(result.sent) == 1 and outbound(db, pid)[-1].kind == MessageKind.CONFIRMATION
    assert send_touch(agent, pid, "results_checkin").sent == []


def _scheduled(agent, db, clock):  # noqa: ANN001, ANN202
    """A filler patient whose day-1 check-in went out at 10:00; the day-14 check-in is still pending."""
    from agent.demo import add_patient_with_visit, ensure_demo_clinic

    with session_scope(db) as s:
        clinic = ensure_demo_clinic(s, clock.now())
        p, visit = add_patient_with_visit(s, clinic, clock.now(), first_name="Maya", phone="+14155554100",
                                          visit_type=VisitType.DERMAL_FILLER, days_ago=0)
        schedule_visit(s, visit, agent.policies)
        pid = p.id
    for _ in range(30):
        clock.advance(timedelta(hours=1))
        run_due(agent)
    return pid


def _results_touch(db, pid: int) -> Touch:  # noqa: ANN001
    with Session(db) as s:
        return s.exec(select(Touch).join(Visit).where(Visit.patient_id == pid, Touch.name == "results_checkin")).one()


def _run_days(agent, clock, days: int) -> None:  # noqa: ANN001
    for _ in range(days * 24):
        clock.advance(timedelta(hours=1))
        run_due(agent)


def test_a_maybe_opt_out_is_held_and_pauses_every_scheduled_text(agent, db, clock, monkeypatch):
    pid = _scheduled(agent, db, clock)
    real = classify_module._classify

    def unsure(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - the reader is unsure whether this revokes
        return replace(real(*args, **kwargs), possible_opt_out=True)

    monkeypatch.setattr(classify_module, "_classify", unsure)
    classify_module._RECENT.clear()
    result = agent.handle_inbound(pid, "thanks, all good")
    assert result.sent == []
    assert [r.disposition.value for r in result.replies] == ["hold"]
    assert not patient(db, pid).opted_out
    handoffs = rows(db, Handoff, patient_id=pid)
    assert [(h.queue, h.reason) for h in handoffs] == [(Queue.FRONT_DESK, "possible opt-out: staff decide before "
                                                                        "we text again")]
    monkeypatch.setattr(classify_module, "_classify", real)
    _run_days(agent, clock, 14)
    touch = _results_touch(db, pid)
    assert touch.status == TouchStatus.PENDING and "a person owns the thread" in touch.reason


def test_any_held_reply_pauses_scheduled_texts_until_staff_decide(agent, db, clock):
    from agent.engine.drafts import reject

    pid = _scheduled(agent, db, clock)
    result = agent.handle_inbound(pid, "zxqv blorp")
    assert [r.disposition.value for r in result.replies] == ["hold"] and rows(db, Handoff, patient_id=pid) == []
    _run_days(agent, clock, 14)
    touch = _results_touch(db, pid)
    assert touch.status == TouchStatus.PENDING and "a reply waits for staff" in touch.reason
    with session_scope(db) as s:
        draft = s.exec(select(Draft)).one()
        reject(s, draft, staff_id=1, now=clock.now())
    _run_days(agent, clock, 1)
    assert _results_touch(db, pid).status == TouchStatus.SENT


def test_names_given_while_a_person_owns_the_thread_are_recorded_on_that_handoff(agent, make_patient, db):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    first = agent.handle_inbound(pid, "can I book my next one for early May?")
    assert first.handoffs and conversation(db, first.conversation_id).mode == Mode.HUMAN
    result = agent.handle_inbound(pid, "oh and tell Jordan about you guys, he wants the same. mi hermana Lucia "
                                       "tambien quiere venir, su numero es 415 555 0177")
    assert result.sent == []
    referrals = rows(db, Referral, referrer_id=pid)
    assert {r.name for r in referrals} == {"Jordan", "Lucia"}
    handoff = rows(db, Handoff, patient_id=pid)[0]
    assert {r.handoff_id for r in referrals} == {handoff.id} and len(rows(db, Handoff, patient_id=pid)) == 1
    assert "Jordan" in handoff.summary and "Lucia" in handoff.summary
    assert next(r for r in referrals if r.name == "Lucia").phone == "+14155550177"


def test_a_number_sent_after_a_name_is_recorded_on_that_referral(agent, make_patient, db):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "obsessed with how natural it looks, thank u guys!!")
    named = agent.handle_inbound(pid, "yess my friend kim has been asking lol")
    assert named.referrals == ["Kim"] and conversation(db, named.conversation_id).mode == Mode.HUMAN
    followed = agent.handle_inbound(pid, "her # is 415 555 0199")
    assert followed.sent == [] and followed.referrals == []
    [referral] = rows(db, Referral, referrer_id=pid)
    assert (referral.name, referral.phone) == ("Kim", "+14155550199")
    assert "Phone added for Kim" in rows(db, Handoff, patient_id=pid)[0].summary
    # A later number for nobody waiting is left on the thread for staff; Kim's is not overwritten.
    agent.handle_inbound(pid, "oh and her work # is 415 555 0123")
    assert rows(db, Referral, referrer_id=pid)[0].phone == "+14155550199"


@pytest.mark.parametrize(("happy", "names", "named"), [
    ("super bien todo, gracias!!", "si! mi cuñada Marisol y mi vecina Carmen", "Marisol y Carmen"),
    ("honestly loving it!", "yes! my sister Dana, my coworker Kim and my neighbor Lori", "Dana, Kim and Lori"),
])
def test_the_thank_you_names_everyone_introduced(agent, make_patient, db, happy, names, named):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, happy)
    result = agent.handle_inbound(pid, names)
    assert sorted(result.referrals) == sorted(named.replace(" y ", ", ").replace(" and ", ", ").split(", "))
    assert named in result.sent[0].body


def test_a_plain_language_opt_out_while_a_person_owns_the_thread_is_honoured(agent, make_patient, db):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "can I book my next one for early May?")
    result = agent.handle_inbound(pid, "actually remove me pls, no more texts")
    assert patient(db, pid).opted_out
    assert len(result.sent) == 1 and outbound(db, pid)[-1].kind == MessageKind.CONFIRMATION


@pytest.mark.parametrize("text", [
    "can't say I'm thrilled but it's ok",
    "oh wow great, paid all that to look exactly the same 🙄",
    "love it but theres still a little bruise on my cheek",
    "me encantó el resultado pero no voy a recomendar a nadie",
])
def test_no_referral_ask_without_real_happiness(agent, make_patient, text):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, text)
    assert all("referral" not in r.asks for r in result.replies)


def test_praise_in_slang_earns_the_ask(agent, make_patient):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "this is fire 🔥 lowkey obsessed w how it turned out")
    assert result.intents[0].intent == Intent.POSITIVE
    assert [r.asks for r in result.sent] == [["referral"]]


def test_an_unsure_text_about_the_body_goes_to_the_clinical_queue(agent, make_patient, db, monkeypatch):
    from agent.nlu.reader import Reading

    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    unsure = Reading({i: 1 / len(Intent) for i in Intent})  # the model has no idea
    clueless = type("Clueless", (), {"read": lambda self, text: unsure})()
    monkeypatch.setattr(classify_module, "reader_for_policies", lambda _p: clueless)
    monkeypatch.setattr(safety_module, "reader_for_policies", lambda _p: clueless)
    classify_module._RECENT.clear()
    safety_module._RECENT.clear()
    result = agent.handle_inbound(pid, "so my forehead is doing a thing when i raise my brows, idk")
    assert result.intents[0].intent == Intent.CONCERN
    assert [(h["queue"], h["priority"]) for h in result.handoffs] == [("clinical", Priority.NORMAL.value)]
