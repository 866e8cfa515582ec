"""What a turn owes whatever the brain proposed: the policy's actions, in code, for every brain.

A brain (a model, or the offline rules) proposes intents, actions and a reply; it may forget an
action or propose one the tool layer refuses. These pure steps, around the tools, make the result
the same as if the brain had followed policy:

1. before the tools (`before_tools`)
   - a red flag (triage) makes the turn urgent: an urgent clinical handoff and the fixed safety text,
     whatever the brain said;
   - an opt-out the brain read (intent `opt_out`) runs the `opt_out` tool even if the brain forgot it;
2. after the brain's tools (`owed_calls`): the deciding intent's handoff from policies/intents.yaml
   (`handoff`) is opened when no tool that ran opened one in that queue (a "booking" read with no
   create_handoff, a record_referral the tool layer refused);
3. after every tool (`settle_reply`): a reply written on the assumption that its actions happened
   ("someone will reach out to Dana") is replaced by the reviewed template for the deciding intent,
   without any name, when one of those actions was refused.

Nothing here touches the database: the engine runs the calls these steps return.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from agent.brains.base import BrainContext, Proposal
from agent.brains.offline.brain import OfflineBrain
from agent.policy.schema import HandoffSpec, Policies
from agent.tools import TOOLS, ToolOutcome
from agent.triage import TriageResult
from agent.types import Intent, IntentScore, Priority, Queue, ToolCall, ToolName

# Once these ran, the thread is over for the agent: nothing more is owed to it.
ENDS_THREAD = frozenset({ToolName.OPT_OUT, ToolName.MARK_WRONG_NUMBER})


@dataclass(frozen=True)
class Obligations:
    policies: Policies
    offline: OfflineBrain  # the reviewed templates

    def before_tools(self, proposal: Proposal, flags: TriageResult, ctx: BrainContext) -> Proposal:
        """Red flags and opt-outs, before anything runs."""
        if flags.urgent:
            proposal = self.force_urgent(proposal, flags, ctx)
        if any(s.intent == Intent.OPT_OUT for s in proposal.intents) and not any(
                c.name == ToolName.OPT_OUT for c in proposal.tool_calls):
            # A brain that reads a revocation but forgets the tool still stops everything at once.
            proposal = replace(proposal, tool_calls=(ToolCall(ToolName.OPT_OUT, {}), *proposal.tool_calls))
        return proposal

    def force_urgent(self, proposal: Proposal, flags: TriageResult, ctx: BrainContext) -> Proposal:
        """Red flags escalate whatever the brain said, and the reply is the fixed safety text."""
        labels = "; ".join(s.label for s in self.policies.triage.red_flags if s.id in flags.red_flags)
        urgent = ToolCall(ToolName.CREATE_HANDOFF, {"queue": Queue.CLINICAL.value, "priority": Priority.URGENT.value,
                                           "reason": ("red flag: " + labels)[:200],
                                           "summary": f"Red flag in patient reply; day {ctx.days_since_visit}."})
        intents = (IntentScore(Intent.URGENT, 1.0),) + tuple(s for s in proposal.intents if s.intent != Intent.URGENT)
        calls = tuple(c for c in proposal.tool_calls if c.name != ToolName.CREATE_HANDOFF or c.args.get("queue") != "clinical")
        return replace(proposal, intents=intents, tool_calls=(urgent, *calls),
                       reply=self.offline.reply_for(Intent.URGENT, ctx))

    def owed_calls(self, proposal: Proposal, outcomes: list[ToolOutcome], ctx: BrainContext) -> tuple[ToolCall, ...]:
        """The deciding intent's handoff, when no tool that ran opened one in its queue."""
        if not proposal.intents or any(o.ok and o.name in ENDS_THREAD for o in outcomes):
            return ()
        if ctx.stage in TOOLS[ToolName.CREATE_HANDOFF].forbidden_stages:
            return ()
        intent = proposal.deciding.intent
        spec = self.policies.intents.intents[intent].handoff
        if spec is None or any(_covers(o, spec) for o in outcomes):
            return ()
        return (_handoff_call(intent, spec, ctx),)

    def settle_reply(self, proposal: Proposal, outcomes: list[ToolOutcome], ctx: BrainContext) -> Proposal:
        """The reviewed template instead of a reply whose actions were refused. The safety text of a
        red flag stays as it is: it depends on nothing."""
        if proposal.reply is None or not any(not o.ok for o in outcomes):
            return proposal
        deciding = proposal.deciding
        if deciding.intent == Intent.URGENT:
            return proposal
        # No `found`: the template must not name the person whose record was refused.
        return replace(proposal, reply=self.offline.reply_for(deciding.intent, ctx, confidence=deciding.confidence))


def _covers(outcome: ToolOutcome, spec: HandoffSpec) -> bool:
    handoff = outcome.handoff
    if not outcome.ok or handoff is None or handoff.queue != spec.queue:
        return False
    return spec.priority != Priority.URGENT or handoff.priority == Priority.URGENT


def _handoff_call(intent: Intent, spec: HandoffSpec, ctx: BrainContext) -> ToolCall:
    day = f"day {ctx.days_since_visit}" if ctx.days_since_visit is not None else "no recent visit"
    category = ctx.visit_category.value if ctx.visit_category else "unknown"
    return ToolCall(ToolName.CREATE_HANDOFF, {
        "queue": spec.queue.value, "priority": spec.priority.value, "reason": intent.value.replace("_", " "),
        "summary": f"Patient reply read as {intent.value}; {category} visit, {day}. Opened by policy: no action "
                   "the brain proposed opened it."})
