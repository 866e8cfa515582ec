"""A scripted chat model of real LangChain types (agents-sdk testing/model.py style): it answers with
scripted AIMessages carrying real tool_calls and records everything it was sent and offered."""
from __future__ import annotations

import itertools
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

_ids = itertools.count(1)


class ScriptedChatModel(BaseChatModel):
    script: list = Field(default_factory=list)  # AIMessages or exceptions, in order
    received: list = Field(default_factory=list)  # the messages of every call
    offered: list = Field(default_factory=list)  # (tool names, tool_choice) of every bind_tools
    callbacks_seen: list = Field(default_factory=list)  # callback handlers active in every call (tracers)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: list, *, tool_choice: Any = None, **kwargs: Any) -> ScriptedChatModel:  # noqa: ANN401
        self.offered.append(([t["function"]["name"] for t in tools], tool_choice))
        return self

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        self.received.append(list(messages))
        self.callbacks_seen.append([type(h).__name__ for h in (run_manager.handlers if run_manager else [])])
        if not self.script:
            raise AssertionError("the scripted model ran out of answers")
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return ChatResult(generations=[ChatGeneration(message=item)])

    def seen(self, call: int = -1) -> str:
        """Everything one call was sent, as one text."""
        return "\n".join(str(m.content) for m in self.received[call])


def call(tool: str, **args: Any) -> dict:  # noqa: ANN401
    return {"name": tool, "args": args, "id": f"call_{next(_ids)}", "type": "tool_call"}


def answer(reply: str | None, *intents: tuple[str, float], tools: tuple[dict, ...] = ()) -> AIMessage:
    intents = intents or (("positive", 0.95),)
    respond = call("respond", intents=[{"intent": i, "confidence": c} for i, c in intents], reply=reply)
    return AIMessage(content="", tool_calls=[respond, *tools],
                     usage_metadata={"input_tokens": 900, "output_tokens": 50, "total_tokens": 950})


def rewrite(reply: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[call("rewrite", reply=reply)],
                     usage_metadata={"input_tokens": 950, "output_tokens": 20, "total_tokens": 970})
