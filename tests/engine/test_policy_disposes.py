"""Whatever the brain proposes, the guards decide: each guard shown to stop a bad draft in a real turn."""
from __future__ import annotations

from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.types import Disposition, Intent, ToolCall
from tests.engine.helpers import Draft, Referral, outbound, rows
from tests.fakes import ScriptedBrain, proposal
from tests.replies import reply_text


def scripted(db, clock, *proposals, regenerations=None) -> tuple[Agent, ScriptedBrain]:  # noqa: ANN001
    brain = ScriptedBrain(*proposals, regenerations=regenerations)
    return Agent(db, brain=brain, clock=clock), brain


def test_phi_in_a_draft_is_never_sent(db, clock, make_patient):
    agent, brain = scripted(db, clock, proposal(Intent.POSITIVE, "So glad your Botox settled in nicely, Maya!"),
                            regenerations=["Glad your lips look great!"])
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "loving it")
    reply = result.replies[0]
    assert reply.disposition == Disposition.REPAIR
    assert "botox" not in reply.body.lower() and "lips" not in reply.body.lower()
    assert any(v["policy"] == "phi" for v in reply.verdicts)
    assert all("botox" not in str(v).lower() for v in reply.verdicts)  # verdicts name the category only
    assert brain.repair_requests and brain.repair_requests[0][0].policy.value == "phi"


def test_patients_own_treatment_terms_are_blocked(db, clock, make_patient):
    agent, _ = scripted(db, clock, proposal(Intent.POSITIVE, "Great to hear the Zyphora Glow worked out!"))
    pid = make_patient(treatment="Zyphora Glow")
    send_touch(agent, pid, "results_checkin")
    reply = agent.handle_inbound(pid, "loving it").replies[0]
    assert "zyphora" not in reply.body.lower()


def test_two_asks_in_one_message_are_cut_to_one(db, clock, make_patient):
    draft = ("So happy to hear that! If a friend ever asks where you go, send them our way. "
             "Would you mind leaving us a quick Google review?")
    agent, _ = scripted(db, clock, proposal(Intent.POSITIVE, draft))
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    reply = agent.handle_inbound(pid, "I'm obsessed!").replies[0]
    assert reply.disposition == Disposition.REPAIR and reply.asks == ["referral"]  # the first ask stays
    assert any(v["policy"] == "one_ask" for v in reply.verdicts)


def test_referral_ask_before_a_positive_reply_is_removed(db, clock, make_patient):
    draft = "Thanks for the update! If anyone you know has been curious, send them our way."
    agent, _ = scripted(db, clock, proposal(Intent.NEUTRAL, draft, confidence=0.9))
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    reply = agent.handle_inbound(pid, "ok").replies[0]
    assert reply.asks == []
    assert any(v["policy"] == "ask_timing" for v in reply.verdicts)


def test_referral_ask_without_marketing_consent_is_removed(db, clock, make_patient):
    draft = "Love that! If anyone you know has been curious, send them our way."
    agent, _ = scripted(db, clock, proposal(Intent.POSITIVE, draft))
    pid = make_patient(marketing_consent=False)
    send_touch(agent, pid, "results_checkin")
    reply = agent.handle_inbound(pid, "love it so much").replies[0]
    assert reply.asks == [] and any(v["policy"] == "ask_consent" for v in reply.verdicts)


def test_over_budget_draft_is_repaired_or_held(db, clock, make_patient):
    long = "Thanks so much for the update, it means a lot to all of us here. " * 8
    agent, _ = scripted(db, clock, proposal(Intent.POSITIVE, long))
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    reply = agent.handle_inbound(pid, "love it").replies[0]
    assert any(v["policy"] == "segments" for v in reply.verdicts)
    assert reply.disposition == Disposition.REPAIR and reply.segments == 2  # cut back to the 2-segment budget


def test_a_draft_that_cannot_be_repaired_is_held_for_staff(db, clock, make_patient):
    # One sentence of PHI: nothing to cut, no regeneration, and no template for this intent to fall back on.
    agent, _ = scripted(db, clock, proposal(Intent.OPT_IN, "Your Botox dose was 20 units."))
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "what did I get?")
    assert result.replies[0].disposition == Disposition.HOLD
    assert rows(db, Draft)[0].reasons
    assert [m.kind.value for m in outbound(db, pid)] == ["touch"]


def test_tools_act_only_on_the_current_patient(db, clock, make_patient):
    sneaky = proposal(Intent.REFERRAL, "Thanks!",
                      ToolCall("record_referral", {"name": "Dana", "patient_id": 999}),
                      ToolCall("delete_patient", {"id": 1}),
                      ToolCall("create_handoff", {"queue": "billing", "reason": "x"}),
                      ToolCall("record_referral", {"name": "Robert'); DROP TABLE--"}))
    agent, _ = scripted(db, clock, sneaky)
    pid = make_patient()
    result = agent.handle_inbound(pid, "my friend wants to come")
    errors = [t["error"] for t in result.tools]
    assert errors[0].startswith("invalid arguments") and "patient_id" in errors[0]
    assert errors[1] == "unknown tool"
    assert errors[2].startswith("invalid arguments") and "queue" in errors[2]
    assert errors[3].startswith("invalid arguments")
    assert rows(db, Referral) == []


def test_too_many_tool_calls_are_refused(db, clock, make_patient):
    calls = [ToolCall("record_referral", {"name": n}) for n in ["Ann", "Bea", "Cy", "Di", "Ed", "Flo"]]
    agent, _ = scripted(db, clock, proposal(Intent.REFERRAL, "Thank you!", *calls))
    pid = make_patient()
    result = agent.handle_inbound(pid, "Ann Bea Cy Di Ed and Flo all want to come")
    assert [t["ok"] for t in result.tools] == [True] * 4 + [False] * 2
    assert len(rows(db, Referral)) == 4


def test_brain_failure_falls_back_to_the_offline_brain(db, clock, make_patient):
    agent, _ = scripted(db, clock, TimeoutError("model timed out"))
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "loving it!")
    assert result.fell_back and result.brain == "offline"
    assert result.sent and result.intents[0].intent == Intent.POSITIVE


def test_brain_sees_the_minimum(db, clock, make_patient):
    agent, brain = scripted(db, clock, proposal(Intent.POSITIVE, "Thanks!"))
    pid = make_patient(treatment="Botox forehead 20 units")
    send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(pid, "love it")
    seen = repr(brain.seen[0])
    assert "Botox" not in seen and "forehead" not in seen and "Rivera" not in seen and "+1415" not in seen.replace(
        "+14155550100", "")
    assert brain.seen[0].first_name == "Maya" and brain.seen[0].days_since_visit == 14


def test_brain_cannot_talk_its_way_past_a_red_flag(db, clock, make_patient):
    calm = proposal(Intent.POSITIVE, "Totally normal, that will settle in a few days!")
    agent, _ = scripted(db, clock, calm)
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    result = agent.handle_inbound(pid, "my vision is blurry since this morning")
    assert result.intents[0].intent == Intent.URGENT
    assert "911" in result.sent[0].body and "normal" not in result.sent[0].body
    assert result.handoffs[0]["priority"] == "urgent"


def test_a_clinic_may_say_its_own_name_even_when_it_names_a_procedure(db, clock):
    from agent.demo import add_patient_with_visit, ensure_demo_clinic
    from agent.store.db import session_scope
    from agent.types import VisitType

    with session_scope(db) as s:
        clinic = ensure_demo_clinic(s, clock.now(), name="Laser Lounge", phone="+14155550199")
        clinic.settings = {}
        p, _ = add_patient_with_visit(s, clinic, clock.now(), first_name="Kim", phone="+14155553001",
                                      visit_type=VisitType.LASER, days_ago=14, treatment="IPL")
        pid = p.id
    agent = Agent(db, clock=clock)
    touch = send_touch(agent, pid, "results_checkin")
    assert touch.sent and "Laser Lounge" in touch.sent[0].body


def test_curly_quotes_are_straightened_so_the_text_stays_gsm7(db, clock, make_patient):
    agent, _ = scripted(db, clock, proposal(Intent.POSITIVE, "That\u2019s wonderful \u2014 thank you for telling us!"))
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    reply = agent.handle_inbound(pid, "love it").sent[0]
    assert reply.body == "That's wonderful - thank you for telling us!" and reply.segments == 1


def test_an_opt_out_intent_is_honoured_even_without_the_tool(db, clock, make_patient):
    from tests.engine.helpers import patient

    agent, _ = scripted(db, clock, proposal(Intent.OPT_OUT, "Sorry to hear that! Can we change your mind?"))
    pid = make_patient()
    result = agent.handle_inbound(pid, "I'm done with these messages")
    assert patient(db, pid).opted_out
    assert [r.body for r in result.sent] == [reply_text("opt_out")]


def test_a_model_that_calls_ok_positive_does_not_earn_a_referral_ask(db, clock, make_patient):
    draft = "Love that! If anyone you know has been curious, send them our way."
    agent, _ = scripted(db, clock, proposal(Intent.POSITIVE, draft, confidence=0.95))
    pid = make_patient()
    send_touch(agent, pid, "results_checkin")
    reply = agent.handle_inbound(pid, "ok").replies[0]
    assert reply.asks == [] and any(v["policy"] == "ask_timing" for v in reply.verdicts)


def test_failed_model_attempts_are_counted_on_the_fallback_turn(db, clock, make_patient):
    from agent.brains.base import Usage
    from tests.engine.helpers import Turn

    class Exhausted(RuntimeError):
        usage = Usage(calls=3, prompt_tokens=2700, completion_tokens=0)

    agent, _ = scripted(db, clock, Exhausted("model unavailable"))
    pid = make_patient()
    result = agent.handle_inbound(pid, "loving it!")
    assert result.fell_back and result.usage["calls"] == 3 and result.usage["prompt_tokens"] == 2700
    assert rows(db, Turn)[-1].model_calls == 3
