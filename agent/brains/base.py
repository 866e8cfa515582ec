"""The brain contract: the minimum a brain may see, and what it may propose.

A brain proposes (intents, tool calls, a draft reply); the engine and the guards dispose.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from agent.types import AskKind, GuardVerdict, IntentScore, Stage, ToolCall, VisitType

if TYPE_CHECKING:
    from agent.store.models import Turn


@dataclass(frozen=True)
class Line:
    role: str  # "patient" | "agent"
    text: str


@dataclass(frozen=True)
class BrainContext:
    """Minimum necessary: first name, visit category, days since the visit, the conversation.
    Never the treatment, the provider, the phone number or anything about another patient."""

    first_name: str
    visit_category: VisitType | None
    days_since_visit: int | None
    stage: Stage
    message: str
    history: tuple[Line, ...] = ()
    last_asks: frozenset[AskKind] = frozenset()  # asks in the agent's previous text
    allowed_asks: frozenset[AskKind] = frozenset()  # asks policy would allow in this reply
    clinic_name: str = ""
    clinic_phone: str = ""
    sender: str = ""
    variant: int = 0  # picks between equivalent phrasings, stable per conversation
    segment_budget: int = 2  # the clinic's SMS segment budget, stated to a model in characters
    language: str = "en"  # what the patient writes in ("en" | "es"); replies use that language's templates


@dataclass
class Usage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0

    def add(self, other: Usage) -> None:
        self.calls += other.calls
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.latency_ms += other.latency_ms

    def charge(self, turn: Turn) -> None:
        """Add this usage to a turn record: its columns are a Usage under other names (`model_calls`)."""
        total = Usage(turn.model_calls, turn.prompt_tokens, turn.completion_tokens, turn.latency_ms)
        total.add(self)
        turn.model_calls, turn.prompt_tokens = total.calls, total.prompt_tokens
        turn.completion_tokens, turn.latency_ms = total.completion_tokens, total.latency_ms


@dataclass
class Proposal:
    intents: tuple[IntentScore, ...]
    tool_calls: tuple[ToolCall, ...] = ()
    reply: str | None = None
    brain: str = ""
    usage: Usage = field(default_factory=Usage)
    fell_back: bool = False  # the model failed and the offline brain answered instead

    @property
    def deciding(self) -> IntentScore:
        return self.intents[0]


class Brain(Protocol):
    name: str

    def propose(self, ctx: BrainContext) -> Proposal: ...

    def regenerate(self, ctx: BrainContext, draft: str, violations: list[GuardVerdict]) -> tuple[str | None, Usage]:
        """One more draft with the violations named; (None, usage) when the brain cannot repair."""
        ...
