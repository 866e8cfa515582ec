"""The obligations on their own (pure: proposals and tool outcomes in, calls and proposals out)."""
from __future__ import annotations

import pytest

from agent.brains.base import BrainContext, Proposal
from agent.brains.offline.brain import OfflineBrain
from agent.engine.obligations import Obligations
from agent.policy.loader import default_policies
from agent.prompts import default_prompts
from agent.store.models import Handoff
from agent.tools import ToolOutcome
from agent.triage import TriageResult
from agent.types import Intent, IntentScore, Priority, Queue, Stage, ToolCall, VisitType
from tests.replies import reply_text

POLICIES = default_policies()
OBLIGATIONS = Obligations(POLICIES, OfflineBrain(POLICIES, default_prompts()))
CTX = BrainContext(first_name="Maya", visit_category=VisitType.DERMAL_FILLER, days_since_visit=3,
                   stage=Stage.CHECKIN, message="hi", clinic_name="Glow", clinic_phone="(415) 555-0100")


def proposal(intent: Intent, *calls: ToolCall, reply: str | None = "Sure thing, Maya!", confidence: float = 0.9,
             more: tuple[Intent, ...] = ()) -> Proposal:
    scores = (IntentScore(intent, confidence), *(IntentScore(i, 0.8) for i in more))
    return Proposal(intents=scores, tool_calls=calls, reply=reply, brain="model")


def opened(queue: Queue, priority: Priority = Priority.NORMAL, name: str = "create_handoff") -> ToolOutcome:
    return ToolOutcome(name, {}, True, handoff=Handoff(clinic_id=1, conversation_id=1, patient_id=1, queue=queue,
                                                       priority=priority, reason="x"))


def refused(name: str) -> ToolOutcome:
    return ToolOutcome(name, {}, False, "invalid arguments: name: value_error")


# ------------------------------------------------------------------ the handoff the intent owes


@pytest.mark.parametrize(("intent", "queue"), [
    (Intent.BOOKING, "front_desk"), (Intent.REFERRAL, "front_desk"), (Intent.QUESTION, "front_desk"),
    (Intent.SERVICE_INTEREST, "front_desk"), (Intent.CONCERN, "clinical"), (Intent.UNHAPPY, "manager"),
])
def test_an_intent_with_a_handoff_is_owed_it_when_no_tool_opened_one(intent, queue):
    (call,) = OBLIGATIONS.owed_calls(proposal(intent), [], CTX)
    assert call.name == "create_handoff" and call.args["queue"] == queue and call.args["priority"] == "normal"
    assert call.args["reason"] == intent.value.replace("_", " ")
    assert "dermal_filler visit, day 3" in call.args["summary"]  # the category and the day, never the treatment


@pytest.mark.parametrize("intent", [Intent.POSITIVE, Intent.NEUTRAL, Intent.DECLINE, Intent.OTHER, Intent.WRONG_NUMBER])
def test_an_intent_without_a_handoff_owes_nothing(intent):
    assert OBLIGATIONS.owed_calls(proposal(intent), [], CTX) == ()


def test_a_handoff_in_the_same_queue_settles_it_and_one_elsewhere_does_not():
    booking = proposal(Intent.BOOKING)
    assert OBLIGATIONS.owed_calls(booking, [opened(Queue.FRONT_DESK)], CTX) == ()
    assert OBLIGATIONS.owed_calls(booking, [opened(Queue.FRONT_DESK, name="record_referral")], CTX) == ()
    (call,) = OBLIGATIONS.owed_calls(booking, [opened(Queue.MANAGER)], CTX)
    assert call.args["queue"] == "front_desk"
    (call,) = OBLIGATIONS.owed_calls(proposal(Intent.REFERRAL), [refused("record_referral")], CTX)
    assert call.args["queue"] == "front_desk"  # the referral the tool layer refused still reaches a person


def test_an_urgent_intent_needs_an_urgent_handoff():
    urgent = proposal(Intent.URGENT)
    (call,) = OBLIGATIONS.owed_calls(urgent, [opened(Queue.CLINICAL)], CTX)
    assert call.args == {**call.args, "queue": "clinical", "priority": "urgent"}
    assert OBLIGATIONS.owed_calls(urgent, [opened(Queue.CLINICAL, Priority.URGENT)], CTX) == ()


def test_nothing_is_owed_once_the_thread_is_over_or_closed():
    assert OBLIGATIONS.owed_calls(proposal(Intent.BOOKING), [ToolOutcome("opt_out", {}, True)], CTX) == ()
    assert OBLIGATIONS.owed_calls(proposal(Intent.BOOKING), [ToolOutcome("mark_wrong_number", {}, True)], CTX) == ()
    ended = BrainContext(**{**CTX.__dict__, "stage": Stage.ENDED})
    assert OBLIGATIONS.owed_calls(proposal(Intent.BOOKING), [], ended) == ()  # the tool layer would refuse it


# ------------------------------------------------------------------ replies that relied on a refused action


def test_a_reply_that_relied_on_a_refused_action_becomes_the_reviewed_template():
    draft = proposal(Intent.REFERRAL, reply="Someone will reach out to Dana soon!")
    settled = OBLIGATIONS.settle_reply(draft, [refused("record_referral"), opened(Queue.FRONT_DESK)], CTX)
    assert settled.reply == reply_text("referral", referral_name=None)  # the template that names no one
    assert settled.intents == draft.intents and settled.tool_calls == draft.tool_calls


def test_a_reply_whose_actions_all_ran_is_kept():
    draft = proposal(Intent.BOOKING, reply="Our front desk will text you shortly!")
    assert OBLIGATIONS.settle_reply(draft, [opened(Queue.FRONT_DESK)], CTX) is draft
    assert OBLIGATIONS.settle_reply(proposal(Intent.NEUTRAL, reply=None), [refused("opt_out")], CTX).reply is None


def test_the_red_flag_safety_text_is_never_replaced():
    urgent = OBLIGATIONS.before_tools(proposal(Intent.POSITIVE), TriageResult(red_flags=("vascular",)), CTX)
    assert OBLIGATIONS.settle_reply(urgent, [refused("record_referral")], CTX).reply == urgent.reply


# ------------------------------------------------------------------ before the tools


def test_a_red_flag_forces_an_urgent_clinical_handoff_and_the_safety_text():
    flags = TriageResult(red_flags=(POLICIES.triage.red_flags[0].id,))
    draft = proposal(Intent.POSITIVE, ToolCall("create_handoff", {"queue": "clinical", "reason": "meh"}),
                     ToolCall("record_decline", {}), reply="Totally normal!")
    forced = OBLIGATIONS.before_tools(draft, flags, CTX)
    assert forced.deciding == IntentScore(Intent.URGENT, 1.0) and forced.intents[1].intent == Intent.POSITIVE
    first, *rest = forced.tool_calls
    assert (first.name, first.args["queue"], first.args["priority"]) == ("create_handoff", "clinical", "urgent")
    assert first.args["reason"].startswith("red flag: ")
    assert [c.name for c in rest] == ["record_decline"]  # the model's own clinical handoff is replaced
    assert "911" in forced.reply and "normal" not in forced.reply


def test_an_opt_out_read_without_the_tool_gets_the_tool():
    forgot = OBLIGATIONS.before_tools(proposal(Intent.OPT_OUT, reply="Got it."), TriageResult(), CTX)
    assert [c.name for c in forgot.tool_calls] == ["opt_out"]
    called = proposal(Intent.OPT_OUT, ToolCall("opt_out", {}))
    assert OBLIGATIONS.before_tools(called, TriageResult(), CTX).tool_calls == called.tool_calls
    assert OBLIGATIONS.before_tools(proposal(Intent.POSITIVE), TriageResult(), CTX).tool_calls == ()
