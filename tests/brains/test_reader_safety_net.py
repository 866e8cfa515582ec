"""Safety is a union under any brain: a model that reads a plain-language opt-out or a paraphrased red
flag as happy praise is overruled by the offline reader, over the real OpenAI wire format (respx)."""
from __future__ import annotations

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
