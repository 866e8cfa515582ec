"""Every intent's behaviour through the whole turn loop on the offline brain."""
from __future__ import annotations

from datetime import timedelta

from agent.engine.touches import send_touch
from agent.types import Disposition, DraftStatus, HandoffStatus, Intent, Mode, Priority, Queue, Stage, VisitType
from tests.engine.helpers import Draft, Handoff, Referral, conversation, inbound, outbound, patient, rows


def deciding(result) -> Intent:  # noqa: ANN001
    return result.intents[0].intent


def test_happy_path_checkin_positive_ask_then_referral_hands_off(agent, make_patient, db):
    pid = make_patient(first_name="Maya")
    touch = send_touch(agent, pid, "results_checkin")
    assert touch.sent and touch.sent[0].asks == []
    assert "Maya" in touch.sent[0].body

    happy = agent.handle_inbound(pid, "Honestly loving it!")
    assert deciding(happy) == Intent.POSITIVE
    assert happy.sent[0].asks == ["referral"]
    assert conversation(db, happy.conversation_id).stage == Stage.ASKED

    named = agent.handle_inbound(pid, "My sister Dana keeps asking where I go")
    assert deciding(named) == Intent.REFERRAL
    assert named.referrals == ["Dana"]
    assert named.handoffs[0]["queue"] == "front_desk"
    assert "Dana" in named.sent[0].body and named.sent[0].asks == []
    referral = rows(db, Referral)[0]
    assert (referral.name, referral.relationship) == ("Dana", "sister")
    handoff = rows(db, Handoff)[0]
    assert handoff.context["visit_type"] == "neuromodulator" and handoff.context["days_since_visit"] == 14
    assert conversation(db, named.conversation_id).mode == Mode.HUMAN


def test_human_mode_stays_silent_and_attaches_to_the_handoff(agent, make_patient, db):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    first = agent.handle_inbound(pid, "Can I book my next appointment?")
    assert deciding(first) == Intent.BOOKING and len(first.sent) == 1  # the one acknowledgement
    later = agent.handle_inbound(pid, "Tuesday afternoon works best")
    assert later.replies == [] and later.intents
    handoff = rows(db, Handoff)[0]
    assert inbound(db, pid)[-1].handoff_id == handoff.id
    assert len(outbound(db, pid)) == 2  # touch + acknowledgement, nothing else


def test_day_one_checkin_never_carries_a_referral_ask(agent, make_patient):
    pid = make_patient(days_ago=1)
    send_touch(agent, pid, "clinical_checkin")
    result = agent.handle_inbound(pid, "Feeling great, love it!")
    assert deciding(result) == Intent.POSITIVE
    assert result.sent and result.sent[0].asks == []


def test_no_marketing_consent_means_no_referral_ask(agent, make_patient):
    pid = make_patient(marketing_consent=False)
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "I'm obsessed, it looks amazing")
    assert result.sent and result.sent[0].asks == []


def test_lukewarm_reply_gets_no_ask(agent, make_patient):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "it's fine i guess")
    assert all(r.asks == [] for r in result.replies)


def test_decline_is_respected_for_good(agent, make_patient, db, clock):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "Loving it!")
    declined = agent.handle_inbound(pid, "no thanks, I'd rather not")
    assert deciding(declined) == Intent.DECLINE
    assert any(t["name"] == "record_decline" for t in declined.tools)
    assert patient(db, pid).referral_declined_at is not None
    clock.advance(timedelta(days=200))
    send_touch(agent, pid, "results_checkin")
    again = agent.handle_inbound(pid, "Still loving it!")
    assert deciding(again) == Intent.POSITIVE and again.sent[0].asks == []


def test_red_flag_inside_happy_message_escalates_at_once(agent, make_patient, db):
    pid = make_patient(visit_type=VisitType.DERMAL_FILLER, days_ago=1, treatment="Juvederm lips")
    send_touch(agent, pid, "clinical_checkin")
    result = agent.handle_inbound(pid, "love it but the skin went white near the top")
    assert deciding(result) == Intent.URGENT
    assert {"queue": "clinical", "priority": "urgent"}.items() <= result.handoffs[0].items()
    body = result.sent[0].body
    assert "(415) 555-0100" in body and "911" in body
    assert conversation(db, result.conversation_id).mode == Mode.HUMAN


def test_red_flag_while_a_human_owns_the_thread_still_escalates(agent, make_patient, db):
    pid = make_patient(visit_type=VisitType.DERMAL_FILLER, days_ago=2)
    send_touch(agent, pid, "clinical_checkin")
    agent.handle_inbound(pid, "can I reschedule my follow up?")
    result = agent.handle_inbound(pid, "also I have trouble breathing")
    assert deciding(result) == Intent.URGENT
    assert result.sent and "911" in result.sent[0].body
    queues = {(h.queue, h.priority) for h in rows(db, Handoff)}
    assert (Queue.CLINICAL, Priority.URGENT) in queues and (Queue.FRONT_DESK, Priority.NORMAL) in queues


def test_concern_goes_to_the_clinical_team_without_reassurance(agent, make_patient, db):
    pid = make_patient(visit_type=VisitType.DERMAL_FILLER, days_ago=1)
    send_touch(agent, pid, "clinical_checkin")
    result = agent.handle_inbound(pid, "still a bit swollen, is that normal?")
    assert deciding(result) == Intent.CONCERN
    assert result.handoffs[0]["queue"] == "clinical" and result.handoffs[0]["priority"] == "normal"
    assert "normal" not in result.sent[0].body.lower()


def test_unhappy_goes_to_the_manager(agent, make_patient):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "honestly not happy with it, not worth the money")
    assert deciding(result) == Intent.UNHAPPY
    assert result.handoffs[0]["queue"] == "manager"
    assert result.sent[0].asks == []


def test_front_desk_intents(agent, make_patient):
    for text, intent in [("Can I book my next one for March?", Intent.BOOKING),
                         ("do you guys do anything for dark spots? how much?", Intent.SERVICE_INTEREST),
                         ("what time do you close on saturday?", Intent.QUESTION)]:
        pid = make_patient()
        send_touch(agent, pid, "results_checkin")
        result = agent.handle_inbound(pid, text)
        assert deciding(result) == intent, text
        assert result.handoffs and result.handoffs[0]["queue"] == "front_desk", text
        assert result.sent and result.sent[0].asks == [], text


def test_referral_without_a_name_still_reaches_the_front_desk(agent, make_patient, db):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "Love it! My mom wants to come in too")
    assert deciding(result) == Intent.REFERRAL
    assert Intent.POSITIVE in [s.intent for s in result.intents]
    assert result.handoffs[0]["queue"] == "front_desk" and result.referrals == []
    assert rows(db, Handoff)[0].context["visit_type"] == "neuromodulator"


def test_unsure_is_held_for_staff(agent, make_patient, db):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "purple monkey dishwasher")
    assert deciding(result) == Intent.OTHER
    assert result.replies[0].disposition == Disposition.HOLD
    draft = rows(db, Draft)[0]
    assert draft.status == DraftStatus.PENDING and draft.reasons
    assert len(outbound(db, pid)) == 1  # only the touch went out


def test_neutral_ack_after_our_acknowledgement_is_silent(agent, make_patient):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "Love it!")  # reply asks for a referral, ends in a statement
    result = agent.handle_inbound(pid, "ok")
    assert deciding(result) == Intent.NEUTRAL
    assert result.sent == []


def test_wrong_number_answers_once_then_silence(agent, make_patient, db):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    first = agent.handle_inbound(pid, "wrong number, I don't know any Maya")
    assert deciding(first) == Intent.WRONG_NUMBER and len(first.sent) == 1
    assert patient(db, pid).wrong_number
    second = agent.handle_inbound(pid, "seriously who is this")
    assert second.sent == []


def test_duplicate_message_sid_is_processed_once(agent, make_patient, db):
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    first = agent.handle_inbound(pid, "Love it!", sid="SM" + "a" * 32)
    again = agent.handle_inbound(pid, "Love it!", sid="SM" + "a" * 32)
    assert not first.duplicate and again.duplicate and again.replies == []
    assert len(inbound(db, pid)) == 1 and len(outbound(db, pid)) == 2


def test_touch_is_held_back_while_a_human_owns_the_thread(agent, make_patient, db):
    pid = make_patient(days_ago=1)
    send_touch(agent, pid, "clinical_checkin")
    agent.handle_inbound(pid, "can I move my follow up to next week?")
    touch = send_touch(agent, pid, "results_checkin")
    assert touch.replies[0].disposition == Disposition.BLOCK
    assert touch.replies[0].verdicts[0]["policy"] == "thread_owner"
    assert rows(db, Handoff)[0].status == HandoffStatus.OPEN


def test_staff_hand_the_thread_back_and_the_agent_answers_again(agent, make_patient, db, clock):
    from sqlmodel import Session

    from agent.engine.handoffs import claim, resolve
    from agent.types import HandoffOutcome

    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "Can I book my next appointment?")
    assert agent.handle_inbound(pid, "hello?").replies == []
    with Session(db) as s:
        handoff = s.get(Handoff, rows(db, Handoff)[0].id)
        claim(s, handoff, staff_id=7, now=clock.now())
        resolve(s, handoff, HandoffOutcome.BOOKED_TREATMENT, staff_id=7, now=clock.now())
        s.commit()
    back = agent.handle_inbound(pid, "Thanks so much, you guys are amazing!")
    assert back.sent and conversation(db, back.conversation_id).mode == Mode.AGENT
