"""Safety is a union under any brain: a model that reads a plain-language opt-out or a paraphrased red
flag as happy praise is overruled by the offline reader, over the real OpenAI wire format (respx)."""
from __future__ import annotations

import json

from agent.engine.touches import send_touch
from agent.types import Intent, MessageKind, VisitType
from tests.brains.wire import COMPLETIONS, completion, respond
from tests.engine.helpers import Handoff, outbound, patient, rows

HAPPY = "So glad, Maya! If a friend ever asks, send them our way or reply with their name."


def test_a_model_that_misses_a_plain_language_opt_out_is_overruled(db, llm_agent, make_patient, openai_api):
    openai_api.post(COMPLETIONS).mock(return_value=completion(respond(HAPPY, ("positive", 0.95), actions=[])))
    pid = make_patient()
    send_touch(llm_agent, pid, "results_checkin")
    result = llm_agent.handle_inbound(pid, "ok im over these texts")
    assert result.intents[0].intent == Intent.OPT_OUT and patient(db, pid).opted_out
    assert len(result.sent) == 1 and outbound(db, pid)[-1].kind == MessageKind.CONFIRMATION
    assert HAPPY not in [m.body for m in outbound(db, pid)]


def test_a_model_that_misses_a_paraphrased_red_flag_is_overruled(db, llm_agent, make_patient, openai_api):
    openai_api.post(COMPLETIONS).mock(return_value=completion(respond(HAPPY, ("positive", 0.95), actions=[])))
    pid = make_patient(visit_type=VisitType.DERMAL_FILLER, days_ago=1, treatment="Juvederm tear trough")
    send_touch(llm_agent, pid, "clinical_checkin")
    result = llm_agent.handle_inbound(pid, "love it! tho everything looks kinda hazy out of my left eye since lunch")
    assert result.intents[0].intent == Intent.URGENT
    assert [(h.queue.value, h.priority.value) for h in rows(db, Handoff)] == [("clinical", "urgent")]
    assert "911" in result.sent[0].body and HAPPY not in result.sent[0].body


def test_a_model_opt_out_the_reader_sees_no_sign_of_waits_for_a_person(db, llm_agent, make_patient, openai_api):
    """A weak model that opts out a happy patient: nothing is sent, no opt-out is recorded, and a person
    confirms (front-desk handoff, scheduled texts paused)."""
    openai_api.post(COMPLETIONS).mock(return_value=completion(respond(
        "Sorry to hear that!", ("opt_out", 1.0), actions=[{"tool": "opt_out"}])))
    pid = make_patient()
    send_touch(llm_agent, pid, "results_checkin")
    result = llm_agent.handle_inbound(pid, "Honestly loving it, thank you!")
    assert not patient(db, pid).opted_out and result.sent == []
    assert [(t["name"], t["ok"]) for t in result.tools] == [("opt_out", False), ("create_handoff", True)]
    assert [(h.queue.value, h.reason) for h in rows(db, Handoff)] == [
        ("front_desk", "possible opt-out: staff decide before we text again")]


def test_a_self_hosted_server_gets_a_bounded_schema(monkeypatch):
    from agent.brains.factory import ModelOptions, make_brain
    from agent.brains.llm.tools import CONFIDENCES, MAX_INTENTS, respond_tool
    from agent.policy.loader import default_policies
    from agent.prompts import default_prompts
    from agent.types import Stage

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    options = ModelOptions(max_tokens=64, temperature=0.1, timeout_s=5)
    hosted = make_brain("openai:gpt-4o-mini", default_policies(), default_prompts(), options=options)
    local = make_brain("openai:small", default_policies(), default_prompts(), base_url="http://127.0.0.1:9/v1",
                       options=options)
    assert (hosted.bounded, local.bounded) == (False, True)
    bounded = respond_tool(Stage.CHECKIN, bounded=True)["function"]["parameters"]["properties"]
    assert bounded["intents"]["maxItems"] == MAX_INTENTS
    assert bounded["intents"]["items"]["properties"]["confidence"]["enum"] == CONFIDENCES
    assert bounded["reply"]["maxLength"] > 160 and bounded["actions"]["maxItems"] >= 1
    plain = json.dumps(respond_tool(Stage.CHECKIN))
    assert "maxItems" not in plain and "maxLength" not in plain
