"""The probes of issue 12 through the real LLMBrain over the OpenAI wire format (respx): a model that
forgets an action, or whose action is refused, still leaves the thread where policy says it must be,
and never promises what did not happen. Each case is sent both ways a model may put its actions: in
`respond.actions` (the strict call) and as separate tool calls (a model that calls tools directly)."""
from __future__ import annotations

import pytest
from sqlmodel import Session

from agent.engine.touches import send_touch
from agent.store.models import Conversation
from agent.types import Mode, VisitType
from tests.brains.wire import COMPLETIONS, action, completion, respond, tool_call
from tests.engine.helpers import Handoff, Referral, outbound, rows
from tests.replies import reply_text

BOOKING_DRAFT = "Happy to help, Maya! Our front desk will text you shortly to find a time."
DANA_DRAFT = "Thank you, Maya! Someone from our team will reach out to Dana soon."


def _answer(reply: str, intents: tuple, actions: list[dict], via: str):  # noqa: ANN202 - an httpx.Response
    if via == "respond":
        return completion(respond(reply, *intents, actions=actions))
    calls = [tool_call(a["tool"], {k: v for k, v in a.items() if k != "tool"}) for a in actions]
    return completion(respond(reply, *intents), *calls)


@pytest.fixture
def patient_id(make_patient) -> int:  # noqa: ANN001
    return make_patient(visit_type=VisitType.DERMAL_FILLER, treatment="Juvederm lips")


def test_a_booking_read_with_no_handoff_still_reaches_the_front_desk(db, llm_agent, patient_id, openai_api):
    openai_api.post(COMPLETIONS).mock(return_value=completion(respond(BOOKING_DRAFT, ("booking", 0.93), actions=[])))
    send_touch(llm_agent, patient_id, "results_checkin")
    result = llm_agent.handle_inbound(patient_id, "can I come in next week to get it touched up?")

    assert not result.fell_back and [t["name"] for t in result.tools] == ["create_handoff"]
    assert [(h.queue.value, h.priority.value, h.reason) for h in rows(db, Handoff)] == [
        ("front_desk", "normal", "booking")]
    assert result.handoffs[0]["queue"] == "front_desk"
    with Session(db) as s:
        assert s.get(Conversation, result.conversation_id).mode == Mode.HUMAN  # a person owns it now
    assert result.sent[0].body == BOOKING_DRAFT  # what it promised is now true: it goes out as written


@pytest.mark.parametrize("via", ["respond", "tool_calls"])
def test_a_refused_referral_sends_no_promise_about_the_person(db, llm_agent, patient_id, openai_api, via):
    referral = action("record_referral", name="Dana (my sister)", phone="415-555-0199", relationship="sister",
                      note=None)
    openai_api.post(COMPLETIONS).mock(return_value=_answer(DANA_DRAFT, (("referral", 0.94), ("positive", 0.9)),
                                                           [referral], via))
    send_touch(llm_agent, patient_id, "results_checkin")
    result = llm_agent.handle_inbound(patient_id, "Loving it! My sister Dana wants to come in, 415-555-0199")

    first = result.tools[0]
    assert (first["name"], first["ok"]) == ("record_referral", False) and first["error"].startswith("invalid arguments")
    assert rows(db, Referral) == []
    # The referral still reaches the front desk (the policy's handoff for a referral) ...
    assert result.tools[1]["name"] == "create_handoff" and result.tools[1]["ok"]
    assert [h.queue.value for h in rows(db, Handoff)] == ["front_desk"]
    # ... and no text says anyone will reach out to Dana: the reviewed template, with no name in it.
    texts = [m.body for m in outbound(db, patient_id)]
    assert not any("dana" in t.lower() for t in texts), texts
    assert result.sent[0].body == reply_text("referral", referral_name=None)


@pytest.mark.parametrize("via", ["respond", "tool_calls"])
def test_a_refused_handoff_is_opened_by_policy_and_the_reply_is_the_template(db, llm_agent, patient_id, openai_api,
                                                                              via):
    bad = action("create_handoff", queue="billing", priority="normal", reason="wants to book", summary="")
    openai_api.post(COMPLETIONS).mock(return_value=_answer("Done! Jess from billing will call you at 3pm.",
                                                           (("booking", 0.9),), [bad], via))
    result = llm_agent.handle_inbound(patient_id, "need to move my appointment")

    assert [(t["name"], t["ok"]) for t in result.tools] == [("create_handoff", False), ("create_handoff", True)]
    assert [h.queue.value for h in rows(db, Handoff)] == ["front_desk"]
    assert "3pm" not in result.sent[0].body and result.sent[0].body == reply_text("booking")


def test_a_model_that_follows_policy_owes_nothing(db, llm_agent, patient_id, openai_api):
    handoff = action("create_handoff", queue="front_desk", priority="normal", reason="wants to book",
                     summary="Asked for a time next week.")
    openai_api.post(COMPLETIONS).mock(return_value=completion(respond(BOOKING_DRAFT, ("booking", 0.93),
                                                                      actions=[handoff])))
    result = llm_agent.handle_inbound(patient_id, "can I book for next week?")
    assert [(t["name"], t["ok"]) for t in result.tools] == [("create_handoff", True)]
    assert [h.reason for h in rows(db, Handoff)] == ["wants to book"]
    assert result.sent[0].body == BOOKING_DRAFT


def test_a_concern_read_without_a_handoff_reaches_the_clinical_team(db, llm_agent, patient_id, openai_api):
    openai_api.post(COMPLETIONS).mock(return_value=completion(respond(
        "Thanks for telling us, Maya. A clinician will text you soon.", ("concern", 0.88), actions=[])))
    result = llm_agent.handle_inbound(patient_id, "still a bit swollen on one side, is that ok?")
    assert [(h.queue.value, h.priority.value) for h in rows(db, Handoff)] == [("clinical", "normal")]
    assert result.sent and "clinician" in result.sent[0].body
