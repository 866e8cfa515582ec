"""What the model must answer, as pydantic models: its reading of the message and its draft reply.

The model answers by calling a tool whose arguments are one of these models, so the answer is
validated data, never parsed from free text. Unknown intents fail validation.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from agent.types import Intent

RESPOND = "respond"
REWRITE = "rewrite"


class IntentChoice(BaseModel):
    model_config = ConfigDict(extra="ignore")

    intent: Intent
    confidence: float = Field(ge=0.0, le=1.0)


class Respond(BaseModel):
    """Your reading of the patient's latest text, and your reply."""

    model_config = ConfigDict(extra="ignore")

    intents: list[IntentChoice] = Field(min_length=1, max_length=4)
    reply: str | None = None


class Rewrite(BaseModel):
    """Your corrected reply."""

    model_config = ConfigDict(extra="ignore")

    reply: str
