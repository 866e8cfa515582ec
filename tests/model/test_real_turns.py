"""Real patient turns through Agent.handle_inbound with a real model behind a real OpenAI-compatible server.

A 270M model misreads, drafts treatment names back, asks at the wrong moment or never closes its JSON;
none of that may reach the patient. So the assertions are the guarantees (the call on the wire, what went
out, the handoffs the engine owes, the turn row's accounting, the fallback), never the wording.
"""
from __future__ import annotations

import sqlalchemy as sa

from agent.config import ModelSettings
from agent.engine.touches import send_touch
from agent.store.models import Handoff, Turn
from agent.types import Intent, Queue
from tests.engine.helpers import outbound, rows
from tests.model.conftest import MODEL, record_wire, talk, violations


def _model_turns(db: sa.Engine) -> list[Turn]:
    return [t for t in rows(db, Turn) if t.model_calls]


def test_one_forced_respond_call_per_turn_goes_over_the_wire_and_comes_back_as_a_tool_call(
        db, model_agent, model_brain, make_patient):
    """What the brain sends a real server, and what comes back, as the SDK saw it: `respond` forced by
    name, no parallel calls, the max_tokens cap under the name the server reads, a low temperature; the
    server answers with exactly one `respond` tool call whose size the cap bounds."""
    wire = record_wire(model_brain)
    settings = ModelSettings()
    pid = make_patient(first_name="Maya")
    send_touch(model_agent, pid, "results_checkin")
    result = talk(model_agent, pid, "Honestly loving it!")
    assert wire, "no chat-completions request reached the server"
    first = wire[0]
    assert first.request["tool_choice"] == {"type": "function", "function": {"name": "respond"}}
    assert [t["function"]["name"] for t in first.request["tools"]] == ["respond"]
    assert first.request["parallel_tool_calls"] is False
    assert first.request["max_tokens"] == settings.model_max_tokens  # llama.cpp ignores max_completion_tokens
    assert first.request["temperature"] == settings.model_temperature
    assert first.response is not None, "the server refused the forced tool choice"
    (choice,) = first.response["choices"]
    assert [c["function"]["name"] for c in choice["message"]["tool_calls"]] == ["respond"]
    assert 0 < first.response["usage"]["completion_tokens"] <= settings.model_max_tokens
    assert result.usage["calls"] == len(wire)  # every call the turn made is counted, and no other
    assert result.usage["prompt_tokens"] == sum(x.response["usage"]["prompt_tokens"] for x in wire if x.response)
    assert violations(db, pid) == []


def test_every_kind_of_turn_is_answered_and_accounted_for(db, model_agent, make_patient):
    """Several kinds of message, each a patient's first reply (so each goes to the model). Whether the model
    answered or the offline brain stood in, the patient is answered within the guards and the turn row
    holds the calls and tokens the server reported."""
    script = {"Maya": "Honestly loving it!", "Dana": "my sister Jo wants to come too, her number is 415-555-0177",
              "Ana": "can I book my next appointment for early May?", "Lee": "what time do you open on saturdays?"}
    results = []
    for name, text in script.items():
        pid = make_patient(first_name=name)
        send_touch(model_agent, pid, "results_checkin")
        results.append(talk(model_agent, pid, text))
        assert violations(db, pid) == []
    assert all(r.usage["calls"] >= 1 for r in results)
    assert all(r.brain == MODEL for r in results if not r.fell_back)
    turns = _model_turns(db)
    assert len(turns) == len(results)
    for turn in turns:
        assert turn.prompt_tokens > 0 and turn.completion_tokens > 0  # the server answered every call
        assert turn.latency_ms > 0
    assert [t.fell_back for t in turns] == [r.fell_back for r in results]


def test_no_phi_goes_out_even_when_the_patient_names_their_treatment(db, model_agent, make_patient):
    """The patient writes their own treatment, product and body area; whatever the model drafts back, no
    text that leaves names one (the shared lexicon, or the treatment on record)."""
    pid = make_patient(first_name="Maya", treatment="Botox forehead")
    send_touch(model_agent, pid, "results_checkin")
    for text in ("the botox in my forehead looks amazing, thank you!",
                 "thinking about lip filler and maybe juvederm in my cheeks next time"):
        talk(model_agent, pid, text)
    assert [v.invariant for v in violations(db, pid)] == []
    assert all(m.body for m in outbound(db, pid))


def test_no_referral_ask_to_an_unhappy_or_lukewarm_patient(db, model_agent, make_patient):
    """Only a clearly happy patient may be asked for a referral; a model that reads "it's fine I guess" as
    praise, or drafts the ask anyway, is overruled by the ask guard."""
    unhappy, lukewarm = make_patient(first_name="Ana"), make_patient(first_name="Lee")
    for pid, text in ((unhappy, "honestly I'm really not happy with how it turned out"),
                      (lukewarm, "it's fine I guess")):
        send_touch(model_agent, pid, "results_checkin")
        talk(model_agent, pid, text)
        assert [v.invariant for v in violations(db, pid)] == []
        assert not any("referral" in m.asks for m in outbound(db, pid))


def test_an_unhappy_reading_opens_the_manager_handoff_the_model_may_forget(db, model_agent, make_patient):
    """Whatever tools the model called, a turn whose deciding intent is `unhappy` leaves a manager handoff
    open (policies/intents.yaml): the engine owes it, the model does not have to remember it."""
    pid = make_patient(first_name="Ana")
    send_touch(model_agent, pid, "results_checkin")
    result = talk(model_agent, pid, "I'm really upset, this is not what I paid for and nobody listens")
    if result.intents[0].intent == Intent.UNHAPPY:
        assert any(h.queue == Queue.MANAGER for h in rows(db, Handoff, patient_id=pid))
    assert [v.invariant for v in violations(db, pid)] == []


def test_a_red_flag_escalates_whatever_the_model_says(db, model_agent, make_patient):
    pid = make_patient(first_name="Maya", treatment="lip filler")
    send_touch(model_agent, pid, "results_checkin")
    result = talk(model_agent, pid, "my lip went white and it hurts so bad")
    assert result.intents[0].intent == Intent.URGENT
    assert {(h["queue"], h["priority"]) for h in result.handoffs} >= {("clinical", "urgent")}
    (reply,) = result.sent
    assert "911" in reply.body and "(415) 555-0100" in reply.body
    assert [v.invariant for v in violations(db, pid)] == []
