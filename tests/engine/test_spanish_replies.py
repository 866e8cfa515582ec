"""A patient who writes in Spanish is answered in Spanish, through the whole turn loop on the offline
brain; an English patient still gets English; the Spanish templates pass the guard chain on their own."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from jinja2 import meta

from agent.engine.situation import load_situation
from agent.engine.touches import send_touch
from agent.guards import AskFacts, GuardContext, count_segments, detect_asks, run_guards, tripped
from agent.policy.loader import default_policies
from agent.policy.schema import ClinicSettings
from agent.prompts import PromptLibrary
from agent.store.db import session_scope
from agent.store.models import Patient
from agent.types import AskKind, Intent, MessageKind, VisitType
from tests.engine.helpers import outbound, patient
from tests.replies import reply_text

LIB = PromptLibrary()
POLICIES = default_policies()
REPLIES = Path(LIB.root) / "replies"
NAMES = sorted(p.stem for p in REPLIES.glob("*.j2"))
PHONE = "(415) 555-0100"
CLINIC = "Glow Aesthetics"
REVIEW_LINK = "https://g.page/r/glow-aesthetics-demo/review"


def spanish(name: str, *, first_name: str = "Maya", referral_name: str | None = None) -> set[str]:
    """Every phrasing of a Spanish reply template for this patient (all variants)."""
    return {LIB.render_sms(f"replies/{name}", language="es", first_name=first_name, clinic_name=CLINIC,
                           clinic_phone=PHONE, sender=CLINIC, variant=v, referral_name=referral_name,
                           help_text=ClinicSettings().help_text) for v in range(4)}


def sent_body(result) -> str:  # noqa: ANN001
    assert len(result.sent) == 1, result.replies
    return result.sent[0].body


# ------------------------------------------------------------------------------ through the engine


def test_spanish_positive_gets_a_spanish_reply(agent, make_patient):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "Estoy muy contenta con los resultados, gracias")
    assert result.intents[0].intent == Intent.POSITIVE
    # Clearly happy after a referral-eligible check-in: the Spanish ask, detected as one like the English.
    assert sent_body(result) == reply_text("positive_ask", language="es", variant=0)  # the first phrasing
    assert result.sent[0].asks == ["referral"]


def test_spanish_concern_gets_a_spanish_reply_and_a_clinical_handoff(agent, make_patient):
    pid = make_patient(visit_type=VisitType.DERMAL_FILLER, treatment="Juvederm lips", days_ago=2)
    send_touch(agent, pid, "clinical_checkin")
    result = agent.handle_inbound(pid, "¿Es normal que esté hinchado todavía?")
    assert result.intents[0].intent == Intent.CONCERN
    assert result.handoffs[0]["queue"] == "clinical"
    assert sent_body(result) in spanish("concern")


def test_spanish_booking_gets_a_spanish_reply(agent, make_patient):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "quiero agendar otra cita")
    assert result.intents[0].intent == Intent.BOOKING
    assert result.handoffs[0]["queue"] == "front_desk"
    assert sent_body(result) in spanish("booking") and result.sent[0].asks == []


@pytest.mark.parametrize("text", [
    "Mi hermana Dana keeps asking where I go, quiere ir con ustedes",  # Spanglish, Spanish grammar
    "Mi hermana quiere venir, le encantó como me quedó",  # needs the Spanish reading of referrals
])
def test_spanish_referral_gets_a_spanish_reply(agent, make_patient, text):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, text)
    assert result.intents[0].intent == Intent.REFERRAL
    named = result.referrals[0] if result.referrals else None
    assert sent_body(result) in spanish("referral", referral_name=named)
    assert result.sent[0].asks == []


@pytest.mark.parametrize("text", ["ya no me manden mensajes", "BAJA"])
def test_spanish_opt_out_is_confirmed_in_spanish(agent, make_patient, db, text):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, text)
    assert result.intents[0].intent == Intent.OPT_OUT and patient(db, pid).opted_out
    body = sent_body(result)
    assert body in spanish("opt_out") and "START" in body
    assert outbound(db, pid)[-1].kind == MessageKind.CONFIRMATION
    assert agent.handle_inbound(pid, "hola?").sent == []  # then silence, in any language


def test_spanish_red_flag_gets_the_spanish_safety_text(agent, make_patient):
    pid = make_patient(visit_type=VisitType.DERMAL_FILLER, treatment="Juvederm lips", days_ago=1)
    send_touch(agent, pid, "clinical_checkin")
    result = agent.handle_inbound(pid, "tengo mucho dolor y se puso morado")
    assert result.intents[0].intent == Intent.URGENT
    assert result.handoffs[0]["priority"] == "urgent"
    body = sent_body(result)
    assert body in spanish("urgent") and "911" in body and PHONE in body


def test_spanish_red_flag_while_a_person_owns_the_thread_gets_the_spanish_safety_text(agent, make_patient):
    """The escalation path outside the brain (_deliver_template) answers in the patient's language too."""
    pid = make_patient(visit_type=VisitType.DERMAL_FILLER, treatment="Juvederm lips", days_ago=1)
    send_touch(agent, pid, "clinical_checkin")
    agent.handle_inbound(pid, "quiero agendar otra cita")  # hands the thread to the front desk
    result = agent.handle_inbound(pid, "tengo mucho dolor y se puso morado")
    assert any(h["priority"] == "urgent" for h in result.handoffs)
    assert sent_body(result) in spanish("urgent")


def test_english_patient_still_gets_english(agent, make_patient, db):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    happy = agent.handle_inbound(pid, "Honestly loving it!")
    assert sent_body(happy) == reply_text("positive_ask", variant=0)  # the English template, first phrasing
    stop = agent.handle_inbound(pid, "STOP")
    assert sent_body(stop) == reply_text("opt_out")


def test_ok_after_spanish_stays_spanish(agent, make_patient):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    help_reply = agent.handle_inbound(pid, "AYUDA")
    assert sent_body(help_reply) in spanish("help") and "STOP" in sent_body(help_reply)
    result = agent.handle_inbound(pid, "ok")  # our help text asked "¿Dudas?", so "ok" is answered
    assert result.intents[0].intent == Intent.NEUTRAL
    assert sent_body(result) in spanish("neutral")


def test_texts_without_evidence_keep_the_conversation_spanish(agent, make_patient, db, clock):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "Gracias!")
    assert sent_body(agent.handle_inbound(pid, "INFO")) in spanish("help")
    with session_scope(db) as session:
        sit = load_situation(session, session.get(Patient, pid), clock.now())
        for text in ("ok", "👍", "STOP", ""):
            assert sit.brain_context(text, POLICIES, frozenset()).language == "es", text
        assert sit.brain_context("Thanks so much!", POLICIES, frozenset()).language == "en"
    stop = agent.handle_inbound(pid, "STOP")
    assert sent_body(stop) in spanish("opt_out")


def test_the_latest_text_decides_the_language(agent, make_patient):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    assert sent_body(agent.handle_inbound(pid, "Gracias!")) in spanish("neutral")
    result = agent.handle_inbound(pid, "Can I book my next appointment?")
    assert sent_body(result) == LIB.render_sms("replies/booking", first_name="Maya")


def test_english_conversation_is_untouched_by_a_spanish_stranger(agent, make_patient, db):
    """Language lives in each conversation: one patient's Spanish never changes another's replies."""
    es, en = make_patient(), make_patient(first_name="Jo")
    for pid in (es, en):
        send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(es, "Gracias!")
    assert sent_body(agent.handle_inbound(en, "INFO")) == reply_text("help", first_name="Jo")
    assert [m.body for m in outbound(db, en)][-1] == reply_text("help", first_name="Jo")


# ------------------------------------------------------------------------------ the templates themselves


def _variables(name: str) -> set[str]:
    source = LIB.env.loader.get_source(LIB.env, f"{name}.j2")[0]
    return set(meta.find_undeclared_variables(LIB.env.parse(source)))


def test_every_reply_template_has_a_spanish_translation():
    assert len(NAMES) >= 16
    for name in NAMES:
        assert LIB.localized(f"replies/{name}", "es") == f"replies/es/{name}", name


def test_spanish_templates_need_no_variable_the_english_ones_do_not():
    for name in NAMES:
        assert _variables(f"replies/es/{name}") <= _variables(f"replies/{name}"), name


def test_a_missing_translation_falls_back_to_english():
    assert LIB.localized("alerts/urgent", "es") == "alerts/urgent"
    assert LIB.localized("touches/results_checkin", "es") == "touches/es/results_checkin"
    assert LIB.localized("replies/positive", "fr") == "replies/positive"
    assert LIB.localized("replies/positive", "../x") == "replies/positive"
    assert LIB.localized("replies/positive", "en") == "replies/positive"


def _guard_context(settings: ClinicSettings) -> GuardContext:
    facts = AskFacts(now=datetime(2026, 3, 10, 18, 0), positive_reply_seen=True, referral_eligible_touch=True,
                     marketing_consent=True)
    return GuardContext(policies=POLICIES, settings=settings, facts=facts, patient_terms=("Juvederm lips",),
                        review_link=REVIEW_LINK, exempt_phrases=(CLINIC, "Maya"))


@pytest.mark.parametrize("name", NAMES)
def test_spanish_template_passes_the_guard_chain(name: str) -> None:
    """Rendered under StrictUndefined with the English variables only; no PHI, one GSM-7 segment
    wherever the English is one, and an ask only in positive_ask."""
    one_segment = _guard_context(ClinicSettings(segment_budget=1))
    for variant in range(4):
        for referral_name in (None, "Jane"):
            values = {"first_name": "Maya", "clinic_name": CLINIC, "clinic_phone": PHONE, "sender": CLINIC,
                      "variant": variant, "referral_name": referral_name, "help_text": ClinicSettings().help_text}
            english = LIB.render_sms(f"replies/{name}", **values)
            text = LIB.render_sms(f"replies/{name}", language="es", **values)
            assert text != english
            info = count_segments(text)
            assert info.encoding == "GSM-7", text  # no á í ó ú: an accent would make it UCS-2
            assert info.segments <= count_segments(english).segments == 1, text
            assert tripped(run_guards(text, one_segment)) == [], text
            kinds = detect_asks(text, POLICIES.asks, REVIEW_LINK)
            if f"replies/{name}" == POLICIES.intents.positive_ask_reply:
                assert kinds == [AskKind.REFERRAL], text
            else:
                assert kinds == [], text


def test_spanish_safety_and_carrier_texts_keep_what_they_must():
    for text in spanish("urgent") | spanish("urgent", first_name=""):
        assert "911" in text and PHONE in text
    for text in spanish("opt_out"):
        assert text.startswith(CLINIC) and "START" in text
    for name in ("opt_in", "help"):
        for text in spanish(name):
            assert text.startswith(CLINIC) and "STOP" in text and "tarifas de msj y datos" in text
            assert "Frecuencia" in text
    assert all(PHONE in text for text in spanish("help"))


TOUCHES = sorted(p.stem for p in (Path(LIB.root) / "touches").glob("*.j2"))


@pytest.mark.parametrize("name", TOUCHES)
def test_every_touch_has_a_spanish_text_that_passes_the_guards_in_gsm7(name: str) -> None:
    from agent.engine.touches import weeks_phrase, when_phrase

    assert LIB.localized(f"touches/{name}", "es") == f"touches/es/{name}"
    one_segment = _guard_context(ClinicSettings(segment_budget=1))
    for days in (0, 1, 3, 8, 14, 30, None):
        values = {"first_name": "Maya", "clinic_name": CLINIC, "clinic_phone": PHONE, "sender": CLINIC,
                  "variant": 0, "referral_name": None, "review_link": REVIEW_LINK}
        english = LIB.render_sms(f"touches/{name}", when=when_phrase(days), when_weeks=weeks_phrase(days), **values)
        text = LIB.render_sms(f"touches/{name}", language="es", when=when_phrase(days, "es"),
                              when_weeks=weeks_phrase(days, "es"), **values)
        assert text != english and count_segments(text).encoding == "GSM-7", text
        assert count_segments(text).segments <= max(1, count_segments(english).segments), text
        assert "phi" not in {v.policy.value for v in tripped(run_guards(text, one_segment))}, text


def test_a_patient_who_wrote_in_spanish_is_checked_in_on_in_spanish_next_time(agent, make_patient, db):
    from agent.engine.touches import send_touch

    pid = make_patient()
    first = send_touch(agent, pid, "results_checkin")
    assert first.sent[0].body.startswith("Hi Maya")  # nothing known yet: English
    agent.handle_inbound(pid, "me encantó, gracias por preguntar")
    later = send_touch(agent, pid, "results_checkin")  # a new thread, with no text of hers in it
    assert later.sent[0].body.startswith("¡Hola Maya") and "resultados" in later.sent[0].body
