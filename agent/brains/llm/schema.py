"""What the model must answer, as pydantic models: its reading of the message, its actions and its reply.

The model answers by calling ONE tool, `respond`, whose arguments are these models, so the answer is
validated data, never parsed from free text. Unknown intents fail validation. The actions ride inside
`respond` as a tagged union (each item names its `tool`), so one forced call carries everything and
no server has to support parallel tool calls. Action items stay loose dicts here on purpose: a bad
action is passed on to the tool layer, which refuses it and records the refusal (it must not sink
the whole answer).
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent.types import Intent

RESPOND = "respond"
REWRITE = "rewrite"
ACTION_TAG = "tool"  # the discriminator of an action item: the name of a tool in agent.tools.TOOLS


class IntentChoice(BaseModel):
    """One reading of the patient's latest text."""

    model_config = ConfigDict(extra="ignore")

    intent: Intent
    confidence: float = Field(ge=0.0, le=1.0)


class Respond(BaseModel):
    """Your reading of the patient's latest text (intents, most important first, confidence 0-1), the
    clinic actions it calls for (each names its tool; [] if none), and your SMS reply (null if none is due)."""

    model_config = ConfigDict(extra="ignore")

    intents: list[IntentChoice] = Field(min_length=1)
    actions: list[Any] = Field(default_factory=list)
    reply: str | None = None


class Rewrite(BaseModel):
    """Your corrected reply."""

    model_config = ConfigDict(extra="ignore")

    reply: str
