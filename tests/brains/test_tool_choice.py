"""A server that refuses a forced tool choice (llama.cpp-based servers answer 500): detected once, the
same turn goes on with tool_choice=auto, the brain remembers, and an answer without `respond` gets one
repair call asking for it. Also what every call carries for a self-hosted server (max_tokens, temperature)."""
from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from agent.brains.factory import ModelOptions, make_brain
from agent.brains.llm import LLMBrain
from agent.engine.turn import Agent
from agent.policy.loader import default_policies
from agent.prompts import default_prompts
from agent.types import VisitType
from tests.brains.wire import action, completion, error, respond, sent, tool_call

SERVER = "http://127.0.0.1:8080/v1"
ROUTE = f"{SERVER}/chat/completions"
FORCED = {"type": "function", "function": {"name": "respond"}}
REFUSED = error(500, "tool_choice of this kind is not supported")


@pytest.fixture
def local_brain(monkeypatch, sleeps) -> LLMBrain:  # noqa: ANN001
    monkeypatch.delenv("OPENAI_API_KEY")
    brain = make_brain("openai:gemma-3-270m", default_policies(), default_prompts(), base_url=SERVER,
                       options=ModelOptions(max_tokens=256, temperature=0.2, timeout_s=7.5))
    brain.retry = replace(brain.retry, sleep=sleeps.append)
    return brain


@pytest.fixture
def local_agent(db, clock, local_brain) -> Agent:  # noqa: ANN001
    return Agent(db, brain=local_brain, clock=clock)


@pytest.fixture
def patient_id(make_patient) -> int:  # noqa: ANN001
    return make_patient(visit_type=VisitType.NEUROMODULATOR, treatment="Botox forehead")


def test_a_self_hosted_call_is_bounded_and_strict(local_agent, local_brain, patient_id, openai_api):
    route = openai_api.post(ROUTE).mock(return_value=completion(respond("So glad, Maya!", actions=[])))
    local_agent.handle_inbound(patient_id, "loving it")
    body = sent(route)[0]
    # The classic max_tokens (llama.cpp-based servers ignore max_completion_tokens), and nothing else capping.
    assert body["max_tokens"] == 256 and "max_completion_tokens" not in body
    assert body["temperature"] == 0.2 and body["tool_choice"] == FORCED and body["parallel_tool_calls"] is False
    assert local_brain.model.request_timeout == 7.5 and local_brain.model.max_retries == 0


def test_a_refused_forced_choice_switches_to_auto_at_once_and_for_good(local_agent, local_brain, patient_id,
                                                                        openai_api, sleeps, caplog):
    route = openai_api.post(ROUTE)
    route.side_effect = [REFUSED, completion(respond("So glad, Maya!", actions=[])),
                         completion(respond("Thanks, Maya!", ("neutral", 0.9), actions=[]))]
    with caplog.at_level(logging.WARNING, logger="afterglow.brain"):
        first = local_agent.handle_inbound(patient_id, "loving it")
        second = local_agent.handle_inbound(patient_id, "thanks!")

    assert not first.fell_back and first.sent[0].body == "So glad, Maya!" and first.usage["calls"] == 2
    assert not second.fell_back and second.usage["calls"] == 1  # remembered: no forced attempt any more
    assert [b["tool_choice"] for b in sent(route)] == [FORCED, "auto", "auto"]
    assert sleeps == []  # the switch-over is not a retry of the same thing: no wait
    assert local_brain.tool_choice == "auto"
    switches = [r for r in caplog.records if "refused a forced tool choice" in r.getMessage()]
    assert len(switches) == 1


def test_once_forcing_has_worked_a_500_is_an_ordinary_failure(local_agent, local_brain, patient_id, openai_api,
                                                               sleeps):
    route = openai_api.post(ROUTE)
    route.side_effect = [completion(respond("So glad, Maya!", actions=[])), error(500),
                         completion(respond("Thanks, Maya!", actions=[]))]
    local_agent.handle_inbound(patient_id, "loving it")
    result = local_agent.handle_inbound(patient_id, "really happy")
    assert [b["tool_choice"] for b in sent(route)] == [FORCED, FORCED, FORCED]  # retried as it was, after a wait
    assert len(sleeps) == 1 and not result.fell_back and local_brain.tool_choice == "forced"


def test_without_forcing_an_answer_with_no_respond_gets_one_repair(local_agent, local_brain, patient_id, openai_api):
    local_brain.tool_choice = "auto"  # as detected on an earlier turn
    route = openai_api.post(ROUTE)
    route.side_effect = [completion(content="So glad to hear that, Maya! Anything else?"),
                         completion(respond("So glad, Maya!", actions=[]))]
    result = local_agent.handle_inbound(patient_id, "loving it")

    assert not result.fell_back and result.sent[0].body == "So glad, Maya!" and result.usage["calls"] == 2
    first, second = sent(route)
    assert second["messages"][:-1] == first["messages"]  # the same turn, then the request for the call
    assert second["messages"][-1]["role"] == "system"
    assert "did not call the respond tool" in second["messages"][-1]["content"]
    assert "Anything else" not in str(second)  # the model's stray answer is not echoed back


def test_without_forcing_a_second_miss_falls_back_after_exactly_two_calls(local_agent, local_brain, patient_id,
                                                                           openai_api):
    local_brain.tool_choice = "auto"
    route = openai_api.post(ROUTE).mock(return_value=completion(content="Hello!"))
    result = local_agent.handle_inbound(patient_id, "loving it")
    assert route.call_count == 2 and result.fell_back and result.brain == "offline"
    assert result.usage["calls"] == 2


def test_without_forcing_a_respond_object_written_as_text_is_accepted(local_agent, local_brain, patient_id,
                                                                       openai_api):
    local_brain.tool_choice = "auto"
    written = ('```json\n{"intents": [{"intent": "booking", "confidence": 0.9}], "actions": [{"tool": '
               '"create_handoff", "queue": "front_desk", "priority": "normal", "reason": "wants to book", '
               '"summary": ""}], "reply": "Our front desk will text you shortly!"}\n```')
    route = openai_api.post(ROUTE).mock(return_value=completion(content=written))
    result = local_agent.handle_inbound(patient_id, "can I book again?")
    assert route.call_count == 1 and not result.fell_back
    assert [(t["name"], t["ok"]) for t in result.tools] == [("create_handoff", True)]
    assert result.sent[0].body == "Our front desk will text you shortly!"


def test_a_forced_answer_written_as_text_is_not_accepted(local_agent, patient_id, openai_api):
    """Where the server forces the call, a text answer is a broken server or model: no guessing."""
    openai_api.post(ROUTE).mock(return_value=completion(content='{"intents": [{"intent": "positive", '
                                                                 '"confidence": 0.9}], "reply": "Hi"}'))
    assert local_agent.handle_inbound(patient_id, "loving it").fell_back


def test_strict_nulls_in_optional_fields_take_the_defaults(db, local_agent, patient_id, openai_api):
    referral = action("record_referral", name="Dana", phone=None, relationship=None, note=None)
    openai_api.post(ROUTE).mock(return_value=completion(respond(
        "Thank you, Maya! Our front desk will reach out to Dana soon.", ("referral", 0.93), actions=[referral])))
    result = local_agent.handle_inbound(patient_id, "my friend Dana wants to come in")
    assert result.tools[0] == {"name": "record_referral", "ok": True, "error": None,
                               "args": {"name": "Dana", "phone": None, "relationship": None, "note": None}}
    assert result.sent[0].body.endswith("reach out to Dana soon.")  # nothing refused: the draft stands


def test_an_action_that_cannot_be_read_is_refused_never_run_bare(local_agent, patient_id, openai_api):
    openai_api.post(ROUTE).mock(return_value=completion(respond(
        "Understood, Maya.", ("decline", 0.9), actions=["record_decline", {"queue": "clinical"}])))
    result = local_agent.handle_inbound(patient_id, "no thanks, I won't refer anyone")
    assert [(t["name"], t["ok"]) for t in result.tools] == [("", False), ("", False)]


def test_a_tool_called_beside_respond_still_counts(local_agent, patient_id, openai_api):
    """Some models call the action tools directly even when offered only respond."""
    openai_api.post(ROUTE).mock(return_value=completion(respond("Understood, Maya.", ("decline", 0.9), actions=[]),
                                                        tool_call("record_decline", {})))
    result = local_agent.handle_inbound(patient_id, "no thanks, I won't refer anyone")
    assert result.tools == [{"name": "record_decline", "args": {}, "ok": True, "error": None}]
