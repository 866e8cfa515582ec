"""What one turn did, in the shape `afterglow chat --json` and the eval reports print."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.types import Disposition, IntentScore, Keyword


@dataclass
class ReplyRecord:
    body: str
    asks: list[str]
    segments: int
    disposition: Disposition
    verdicts: list[dict] = field(default_factory=list)  # tripped verdicts of every attempt
    message_id: int | None = None
    draft_id: int | None = None
    # The outbound row while its insert waits for the turn's flush (message_id is filled from it then).
    outbound: Any = field(default=None, repr=False, compare=False)

    def as_json(self) -> dict:
        return {"body": self.body, "asks": self.asks, "segments": self.segments,
                "disposition": self.disposition.value, "verdicts": self.verdicts}


@dataclass
class TurnResult:
    conversation_id: int | None = None
    turn_id: int | None = None
    duplicate: bool = False
    keyword: Keyword | None = None
    intents: list[IntentScore] = field(default_factory=list)
    replies: list[ReplyRecord] = field(default_factory=list)
    tools: list[dict] = field(default_factory=list)
    handoffs: list[dict] = field(default_factory=list)
    referrals: list[str] = field(default_factory=list)
    brain: str = ""
    fell_back: bool = False
    usage: dict = field(default_factory=lambda: {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0,
                                                 "latency_ms": 0.0})

    def fill_message_ids(self) -> None:
        """After the turn's flush: the ids of replies whose rows were inserted in it."""
        for record in self.replies:
            if record.outbound is not None:
                record.message_id = record.outbound.id
                record.outbound = None

    @property
    def sent(self) -> list[ReplyRecord]:
        return [r for r in self.replies if r.disposition in (Disposition.SEND, Disposition.REPAIR)]

    @property
    def held(self) -> list[ReplyRecord]:
        return [r for r in self.replies if r.disposition == Disposition.HOLD]

    def as_json(self) -> dict:
        return {
            "intents": [{"intent": s.intent.value, "confidence": round(s.confidence, 2)} for s in self.intents],
            "keyword": self.keyword.value if self.keyword else None,
            "replies": [r.as_json() for r in self.replies],
            "tools": self.tools,
            "handoffs": self.handoffs,
            "referrals": self.referrals,
            "duplicate": self.duplicate,
            "brain": self.brain,
            "fell_back": self.fell_back,
            "usage": self.usage,
        }
