"""A scripted brain that returns real proposal types and records what it was shown (agents-sdk style)."""
from __future__ import annotations

from collections import deque

from agent.brains.base import BrainContext, Proposal, Usage
from agent.types import GuardVerdict, Intent, IntentScore, ToolCall


class ScriptedBrain:
    name = "scripted"

    def __init__(self, *proposals: Proposal, regenerations: list[str | None] | None = None) -> None:
        self.proposals = deque(proposals)
        self.regenerations = deque(regenerations or [])
        self.seen: list[BrainContext] = []
        self.repair_requests: list[list[GuardVerdict]] = []

    def propose(self, ctx: BrainContext) -> Proposal:
        self.seen.append(ctx)
        if not self.proposals:
            raise AssertionError("the scripted brain ran out of proposals")
        item = self.proposals.popleft()
        if isinstance(item, Exception):
            raise item
        return item

    def regenerate(self, ctx: BrainContext, draft: str, violations: list[GuardVerdict]) -> tuple[str | None, Usage]:
        self.repair_requests.append(violations)
        text = self.regenerations.popleft() if self.regenerations else None
        return text, Usage(calls=1, prompt_tokens=10, completion_tokens=5)


def proposal(intent: Intent, reply: str | None, *tools: ToolCall, confidence: float = 0.95,
             also: tuple[Intent, ...] = ()) -> Proposal:
    intents = (IntentScore(intent, confidence),) + tuple(IntentScore(i, 0.9) for i in also)
    return Proposal(intents=intents, tool_calls=tuple(tools), reply=reply, brain="scripted",
                    usage=Usage(calls=1, prompt_tokens=100, completion_tokens=20))
