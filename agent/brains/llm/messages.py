"""BrainContext -> chat messages: the only place that decides what a model sees.

Minimum necessary (HIPAA, shared/reference/compliance.md): the patient's first name, the visit
category, days since the visit, where the conversation stands, the asks policy would allow, and the
conversation itself. Never the treatment, the provider, a phone number on record or anything about
another patient; BrainContext does not carry them, and the clinic's own number is a token the brain
fills in after the call ({clinic_phone}), so no phone number from the record reaches the model.
"""
from __future__ import annotations

import re

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from agent.brains.base import BrainContext
from agent.policy.schema import ClinicSettings, HandoffSpec, Policies
from agent.prompts import PromptLibrary
from agent.types import AskKind, GuardVerdict, Intent, Priority

PHONE_TOKEN = "{clinic_phone}"
_PHONE_TOKEN = re.compile(r"\{\s*clinic_phone\s*\}", re.IGNORECASE)
# A hit on the patient's own visit terms would tell the model what the record says: not named.
HIDDEN = frozenset({"patient_term"})
# A reply may carry the referral ask, as the offline brain's reviewed templates do. Review asks go out
# as their own scheduled touch with the clinic's link; a wish to book goes to the front desk.
REPLY_ASKS = (AskKind.REFERRAL,)
# The clinic's segment budget when the context does not carry one (ClinicSettings' own default).
DEFAULT_SEGMENTS = ClinicSettings.model_fields["segment_budget"].default
# "(policies/triage.yaml)" and the like: notes for people reading the policy, never for the model.
_FILE_NOTE = re.compile(r"\s*\([^()]*(?:/|\.ya?ml\b|\.j2\b|\.py\b)[^()]*\)")


def turn_messages(ctx: BrainContext, prompts: PromptLibrary, policies: Policies) -> list[BaseMessage]:
    """System prompt, the conversation so far, and the patient's latest message."""
    return [SystemMessage(prompts.render("system/agent", **_facts(ctx, policies))), *_conversation(ctx)]


def repair_messages(ctx: BrainContext, violations: list[GuardVerdict], prompts: PromptLibrary,
                    policies: Policies) -> list[BaseMessage]:
    """The same turn again, then the rules the draft broke, by policy and category only. The draft
    itself is not sent back: a guard's detail never carries the offending words, and neither do we."""
    broken = [{"policy": v.policy.value, "categories": [c for c in v.detail.get("categories", []) if c not in HIDDEN]}
              for v in violations if v.tripped]
    again = prompts.render("system/repair", broken=broken, **budget(ctx))
    return [*turn_messages(ctx, prompts, policies), SystemMessage(again)]


def respond_again_messages(messages: list[BaseMessage], prompts: PromptLibrary) -> list[BaseMessage]:
    """The same turn again, asking for the `respond` call the model did not make (only where the server
    could not force it). The model's own answer is not repeated: it may be anything."""
    return [*messages, SystemMessage(prompts.render("system/respond_again"))]


def budget(ctx: BrainContext) -> dict:
    """The clinic's segment budget in characters: GSM-7 (plain text) and UCS-2 (emoji, or accents such
    as á í ó ú, which Spanish replies often carry): 160/70 in one segment, 153/67 a segment when split."""
    segments = ctx.segment_budget or DEFAULT_SEGMENTS
    return {"segments": segments, "gsm_chars": 160 if segments == 1 else 153 * segments,
            "ucs_chars": 70 if segments == 1 else 67 * segments}


def fill_phone(text: str | None, ctx: BrainContext) -> str | None:
    """The model's text with the clinic's number put in; None for nothing to send."""
    if text is None or not text.strip():
        return None
    return _PHONE_TOKEN.sub(ctx.clinic_phone or "the clinic", text.strip())


def _facts(ctx: BrainContext, policies: Policies) -> dict:
    rules = policies.intents.intents
    return {
        "clinic_name": ctx.clinic_name,
        "sender": ctx.sender or ctx.clinic_name,
        "first_name": ctx.first_name,
        "visit": ctx.visit_category.value.replace("_", " ") if ctx.visit_category else None,
        "days": ctx.days_since_visit,
        "stage": ctx.stage.value,
        "asks": [a.value for a in REPLY_ASKS if a in ctx.allowed_asks],
        "last_asks": sorted(a.value for a in ctx.last_asks),
        # (intent, what it means, the handoff it opens) from policies/intents.yaml, in precedence order
        "intents": [(i.value, _describe(i, policies), _queue(rules[i].handoff)) for i in policies.intents.precedence],
        "phone_token": PHONE_TOKEN,
        **budget(ctx),
    }


def _describe(intent: Intent, policies: Policies) -> str:
    """An intent's meaning for the model. Urgent lists the red-flag families of policies/triage.yaml, so
    the prompt and the triage rules read the same list."""
    if intent is Intent.URGENT:
        flags = "; ".join(s.label.split(" (")[0] for s in policies.triage.red_flags)
        return f"A red flag, even said casually, in other words or inside a happy text: {flags}."
    return _first_sentence(policies.intents.intents[intent].description)


def _first_sentence(text: str) -> str:
    # The rest of a description is for people reading the policy ("Handled before the brain."), and so
    # is a file named in it.
    head, _, _ = _FILE_NOTE.sub("", text).partition(". ")
    return head.rstrip(".") + "."


def _queue(handoff: HandoffSpec | None) -> str | None:
    if handoff is None:
        return None
    return handoff.queue.value + (f" {handoff.priority.value}" if handoff.priority != Priority.NORMAL else "")


def _conversation(ctx: BrainContext) -> list[BaseMessage]:
    """The conversation in turns that alternate: two texts in a row from the same side (a touch and a
    nudge, two patient texts) are one message, as many open models' chat templates require."""
    lines: list[BaseMessage] = []
    for role, text in [*((line.role, line.text) for line in ctx.history), ("patient", ctx.message)]:
        kind = HumanMessage if role == "patient" else AIMessage
        text = text if role == "patient" else _hide_phone(text, ctx)
        if lines and type(lines[-1]) is kind:
            lines[-1] = kind(f"{lines[-1].content}\n\n{text}")
        else:
            lines.append(kind(text))
    return lines


def _hide_phone(text: str, ctx: BrainContext) -> str:
    return text.replace(ctx.clinic_phone, PHONE_TOKEN) if ctx.clinic_phone else text
