"""The real ChatOpenAI over the real OpenAI wire format (respx): normal turns, retries, fallback,
malformed answers. Any request that is not mocked fails the test (assert_all_mocked)."""
from __future__ import annotations

import json
import re

import httpx
import pytest
from sqlmodel import Session

from agent.engine.touches import send_touch
from agent.store.models import Handoff, Patient, Referral, Turn
from agent.types import Disposition, Intent, VisitType
from tests.brains.wire import COMPLETIONS, completion, error, respond, sent, tool_call
from tests.engine.helpers import outbound, rows


def filler_patient(make_patient, **kw):  # noqa: ANN001, ANN201
    return make_patient(visit_type=VisitType.DERMAL_FILLER, treatment="Juvederm lips", **kw)


def turn_row(db, turn_id: int) -> Turn:  # noqa: ANN001
    with Session(db) as s:
        return s.get(Turn, turn_id)


# ------------------------------------------------------------------ the normal turn


def test_a_turn_is_one_call_with_tools_and_the_reply_goes_out(db, llm_agent, make_patient, openai_api):
    route = openai_api.post(COMPLETIONS).mock(return_value=completion(
        respond("Thank you, Maya! Someone from our team will reach out to Dana soon.", ("referral", 0.93),
                ("positive", 0.9)),
        tool_call("record_referral", {"name": "Dana", "phone": "415-555-0199", "relationship": "sister"}),
        prompt_tokens=1012, completion_tokens=71))
    pid = filler_patient(make_patient)
    send_touch(llm_agent, pid, "results_checkin")
    result = llm_agent.handle_inbound(pid, "Loving it! My sister Dana wants to come in, her number is 415-555-0199")

    assert route.call_count == 1
    assert result.brain == "openai:gpt-4o-mini" and not result.fell_back
    assert [s.intent for s in result.intents] == [Intent.REFERRAL, Intent.POSITIVE]
    assert result.tools == [{"name": "record_referral", "ok": True, "error": None,
                             "args": {"name": "Dana", "phone": "+14155550199", "relationship": "sister", "note": None}}]
    assert [r.name for r in rows(db, Referral)] == ["Dana"]
    assert result.sent[0].body == "Thank you, Maya! Someone from our team will reach out to Dana soon."
    assert result.usage["calls"] == 1 and result.usage["prompt_tokens"] == 1012
    assert result.usage["completion_tokens"] == 71 and result.usage["latency_ms"] > 0
    row = turn_row(db, result.turn_id)
    assert (row.brain, row.model_calls, row.prompt_tokens, row.completion_tokens) == ("openai:gpt-4o-mini", 1, 1012, 71)
    assert row.latency_ms > 0 and not row.fell_back
    body = sent(route)[0]
    assert body["model"] == "gpt-4o-mini" and body.get("stream") is False
    # One strict tool, forced by name, no parallel calls, bounded: the actions ride inside respond.
    assert [t["function"]["name"] for t in body["tools"]] == ["respond"] and body["tools"][0]["function"]["strict"]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "respond"}}
    assert body["parallel_tool_calls"] is False
    assert body["max_completion_tokens"] == 300 and body["temperature"] == 0.1


def test_the_model_sees_the_minimum_necessary(db, clock, llm_agent, make_patient, openai_api):
    route = openai_api.post(COMPLETIONS).mock(return_value=completion(respond("So glad to hear it, Maya!")))
    other = make_patient(first_name="Jane", treatment="Botox crow's feet")
    llm_agent.handle_inbound(other, "Jane here, the crow's feet look smooth")  # another patient's thread
    openai_api.calls.reset()
    pid = filler_patient(make_patient)
    send_touch(llm_agent, pid, "results_checkin")
    llm_agent.handle_inbound(pid, "Honestly loving how it turned out")

    body = sent(route)[-1]
    text = json.dumps(body, ensure_ascii=False)
    system, *conversation = body["messages"]
    # What the turn needs: first name, visit category, days since the visit, the conversation.
    assert "Maya" in system["content"] and "dermal filler visit" in system["content"]
    assert "14 days after" in system["content"]
    assert [m["role"] for m in conversation] == ["assistant", "user"]
    assert conversation[0]["content"].startswith("Hi Maya") and "How are you liking your results?" in conversation[0]["content"]
    assert conversation[1]["content"] == "Honestly loving how it turned out"
    # Never the record: treatment, provider, phone numbers, other patients.
    for secret in ("Juvederm", "lips", "Rivera", "Jane", "crow", "Botox", "415", "555-", "+1"):
        assert secret.lower() not in text.lower(), secret
    assert re.search(r"\d{3}\D{0,2}\d{3}\D?\d{4}", text) is None  # no phone number of any shape


# ------------------------------------------------------------------ transient failures


@pytest.mark.parametrize("first", [error(429, "Rate limit reached"), error(503), httpx.ReadTimeout("read timed out"),
                                   httpx.ConnectError("connection refused")],
                         ids=["429", "503", "timeout", "connection"])
def test_a_transient_failure_is_retried_once_and_the_turn_goes_on(db, llm_agent, make_patient, openai_api, sleeps, first):
    ok = completion(respond("So glad to hear it, Maya!"), prompt_tokens=800, completion_tokens=30)
    route = openai_api.post(COMPLETIONS)
    route.side_effect = [first, ok]
    pid = filler_patient(make_patient)
    send_touch(llm_agent, pid, "results_checkin")
    result = llm_agent.handle_inbound(pid, "loving it")

    assert route.call_count == 2 and len(sleeps) == 1
    assert 0 <= sleeps[0] <= llm_agent.brain.retry.max_wait_s
    assert not result.fell_back and result.brain == "openai:gpt-4o-mini"
    assert result.sent[0].body == "So glad to hear it, Maya!"
    assert result.usage["calls"] == 2 and result.usage["prompt_tokens"] == 800
    assert turn_row(db, result.turn_id).model_calls == 2


@pytest.mark.parametrize(("failure", "waits"), [(error(500), 1), (httpx.ReadTimeout("read timed out"), 2)],
                         ids=["500", "timeout"])
def test_when_retries_run_out_the_offline_brain_answers_and_the_turn_is_marked(db, llm_agent, make_patient,
                                                                                 openai_api, sleeps, failure, waits):
    route = openai_api.post(COMPLETIONS).mock(side_effect=[failure] * 3)
    pid = filler_patient(make_patient)
    send_touch(llm_agent, pid, "results_checkin")
    result = llm_agent.handle_inbound(pid, "Honestly loving it!")

    # A first 500 might be a server refusing the forced tool choice: the next attempt goes at once,
    # unforced. It failed too, so nothing is remembered: the next turn forces again.
    assert route.call_count == llm_agent.brain.retry.attempts == 3 and len(sleeps) == waits
    assert llm_agent.brain.tool_choice == "forced"
    assert all(0 <= s <= llm_agent.brain.retry.max_wait_s for s in sleeps)
    assert result.fell_back and result.brain == "offline"
    assert result.intents[0].intent == Intent.POSITIVE and result.sent  # the patient still gets an answer
    row = turn_row(db, result.turn_id)
    assert row.fell_back and row.brain == "offline"
    assert [m.kind.value for m in outbound(db, pid)] == ["touch", "reply"]


def test_a_request_the_api_rejects_is_tried_once_unforced_and_never_retried(db, llm_agent, make_patient, openai_api,
                                                                             sleeps):
    route = openai_api.post(COMPLETIONS).mock(return_value=error(400, "Invalid schema for function 'respond'"))
    pid = filler_patient(make_patient)
    result = llm_agent.handle_inbound(pid, "loving it")
    assert route.call_count == 2 and sleeps == []  # forced, then once with tool_choice=auto; no waits
    assert [b["tool_choice"] for b in sent(route)] == [{"type": "function", "function": {"name": "respond"}}, "auto"]
    assert result.fell_back and result.sent and result.usage["calls"] == 2
    assert llm_agent.brain.tool_choice == "forced"  # the unforced call failed as well: nothing learned


def test_failed_calls_are_counted_on_the_failure(llm_brain, openai_api):
    from agent.brains.base import BrainContext
    from agent.brains.llm import ModelCallFailed
    from agent.types import Stage

    openai_api.post(COMPLETIONS).mock(side_effect=[error(502)] * 3)
    with pytest.raises(ModelCallFailed) as caught:
        llm_brain.propose(BrainContext(first_name="Maya", visit_category=None, days_since_visit=None,
                                       stage=Stage.CHECKIN, message="hi"))
    assert caught.value.usage.calls == 3 and caught.value.usage.latency_ms > 0
    assert str(caught.value) == "OpenAIAPIError after 3 call(s)"


# ------------------------------------------------------------------ malformed answers


def test_malformed_action_arguments_are_refused_and_recorded(db, llm_agent, make_patient, openai_api):
    route = openai_api.post(COMPLETIONS).mock(return_value=completion(
        respond("Understood, Maya. We won't ask again.", ("decline", 0.92)),
        tool_call("record_decline", '{"because": "no thanks"'),  # truncated JSON
    ))
    pid = filler_patient(make_patient)
    result = llm_agent.handle_inbound(pid, "no thanks, I'd rather not refer anyone")

    assert route.call_count == 1 and not result.fell_back
    assert result.tools == [{"name": "record_decline", "args": {}, "ok": False,
                             "error": "invalid arguments: unparseable_arguments: extra_forbidden"}]
    with Session(db) as s:
        assert s.get(Patient, pid).referral_declined_at is None  # a broken call never runs as a bare one
    assert turn_row(db, result.turn_id).tool_calls == result.tools


@pytest.mark.parametrize("answer", [
    completion(tool_call("respond", '{"intents": [{"intent": "positive", "confidence": 0.9}], "reply": "Gre')),
    completion(content="So glad to hear it!"),  # plain text, no respond call
    completion(respond("Yay!", ("ecstatic", 0.99))),  # an intent that does not exist
    completion(respond("Yay!", ("positive", 1.7))),  # confidence out of range
    completion(respond("One"), respond("Two")),  # two answers
], ids=["broken-json", "no-respond", "unknown-intent", "bad-confidence", "two-responds"])
def test_a_malformed_answer_falls_back_to_the_offline_brain_without_a_retry(db, llm_agent, make_patient, openai_api,
                                                                             sleeps, answer):
    route = openai_api.post(COMPLETIONS).mock(return_value=answer)
    pid = filler_patient(make_patient)
    send_touch(llm_agent, pid, "results_checkin")
    result = llm_agent.handle_inbound(pid, "Honestly loving it!")
    assert route.call_count == 1 and sleeps == []
    assert result.fell_back and result.brain == "offline" and result.sent
    assert result.sent[0].body not in ("Yay!", "One", "Two", "So glad to hear it!")


def test_an_unknown_tool_is_refused_and_recorded(db, llm_agent, make_patient, openai_api):
    openai_api.post(COMPLETIONS).mock(return_value=completion(
        respond("Thanks, Maya!", ("positive", 0.9)),
        tool_call("export_patient_records", {"all": True}),
        tool_call("create_handoff", {"queue": "front_desk", "reason": "wants a callback"}),
    ))
    pid = filler_patient(make_patient)
    result = llm_agent.handle_inbound(pid, "loving it, can someone call me?")
    assert result.tools[0] == {"name": "export_patient_records", "args": {}, "ok": False, "error": "unknown tool"}
    assert result.tools[1]["name"] == "create_handoff" and result.tools[1]["ok"]
    assert turn_row(db, result.turn_id).tool_calls == result.tools
    assert [h.queue.value for h in rows(db, Handoff)] == ["front_desk"]


# ------------------------------------------------------------------ repair loop over the wire


def test_a_draft_that_trips_a_guard_gets_one_regeneration_naming_the_policy(db, llm_agent, make_patient, openai_api):
    route = openai_api.post(COMPLETIONS)
    route.side_effect = [
        completion(respond("So glad your Juvederm settled in so nicely!"), prompt_tokens=900, completion_tokens=40),
        completion(tool_call("rewrite", {"reply": "So glad your results settled in nicely, Maya!"}),
                   prompt_tokens=1000, completion_tokens=20),
    ]
    pid = filler_patient(make_patient)
    send_touch(llm_agent, pid, "results_checkin")
    result = llm_agent.handle_inbound(pid, "Honestly loving it!")

    reply = result.replies[0]
    assert reply.disposition == Disposition.REPAIR and reply.body == "So glad your results settled in nicely, Maya!"
    first, second = sent(route)
    assert second["tools"][0]["function"]["name"] == "rewrite" and len(second["tools"]) == 1
    instruction = second["messages"][-1]
    assert instruction["role"] == "system" and "phi (it named: product)" in instruction["content"]
    assert "juvederm" not in json.dumps(second).lower()  # the offending draft is not echoed back
    assert second["messages"][:-1] == first["messages"]
    assert result.usage == {"calls": 2, "prompt_tokens": 1900, "completion_tokens": 60,
                            "latency_ms": result.usage["latency_ms"]}
    stages = [a["stage"] for a in turn_row(db, result.turn_id).verdicts]
    assert stages == ["draft", "regenerate"]


def test_a_failed_regeneration_moves_on_to_the_offline_template(db, llm_agent, make_patient, openai_api, sleeps):
    route = openai_api.post(COMPLETIONS)
    route.side_effect = [completion(respond("So glad your Juvederm settled in so nicely!")), error(500)]
    pid = filler_patient(make_patient)
    send_touch(llm_agent, pid, "results_checkin")
    result = llm_agent.handle_inbound(pid, "Honestly loving it!")
    assert route.call_count == 2 and sleeps == []  # exactly one regeneration call, no retries
    reply = result.replies[0]
    assert reply.disposition == Disposition.REPAIR and "juvederm" not in reply.body.lower()
    assert [a["stage"] for a in turn_row(db, result.turn_id).verdicts] == ["draft", "fallback"]
    assert result.usage["calls"] == 2


# ------------------------------------------------------------------ cost


def test_one_model_call_per_patient_turn(db, llm_agent, make_patient, openai_api):
    route = openai_api.post(COMPLETIONS).mock(return_value=completion(respond("Thanks, Maya!", ("neutral", 0.9)),
                                                                      prompt_tokens=950, completion_tokens=25))
    pid = filler_patient(make_patient)
    send_touch(llm_agent, pid, "results_checkin")
    texts = ["it's fine I guess", "thanks", "ok will do", "have a good day"]
    results = [llm_agent.handle_inbound(pid, t) for t in texts]
    assert route.call_count == len(texts)
    assert [r.usage["calls"] for r in results] == [1, 1, 1, 1]
    assert [t.model_calls for t in rows(db, Turn) if t.inbound_message_id] == [1, 1, 1, 1]
    # The conversation grows turn by turn, bounded by the history window.
    assert [len(b["messages"]) for b in sent(route)] == [3, 5, 7, 9]


def test_a_typical_turn_stays_inside_the_prompt_budget(db, llm_agent, make_patient, openai_api):
    """Issue 8 targets <= 1,500 prompt tokens a call: the whole JSON body, tool schemas included,
    counted with o200k_base (the tokenizer afterglow bench uses; an upper bound of what is billed)."""
    route = openai_api.post(COMPLETIONS).mock(return_value=completion(respond("So glad, Maya!")))
    pid = filler_patient(make_patient)
    send_touch(llm_agent, pid, "results_checkin")
    llm_agent.handle_inbound(pid, "Honestly loving it, thank you!")
    import bpe_openai

    tokens = len(bpe_openai.get_encoding("o200k_base").encode(json.dumps(sent(route)[0])))
    assert tokens <= 1500, tokens
