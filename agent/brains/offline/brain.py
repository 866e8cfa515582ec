"""The deterministic offline brain: rules for understanding, prompts/ templates for replies.

It is the embedded default and the fallback when a model fails, so it must be good enough for a
cautious clinic on its own: it never improvises text, only fills reviewed templates.
"""
from __future__ import annotations

from agent.brains.base import BrainContext, Proposal, Usage
from agent.brains.offline.classify import Classification, classify, known_names
from agent.policy.schema import Policies
from agent.prompts import PromptLibrary
from agent.types import AskKind, GuardVerdict, Intent, Priority, Queue, ToolCall, ToolName



class OfflineBrain:
    name = "offline"

    def __init__(self, policies: Policies, prompts: PromptLibrary) -> None:
        self.policies = policies
        self.prompts = prompts

    def propose(self, ctx: BrainContext) -> Proposal:
        found = classify(ctx.message, self.policies, visit_type=ctx.visit_category, last_asks=ctx.last_asks,
                         known_names=known_names(ctx.first_name, ctx.clinic_name))
        deciding = found.intents[0]
        return Proposal(
            intents=found.intents,
            tool_calls=tuple(self._tools(deciding.intent, found, ctx)),
            reply=self.reply_for(deciding.intent, ctx, found=found, confidence=deciding.confidence),
            brain=self.name,
            usage=Usage(),
        )

    def regenerate(self, ctx: BrainContext, draft: str, violations: list[GuardVerdict]) -> tuple[str | None, Usage]:
        # Templates are reviewed text: there is nothing better to regenerate into.
        return None, Usage()

    # ------------------------------------------------------------------ replies

    def reply_for(self, intent: Intent, ctx: BrainContext, *, found: Classification | None = None,
                  confidence: float = 1.0) -> str | None:
        """The reviewed template reply for an intent (also the LLM path's fallback)."""
        if intent == Intent.URGENT:
            return self.render(self.policies.triage.urgent_reply, ctx)
        rule = self.policies.intents.intents[intent]
        if rule.reply is None:
            return None
        template = rule.reply
        if intent == Intent.POSITIVE:
            if AskKind.REFERRAL in ctx.allowed_asks and self.policies.asks.is_clearly_positive(intent, confidence):
                template = self.policies.intents.positive_ask_reply
        elif intent == Intent.NEUTRAL and not _asked_something(ctx):
            return None  # "ok thanks" after our own acknowledgement needs no answer
        referral_name = _named(found, ctx.language) if found else None
        return self.render(template, ctx, referral_name=referral_name)

    def render(self, template: str, ctx: BrainContext, **extra: object) -> str:
        values = {"first_name": ctx.first_name, "clinic_name": ctx.clinic_name, "clinic_phone": ctx.clinic_phone,
                  "sender": ctx.sender or ctx.clinic_name, "variant": ctx.variant, "referral_name": None}
        values.update(extra)
        # The patient's language when a reviewed translation exists, else English.
        return self.prompts.render_sms(template, language=ctx.language, **values)

    # ------------------------------------------------------------------ tools

    def _tools(self, intent: Intent, found: Classification, ctx: BrainContext) -> list[ToolCall]:
        if intent == Intent.REFERRAL:
            return _referral_calls(found, ctx)
        if intent == Intent.DECLINE:
            return [ToolCall(ToolName.RECORD_DECLINE, {})]
        if intent == Intent.WRONG_NUMBER:
            return [ToolCall(ToolName.MARK_WRONG_NUMBER, {})]
        if intent == Intent.OPT_OUT:
            return [ToolCall(ToolName.OPT_OUT, {})]
        if intent == Intent.URGENT:
            labels = _labels(self.policies.triage.red_flags, found.triage.red_flags)
            return [_handoff(Queue.CLINICAL, Priority.URGENT, "red flag: " + labels, ctx, intent)]
        if intent == Intent.CONCERN:
            labels = _labels(self.policies.triage.expected_effects, found.triage.effects) or "patient concern"
            return [_handoff(Queue.CLINICAL, Priority.NORMAL, labels, ctx, intent)]
        spec = self.policies.intents.intents[intent].handoff
        if spec is not None:
            return [_handoff(spec.queue, spec.priority, intent.value.replace("_", " "), ctx, intent)]
        return []


def _referral_calls(found: Classification, ctx: BrainContext) -> list[ToolCall]:
    calls = [
        ToolCall(ToolName.RECORD_REFERRAL, {k: v for k, v in
                                     {"name": m.name, "phone": m.phone, "relationship": m.relationship}.items() if v})
        for m in found.referrals if m.name
    ]
    if not calls:
        # "My friend wants to come" without a name still goes to the front desk with the visit context.
        who = next((m.relationship for m in found.referrals if m.relationship), "someone")
        calls.append(_handoff(Queue.FRONT_DESK, Priority.NORMAL, f"referral: {who} wants to come in", ctx,
                              Intent.REFERRAL))
    return calls


def _handoff(queue: Queue, priority: Priority, reason: str, ctx: BrainContext, intent: Intent) -> ToolCall:
    day = f"day {ctx.days_since_visit}" if ctx.days_since_visit is not None else "no recent visit"
    category = ctx.visit_category.value if ctx.visit_category else "unknown"
    summary = f"Patient reply read as {intent.value}; {category} visit, {day}."
    return ToolCall(ToolName.CREATE_HANDOFF, {"queue": queue.value, "priority": priority.value, "reason": reason[:200],
                                       "summary": summary})


def _labels(symptoms: list, ids: tuple[str, ...]) -> str:
    by_id = {s.id: s.label for s in symptoms}
    return "; ".join(by_id.get(i, i) for i in ids)


_AND = {"es": "y"}
MAX_NAMED = 3  # more than this and the thank-you names no one rather than run past one segment


def _named(found: Classification, language: str) -> str | None:
    """Everyone the text introduced, as the reply names them: "Kim", "Kim and Lori", "Marisol, Carmen y Rosa"."""
    names = list(dict.fromkeys(m.name for m in found.referrals if m.name))
    if not names or len(names) > MAX_NAMED:
        return None
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f" {_AND.get(language, 'and')} " + names[-1]


def _asked_something(ctx: BrainContext) -> bool:
    last_agent = next((line.text for line in reversed(ctx.history) if line.role == "agent"), "")
    return last_agent.rstrip().endswith("?") or "?" in last_agent
